"""The live room of an assembly session: its durable event log and the state the events change.

Every change to a room is one :class:`RoomEvent` with a per-session sequence number, written in
the same transaction as its effect on the tables below (see :mod:`deliberation.services` and
``docs/live-protocol.md``). :class:`Room` carries the counter and is the row each change locks,
so sequence numbers have no gaps and no duplicates whatever the number of daphne processes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assemblies.models import Session

USER = settings.AUTH_USER_MODEL


class Room(models.Model):
    """The live state of one session that is not a row of its own."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, primary_key=True, related_name="room")
    last_seq = models.PositiveBigIntegerField(default=0)
    equal_voice = models.BooleanField(
        _("equal voice"), default=False, help_text=_("Order the speaker queue by least time spoken.")
    )
    muted = models.JSONField(default=list, blank=True, help_text=_("User ids the facilitator has muted."))

    def __str__(self) -> str:
        return f"Room of {self.session}"


class RoomEvent(models.Model):
    """One change to a room, in order. The log is the room's history and its minutes."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="room_events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=32)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict)
    table = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("Breakout table the event is for."))
    client_id = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="unique_room_event_seq"),
            models.UniqueConstraint(
                fields=["session", "actor", "client_id"], condition=~Q(client_id=""), name="unique_room_client_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq} {self.type}"


class AgendaItem(models.Model):
    """An item with a planned duration; the server's clock times it.

    ``elapsed_seconds`` is the time run before the current start; while running, the clock reads
    ``elapsed_seconds + (now - started_at)`` and the time left is ``planned + extended - that``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Not started")
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        DONE = "done", _("Done")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    planned_seconds = models.PositiveIntegerField()
    extended_seconds = models.PositiveIntegerField(default=0)
    elapsed_seconds = models.FloatField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)

    class Meta:
        ordering = ["session", "position"]
        constraints = [models.UniqueConstraint(fields=["session", "position"], name="unique_agenda_position")]

    def __str__(self) -> str:
        return self.title


class Turn(models.Model):
    """A raised hand and, once called, a turn at speaking (its length is the member's speaking time)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Hand raised")
        SPEAKING = "speaking", _("Speaking")
        DONE = "done", _("Spoke")
        WITHDRAWN = "withdrawn", _("Hand lowered")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="turns")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    raised_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"], condition=Q(status="waiting"), name="one_raised_hand_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status} in {self.session_id}"

    def seconds(self) -> float:
        if self.started_at is None or self.ended_at is None:
            return 0.0
        return (self.ended_at - self.started_at).total_seconds()


class Statement(models.Model):
    """A short statement members agree with, disagree with or pass on (as in Polis)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="statements")
    author = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=280)
    removed_reason = models.CharField(max_length=200, blank=True)
    posted_at = models.DateTimeField()

    class Meta:
        ordering = ["session", "pk"]

    def __str__(self) -> str:
        return self.text


class StatementVote(models.Model):
    AGREE, PASS, DISAGREE = 1, 0, -1
    CHOICES = {"agree": AGREE, "pass": PASS, "disagree": DISAGREE}

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["statement", "user"], name="one_statement_vote_per_member")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.statement_id}: {self.value}"


class OpinionMap(models.Model):
    """Opinion groups of a session, recomputed when a statement vote arrives (never per request)."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, primary_key=True, related_name="opinion_map")
    computed_at = models.DateTimeField()
    votes_seen = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Opinion groups of {self.session_id}"


class Message(models.Model):
    """A chat message to the room or to one breakout table."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    table = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.CharField(max_length=1000)
    removed_reason = models.CharField(max_length=200, blank=True)
    posted_at = models.DateTimeField()

    class Meta:
        ordering = ["session", "pk"]

    def __str__(self) -> str:
        return self.text[:50]


class Poll(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        SCALE = "scale", _("Scale")
        RANKED = "ranked", _("Ranked")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="polls")
    question = models.CharField(max_length=300)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    options = models.JSONField(default=list, help_text=_("Choices (single, ranked) or [low, high] (scale)."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    results = models.JSONField(default=dict)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session", "pk"]

    def __str__(self) -> str:
        return self.question


class PollAnswer(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    answer = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="one_poll_answer_per_member")]

    def __str__(self) -> str:
        return f"{self.user_id} on poll {self.poll_id}"


class TableRound(models.Model):
    """One allocation of members to breakout tables: ``{"1": [user ids], "2": [...]}``."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="table_rounds")
    number = models.PositiveIntegerField()
    table_size = models.PositiveSmallIntegerField()
    tables = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["session", "number"]
        constraints = [models.UniqueConstraint(fields=["session", "number"], name="unique_table_round")]

    def __str__(self) -> str:
        return f"Tables round {self.number} of {self.session_id}"


class Draft(models.Model):
    """A recommendation being written together; every accepted version is kept."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open for amendment")
        ADOPTED = "adopted", _("Adopted")
        REJECTED = "rejected", _("Not adopted")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="drafts")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["session", "pk"]

    def __str__(self) -> str:
        return self.title


class DraftVersion(models.Model):
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    amendment = models.ForeignKey("Amendment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["draft", "number"]
        constraints = [models.UniqueConstraint(fields=["draft", "number"], name="unique_draft_version")]

    def __str__(self) -> str:
        return f"{self.draft_id} v{self.number}"


class Amendment(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="amendments")
    proposer = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    base_version = models.PositiveIntegerField()
    text = models.TextField(help_text=_("The whole text as the amendment would make it."))
    reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROPOSED)
    proposed_at = models.DateTimeField()

    class Meta:
        ordering = ["draft", "pk"]

    def __str__(self) -> str:
        return f"Amendment {self.pk} to {self.draft_id}"


class RecommendationVote(models.Model):
    """A vote on a draft (final) or on an amendment, with its support threshold fixed beforehand."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="recommendation_votes")
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="votes")
    amendment = models.ForeignKey(Amendment, null=True, blank=True, on_delete=models.CASCADE, related_name="votes")
    draft_version = models.PositiveIntegerField()
    threshold_percent = models.PositiveSmallIntegerField(help_text=_("Share of support needed, e.g. 80."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    support = models.PositiveIntegerField(default=0)
    oppose = models.PositiveIntegerField(default=0)
    abstain = models.PositiveIntegerField(default=0)
    passed = models.BooleanField(null=True)

    class Meta:
        ordering = ["session", "pk"]

    def __str__(self) -> str:
        return f"Vote {self.pk} on {self.draft_id}"


class Ballot(models.Model):
    CHOICES = ("support", "oppose", "abstain")

    vote = models.ForeignKey(RecommendationVote, on_delete=models.CASCADE, related_name="ballots")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    choice = models.CharField(max_length=8)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "user"], name="one_ballot_per_member")]

    def __str__(self) -> str:
        return f"{self.user_id} on vote {self.vote_id}"


class Presence(models.Model):
    """How many connections a person has open to a room, across every daphne process."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="presence")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    connections = models.PositiveIntegerField(default=0)
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="one_presence_row")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.session_id}: {self.connections}"
