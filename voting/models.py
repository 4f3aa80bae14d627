"""Ballots, kept secret: who took part is stored apart from what was chosen.

Design (what a database dump can and cannot tell)
-------------------------------------------------
* :class:`Participation` says *who* took part in a process (user or paper voter code, ward,
  channel). A database ``UniqueConstraint`` on (process, user) and on (process, voter code) is what
  stops double voting, not a view check: concurrent submissions by one person insert one row and
  the others fail with ``IntegrityError`` inside the same transaction as their ballot.
* :class:`Ballot` says *what* was chosen. It has no foreign key to a user or a participation, no
  timestamp, and a random UUID primary key (no id sequence to line up with participations). The
  only thing it carries that a voter can recognise is ``receipt_hash``: the SHA-256 of a random
  receipt code that is shown to the voter once and never stored. The published ``.pb`` file
  carries that hash as the ``voter_id``, so ``/pb/<slug>/check/`` can find the ballot as cast.
* Changing a ballot needs the receipt: the voter (signed in, with a participation) presents it,
  the ballot whose ``receipt_hash`` matches is rewritten and gets a *new* receipt; the old hash is
  kept in :class:`SpentReceipt` (no link to anything) so a replayed receipt gets a clear refusal.
  Someone who voted with a voter code presents the code (it has voted, channel ``code``) and the
  receipt instead; their old ballot row is deleted and the new choices inserted shuffled like a
  new ballot (:func:`voting.services.change_ballot_with_code`).
  The voter's browser may keep the receipt in an HttpOnly cookie scoped to the process's path so
  that the change form is pre-filled; the server never writes it to the database or the session.
* Storage order: each new ballot swaps its content with a randomly chosen earlier ballot of the
  same process (:func:`voting.services._insert_shuffled`), so the row order of the ballot table
  (SQLite rowid, the order a dump lists rows in) does not follow arrival order. On PostgreSQL an
  update writes a new tuple, so when voting closes the table is also rewritten in (random) UUID
  order with ``CLUSTER``. A dump taken *during* voting on PostgreSQL may still show arrival order
  within a page; that is the residual risk, documented rather than hidden.
* What remains linkable by design: the ward and channel of a ballot (they are published: ward
  budgets are counted apart, channels are reported separately). A ward with a single voter
  therefore reveals that voter's ballot, exactly as in a paper count.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper")
    CODE = "code", _("Voter code (no account)")


class VoterCode(models.Model):
    """A single-use code for someone voting without an account: on paper (entered by officers) or
    online on ``/pb/<slug>/vote/code/``. Single use is the one-to-one ``Participation.voter_code``."""

    process = models.ForeignKey("proposals.Process", on_delete=models.CASCADE, related_name="voter_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    area = models.ForeignKey("councils.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Participation(models.Model):
    process = models.ForeignKey("proposals.Process", on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="pb_participations")
    voter_code = models.OneToOneField(VoterCode, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="participation")
    area = models.ForeignKey("councils.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    declared_minimum_age = models.PositiveSmallIntegerField(
        null=True, blank=True,
        help_text=_("The voter declared “I am N or older” for the process's minimum age N. No date of birth is "
                    "stored anywhere: this declaration is the least personal data that lets the age rule be "
                    "enforced and audited. Every voter of a process declares the same N, so it links no ballot."))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["process", "user"], condition=Q(user__isnull=False),
                                    name="one_ballot_per_person"),
            models.CheckConstraint(condition=Q(user__isnull=False) | Q(voter_code__isnull=False),
                                   name="participation_has_a_voter"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Ballot(models.Model):
    """What one voter chose. Nothing here points at a person (see the module docstring)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    process = models.ForeignKey("proposals.Process", on_delete=models.CASCADE, related_name="ballots")
    area = models.ForeignKey("councils.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    receipt_hash = models.CharField(max_length=64, unique=True)
    projects = models.JSONField(default=list)
    """Idea primary keys (as strings) in the voter's order (preference order for ranked ballots)."""
    points = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class SpentReceipt(models.Model):
    """Hash of a receipt that was replaced by a ballot change (so a replay is refused clearly)."""

    receipt_hash = models.CharField(max_length=64, primary_key=True)

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class PaperEntry(models.Model):
    """One officer's typing of one paper ballot; two agreeing entries by two officers make a ballot."""

    process = models.ForeignKey("proposals.Process", on_delete=models.CASCADE, related_name="paper_entries")
    voter_code = models.ForeignKey(VoterCode, on_delete=models.CASCADE, related_name="paper_entries")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    projects = models.JSONField(default=list)
    points = models.JSONField(null=True, blank=True)
    mismatch = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["voter_code", "officer"], name="one_entry_per_officer")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Tally(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Counting")
        DONE = "done", _("Published")
        FAILED = "failed", _("Failed")

    process = models.OneToOneField("proposals.Process", on_delete=models.CASCADE, related_name="tally")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    progress = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class PublishedFile(models.Model):
    """A file published with the results (ballots, results.json), served as stored, hashed in the manifest."""

    process = models.ForeignKey("proposals.Process", on_delete=models.CASCADE, related_name="published_files")
    name = models.CharField(max_length=120)
    content = models.TextField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["process", "name"], name="one_file_per_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class OutcomeOverride(models.Model):
    """A manual change to the outcome: always public, with its reason."""

    process = models.ForeignKey("proposals.Process", on_delete=models.CASCADE, related_name="overrides")
    idea = models.ForeignKey("proposals.Idea", on_delete=models.CASCADE, related_name="+")
    funded = models.BooleanField()
    reason = models.TextField()

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"
