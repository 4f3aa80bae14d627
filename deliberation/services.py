"""The one way to change a live room. The consumer, views, the demo and tests all call :func:`perform`.

Each action: lock the session's :class:`Room` row (``select_for_update``) → check who may do it
→ validate and change the room's tables → append one :class:`RoomEvent` with the next sequence
number (the counter lives on the locked row, so numbers have no gaps and no duplicates across
processes) → audit facilitator actions → broadcast the event with ``send_event_on_commit``, so a
rolled-back change is never announced. A client message id already used by the same person in
the same session returns the first event's seq and does nothing else. (The lock's statement also
reads the person's membership and that earlier event: see :func:`_locked_room`.) The consumer calls
:func:`perform` through ``civic.events.call_and_send``, so the broadcast leaves from its event loop
and the database thread goes on to the next action at once; views call it directly.

The message protocol is documented in ``docs/live-protocol.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from accounts.permissions import can
from assemblies.models import Membership, Session
from audit import services as audit
from audit.context import AuditContext
from civic.events import send_event_on_commit

from . import opinion
from .models import (
    AgendaItem,
    Amendment,
    Ballot,
    Draft,
    DraftVersion,
    Message,
    OpinionMap,
    Poll,
    PollAnswer,
    Presence,
    RecommendationVote,
    Room,
    RoomEvent,
    Statement,
    StatementVote,
    TableRound,
    Turn,
)
from .ranked import count_ranked_poll
from .tables import allocate_tables

# Roles in a room: the membership roles, plus officers (who may join and facilitate any room).
MEMBER, FACILITATOR, OBSERVER, OFFICER = "member", "facilitator", "observer", "officer"
FACILITATING = frozenset({FACILITATOR, OFFICER})
TAKING_PART = frozenset({MEMBER, FACILITATOR, OFFICER})

MAX_STATEMENT = 280
MAX_MESSAGE = 1000
MAX_TITLE = 200
MAX_REASON = 200
MAX_DRAFT = 20_000
MAX_OPTIONS = 10
MAX_OPTION = 100
MAX_EXTEND_SECONDS = 3600
MAX_AGENDA_SECONDS = 8 * 3600
CLIENT_ID_MAX = 64


class RoomError(Exception):
    """A refused action; ``code`` is the protocol's error code, the message is for people."""

    code = "invalid"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class Forbidden(RoomError):
    code = "forbidden"


class NotFound(RoomError):
    code = "not_found"


class Conflict(RoomError):
    code = "conflict"


def room_group(session_id: int) -> str:
    """The channel-layer group every connection to the session's room listens on."""
    return f"room.{session_id}"


def room_role(user: Any, session: Session) -> str | None:
    """The person's role in the session's room, or None if they may not join it."""
    if not _signed_in(user):
        return None
    role = Membership.objects.filter(assembly_id=session.assembly_id, user=user).values_list("role", flat=True).first()
    return _role(user, role)


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def _role(user: Any, membership_role: str | None) -> str | None:
    """The room role of a signed-in ``user`` whose membership role in the assembly is ``membership_role``."""
    if membership_role is not None:
        return membership_role
    return OFFICER if can(user, "assembly.manage") else None


def ensure_room(session_id: int) -> Room:
    room, _ = Room.objects.get_or_create(session_id=session_id)
    return room


def _locked_room(session_id: int, user: Any = None, client_id: str = "") -> Room:
    """The session's room row, locked for this transaction (created on the room's first action).

    With ``user`` the same statement also reads what :func:`perform` checks first, so an action
    takes one round trip to PostgreSQL instead of three before its own work: ``member_role`` (the
    person's membership role, or None) and, with ``client_id``, ``repeated_seq`` (the seq of the
    event this person already stored under that id, or None) and ``seen_seq``.

    ``repeated_seq`` is only trustworthy when no other action committed while this statement
    waited for the lock: PostgreSQL then returns the newest room row but evaluates the subqueries
    in the statement's older snapshot. ``seen_seq`` is the room's ``last_seq`` in that snapshot;
    every stored event raises ``last_seq`` (:func:`_append`), so ``seen_seq == last_seq`` means
    nothing was stored meanwhile. Otherwise the caller looks the id up again.
    """
    query = Room.objects.select_for_update().select_related("session").filter(session_id=session_id)
    if user is not None and _signed_in(user):
        query = query.annotate(
            member_role=Subquery(
                Membership.objects.filter(assembly_id=OuterRef("session__assembly_id"), user_id=user.pk)
                .order_by().values("role")[:1]
            )
        )
        if client_id:
            query = query.annotate(
                repeated_seq=Subquery(
                    RoomEvent.objects.filter(
                        session_id=OuterRef("session_id"), actor_id=user.pk, client_id=client_id
                    ).order_by().values("seq")[:1]
                ),
                seen_seq=Subquery(
                    Room.objects.filter(session_id=OuterRef("session_id")).order_by().values("last_seq")[:1]
                ),
            )
    room = next(iter(query), None)  # not first(): its ORDER BY is one more clause to build, for one row
    if room is None:
        ensure_room(session_id)
        room = query.get()
    return room


def _repeated_seq(room: Room, user: Any, client_id: str) -> int | None:
    """The seq of the event ``user`` already stored under ``client_id`` in this room, if any."""
    if getattr(room, "seen_seq", None) == room.last_seq:
        return room.repeated_seq  # type: ignore[attr-defined]
    return (
        RoomEvent.objects.filter(session_id=room.session_id, actor=user, client_id=client_id)
        .order_by().values_list("seq", flat=True).first()
    )


# --- Payloads -------------------------------------------------------------------

def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _name(user: Any) -> str:
    return user.display_name or user.email.split("@")[0]


def event_payload(event: RoomEvent) -> dict[str, Any]:
    """The event as clients receive it (``docs/live-protocol.md``)."""
    payload: dict[str, Any] = {
        "type": event.type,
        "seq": event.seq,
        "at": _iso(event.at),
        "actor": {"id": event.actor_id, "name": event.actor_name} if event.actor_id else None,
        "data": event.data,
    }
    if event.table is not None:
        payload["table"] = event.table
    return payload


def agenda_item_dict(item: AgendaItem, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    elapsed = item.elapsed_seconds
    if item.status == AgendaItem.Status.RUNNING and item.started_at is not None:
        elapsed += (now - item.started_at).total_seconds()
    allowed = item.planned_seconds + item.extended_seconds
    data = {
        "id": item.pk,
        "title": item.title,
        "position": item.position,
        "status": item.status,
        "planned_seconds": item.planned_seconds,
        "extended_seconds": item.extended_seconds,
        "elapsed_seconds": round(elapsed, 3),
        "remaining_seconds": round(allowed - elapsed, 3),
        "ends_at": None,
    }
    if item.status == AgendaItem.Status.RUNNING and item.started_at is not None:
        data["ends_at"] = _iso(item.started_at + timedelta(seconds=allowed - item.elapsed_seconds))
    return data


def _spoken_seconds(session_id: int) -> dict[int, float]:
    spoken: dict[int, float] = {}
    for turn in Turn.objects.filter(session_id=session_id, status__in=[Turn.Status.DONE, Turn.Status.SPEAKING]):
        spoken[turn.user_id] = spoken.get(turn.user_id, 0.0) + turn.seconds()
    return spoken


def speaker_state(room: Room) -> dict[str, Any]:
    """The queue in calling order, who speaks now, time spoken and who has not spoken yet."""
    session_id = room.session_id
    spoken = _spoken_seconds(session_id)
    waiting = list(Turn.objects.filter(session_id=session_id, status=Turn.Status.WAITING).select_related("user"))
    if room.equal_voice:
        waiting.sort(key=lambda t: (spoken.get(t.user_id, 0.0), t.raised_at, t.pk))
    speaking = Turn.objects.filter(session_id=session_id, status=Turn.Status.SPEAKING).select_related("user").first()
    have_spoken = set(
        Turn.objects.filter(session_id=session_id, status__in=[Turn.Status.DONE, Turn.Status.SPEAKING])
        .values_list("user_id", flat=True)
    )
    members = Membership.objects.filter(
        assembly_id=room.session.assembly_id, role=Membership.Role.MEMBER
    ).select_related("user")
    return {
        "equal_voice": room.equal_voice,
        "speaker": (
            {"user": speaking.user_id, "name": _name(speaking.user), "started_at": _iso(speaking.started_at)}
            if speaking else None
        ),
        "queue": [
            {"user": t.user_id, "name": _name(t.user), "raised_at": _iso(t.raised_at),
             "spoken_seconds": round(spoken.get(t.user_id, 0.0), 1)}
            for t in waiting
        ],
        "spoken": {str(user): round(seconds, 1) for user, seconds in spoken.items()},
        "not_yet_spoken": [m.user_id for m in members if m.user_id not in have_spoken],
    }


def statement_counts(statement: Statement) -> dict[str, int]:
    counts = {"agree": 0, "disagree": 0, "pass": 0}
    names = {StatementVote.AGREE: "agree", StatementVote.DISAGREE: "disagree", StatementVote.PASS: "pass"}
    for value, n in statement.votes.values_list("value").annotate(n=Count("pk")):
        counts[names[value]] = n
    return counts


def poll_dict(poll: Poll) -> dict[str, Any]:
    return {
        "id": poll.pk,
        "question": poll.question,
        "kind": poll.kind,
        "options": poll.options,
        "status": poll.status,
        "results": poll.results,
    }


def draft_dict(draft: Draft) -> dict[str, Any]:
    current = draft.versions.order_by("-number").first()
    return {
        "id": draft.pk,
        "title": draft.title,
        "status": draft.status,
        "version": draft.version,
        "text": current.text if current else "",
        "amendments": [
            {"id": a.pk, "text": a.text, "reason": a.reason, "status": a.status, "base_version": a.base_version,
             "proposer": a.proposer_id}
            for a in draft.amendments.all()
        ],
    }


def vote_dict(vote: RecommendationVote) -> dict[str, Any]:
    cast = vote.support + vote.oppose + vote.abstain
    return {
        "id": vote.pk,
        "draft": vote.draft_id,
        "amendment": vote.amendment_id,
        "draft_version": vote.draft_version,
        "threshold_percent": vote.threshold_percent,
        "status": vote.status,
        "support": vote.support,
        "oppose": vote.oppose,
        "abstain": vote.abstain,
        "support_percent": round(100 * vote.support / cast, 2) if cast else None,
        "passed": vote.passed,
    }


# --- Validation helpers -----------------------------------------------------------

def _text(data: dict[str, Any], key: str, limit: int, *, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise RoomError(f"'{key}' must be text.")
    value = value.strip()
    if required and not value:
        raise RoomError(f"'{key}' must not be empty.")
    if len(value) > limit:
        raise RoomError(f"'{key}' is longer than {limit} characters.")
    return value


def _int(data: dict[str, Any], key: str, low: int, high: int, *, default: int | None = None) -> int:
    value = data.get(key, default)
    if value is None:
        raise RoomError(f"'{key}' is required.")
    if isinstance(value, bool) or not isinstance(value, int):
        raise RoomError(f"'{key}' must be a whole number.")
    if not low <= value <= high:
        raise RoomError(f"'{key}' must be between {low} and {high}.")
    return value


def _id(data: dict[str, Any], key: str) -> int:
    return _int(data, key, 1, 2**62)


def _get(model: type, pk: int, what: str, **scope: Any) -> Any:
    """The row ``pk`` of ``model`` within ``scope`` (its session), locked, or NotFound."""
    try:
        return model.objects.select_for_update().get(pk=pk, **scope)
    except model.DoesNotExist:
        raise NotFound(f"No {what} {pk} in this session.") from None


# --- Actions ------------------------------------------------------------------------

@dataclass
class Act:
    """One action being performed: the locked room, who acts, their role, and the server's clock."""

    room: Room
    user: Any
    role: str
    now: datetime
    data: dict[str, Any]

    @property
    def session_id(self) -> int:
        return self.room.session_id


@dataclass(frozen=True)
class Result:
    data: dict[str, Any]
    table: int | None = None
    audited: bool = False


@dataclass(frozen=True)
class Action:
    handler: Callable[[Act], Result]
    facilitator: bool = False
    speaks: bool = False  # refused to muted members and observers


ACTIONS: dict[str, Action] = {}


def action(name: str, *, facilitator: bool = False, speaks: bool = False) -> Callable:
    def register(handler: Callable[[Act], Result]) -> Callable[[Act], Result]:
        ACTIONS[name] = Action(handler, facilitator=facilitator, speaks=speaks)
        return handler

    return register


SERVER_ONLY = frozenset({"presence"})


@dataclass(frozen=True)
class Ack:
    seq: int
    repeated: bool = False


def perform(
    user: Any,
    session_id: int,
    type: str,
    data: dict[str, Any] | None = None,
    *,
    client_id: str = "",
    context: AuditContext | None = None,
) -> Ack:
    """Perform one room action for ``user``; returns the seq of its event (the first one if repeated)."""
    spec = ACTIONS.get(type)
    if spec is None:
        if type in SERVER_ONLY:
            raise RoomError(f"'{type}' events come from the server only.", "server_only")
        raise RoomError(f"Unknown message type {type!r}.", "unknown_type")
    if not isinstance(data, dict):
        raise RoomError("'data' must be an object.", "bad_message")
    if len(client_id) > CLIENT_ID_MAX:
        raise RoomError(f"'id' is longer than {CLIENT_ID_MAX} characters.", "bad_message")
    try:
        with transaction.atomic():
            room = _locked_room(session_id, user, client_id)
            if client_id:
                seq = _repeated_seq(room, user, client_id)
                if seq is not None:
                    return Ack(seq, repeated=True)
            role = _role(user, room.member_role) if _signed_in(user) else None  # type: ignore[attr-defined]
            if role is None:
                raise Forbidden("You are not a member of this assembly.")
            if spec.facilitator and role not in FACILITATING:
                raise Forbidden("Only the facilitator can do this.")
            if spec.speaks and role not in TAKING_PART:
                raise Forbidden("Observers watch the room but do not take part.")
            if spec.speaks and user.pk in room.muted:
                raise Forbidden("The facilitator has muted you.", "muted")
            result = spec.handler(Act(room, user, role, timezone.now(), data))
            event = _append(room, type, user, result.data, table=result.table, client_id=client_id)
            if result.audited or spec.facilitator:
                audit.record(
                    user, f"room.{type}", room.session, after={"seq": event.seq, **_audit_data(result.data)},
                    context=context or AuditContext.from_scope({}),
                )
    except IntegrityError:
        # Two sends of one client id raced past the lookup: the first one's event stands.
        seq = RoomEvent.objects.filter(session_id=session_id, actor=user, client_id=client_id).values_list(
            "seq", flat=True
        ).first()
        if client_id and seq is not None:
            return Ack(seq, repeated=True)
        raise
    return Ack(event.seq)


def _audit_data(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if isinstance(v, str | int | float | bool | type(None))}


def _append(
    room: Room, type: str, user: Any, data: dict[str, Any], *, table: int | None = None, client_id: str = ""
) -> RoomEvent:
    """Store the next event of the locked ``room`` and broadcast it once the transaction commits."""
    room.last_seq += 1
    room.save(update_fields=["last_seq", "equal_voice", "muted"])
    event = RoomEvent.objects.create(
        session_id=room.session_id,
        seq=room.last_seq,
        type=type,
        actor=user if getattr(user, "pk", None) else None,
        actor_name=_name(user) if getattr(user, "pk", None) else "",
        data=data,
        table=table,
        client_id=client_id,
        at=timezone.now(),
    )
    payload = event_payload(event)
    # The broadcast carries the event already serialised, once, and its seq for the connections'
    # ordering; the event itself only when a connection must look inside it (a table's event,
    # an allocation), so each of the room's connections unpacks a small message.
    message: dict[str, Any] = {"type": "room.event", "seq": event.seq, "text": json.dumps(payload)}
    if event.table is not None or type == "tables.allocate":
        message["event"] = payload
    send_event_on_commit(room_group(room.session_id), message)
    return event


def events_after(session_id: int, last_seq: int, limit: int | None = None) -> list[dict[str, Any]]:
    """Stored events with seq > ``last_seq``, in order (replay)."""
    query = RoomEvent.objects.filter(session_id=session_id, seq__gt=last_seq).order_by("seq")
    if limit is not None:
        query = query[:limit]
    return [event_payload(e) for e in query]


def events_between(session_id: int, first: int, last: int) -> list[dict[str, Any]]:
    query = RoomEvent.objects.filter(session_id=session_id, seq__gte=first, seq__lte=last).order_by("seq")
    return [event_payload(e) for e in query]


def latest_seq(session_id: int) -> int:
    return Room.objects.filter(session_id=session_id).values_list("last_seq", flat=True).first() or 0


# --- Presence (server-generated) ---------------------------------------------------

def _presence_change(user: Any, session_id: int, delta: int) -> int | None:
    with transaction.atomic():
        room = _locked_room(session_id)
        now = timezone.now()
        row, _ = Presence.objects.select_for_update().get_or_create(
            session_id=session_id, user=user, defaults={"last_seen": now}
        )
        before = row.connections
        row.connections = max(0, before + delta)
        row.last_seen = now
        row.save(update_fields=["connections", "last_seen"])
        if (before == 0) == (row.connections == 0):
            return None  # another tab opened or closed: nobody arrived or left
        here = row.connections > 0
        return _append(room, "presence", user, {"user": user.pk, "name": _name(user), "here": here}).seq


def join(user: Any, session_id: int) -> int | None:
    """A connection opened; announces the person once, when their first connection opens."""
    return _presence_change(user, session_id, +1)


def leave(user: Any, session_id: int) -> int | None:
    """A connection closed; announces the person gone when their last connection closes."""
    return _presence_change(user, session_id, -1)


def present(session_id: int) -> list[dict[str, Any]]:
    rows = Presence.objects.filter(session_id=session_id, connections__gt=0).select_related("user")
    return [{"user": p.user_id, "name": _name(p.user)} for p in rows]


# --- Speaker queue ------------------------------------------------------------------

@action("hand.raise", speaks=True)
def raise_hand(act: Act) -> Result:
    if Turn.objects.filter(session_id=act.session_id, user=act.user, status=Turn.Status.WAITING).exists():
        raise Conflict("Your hand is already raised.")
    Turn.objects.create(session_id=act.session_id, user=act.user, raised_at=act.now)
    return Result({"user": act.user.pk, **speaker_state(act.room)})


@action("hand.lower")
def lower_hand(act: Act) -> Result:
    target = _id(act.data, "user") if "user" in act.data else act.user.pk
    if target != act.user.pk and act.role not in FACILITATING:
        raise Forbidden("Only the facilitator can lower someone else's hand.")
    updated = Turn.objects.filter(session_id=act.session_id, user_id=target, status=Turn.Status.WAITING).update(
        status=Turn.Status.WITHDRAWN, ended_at=act.now
    )
    if not updated:
        raise Conflict("That hand is not raised.")
    return Result({"user": target, **speaker_state(act.room)})


@action("speaker.next", facilitator=True)
def call_next_speaker(act: Act) -> Result:
    """End the current turn and call the next hand (or the member named in ``data.user``)."""
    Turn.objects.filter(session_id=act.session_id, status=Turn.Status.SPEAKING).update(
        status=Turn.Status.DONE, ended_at=act.now
    )
    state = speaker_state(act.room)
    chosen = _id(act.data, "user") if act.data.get("user") is not None else None
    if chosen is None and state["queue"]:
        chosen = state["queue"][0]["user"]
    if chosen is not None:
        turn = Turn.objects.filter(session_id=act.session_id, user_id=chosen, status=Turn.Status.WAITING).first()
        if turn is None:
            raise Conflict("That member's hand is not raised.")
        turn.status, turn.started_at = Turn.Status.SPEAKING, act.now
        turn.save(update_fields=["status", "started_at"])
    return Result(speaker_state(act.room))


@action("speaker.mode", facilitator=True)
def set_speaker_mode(act: Act) -> Result:
    value = act.data.get("equal_voice")
    if not isinstance(value, bool):
        raise RoomError("'equal_voice' must be true or false.")
    act.room.equal_voice = value
    return Result(speaker_state(act.room))


# --- Agenda -------------------------------------------------------------------------

def _agenda(session_id: int, now: datetime) -> list[dict[str, Any]]:
    return [agenda_item_dict(i, now) for i in AgendaItem.objects.filter(session_id=session_id)]


def _stop_clock(item: AgendaItem, now: datetime) -> None:
    if item.status == AgendaItem.Status.RUNNING and item.started_at is not None:
        item.elapsed_seconds += (now - item.started_at).total_seconds()
    item.started_at = None


@action("agenda.add", facilitator=True)
def add_agenda_item(act: Act) -> Result:
    title = _text(act.data, "title", MAX_TITLE)
    seconds = _int(act.data, "seconds", 30, MAX_AGENDA_SECONDS)
    last = AgendaItem.objects.filter(session_id=act.session_id).order_by("-position").first()
    AgendaItem.objects.create(
        session_id=act.session_id, title=title, planned_seconds=seconds, position=(last.position + 1 if last else 1)
    )
    return Result({"agenda": _agenda(act.session_id, act.now)})


def _item(act: Act, default_status: list[str]) -> AgendaItem:
    items = AgendaItem.objects.select_for_update().filter(session_id=act.session_id)
    if "item" in act.data:
        item = items.filter(pk=_id(act.data, "item")).first()
        if item is None:
            raise NotFound("No such agenda item in this session.")
        return item
    item = items.filter(status__in=default_status).order_by("position").first()
    if item is None:
        raise Conflict("There is no agenda item to do that to.")
    return item


@action("agenda.start", facilitator=True)
def start_agenda_item(act: Act) -> Result:
    item = _item(act, [AgendaItem.Status.PAUSED, AgendaItem.Status.PENDING])
    if item.status == AgendaItem.Status.RUNNING:
        raise Conflict("That item is already running.")
    for other in AgendaItem.objects.select_for_update().filter(session_id=act.session_id, status=AgendaItem.Status.RUNNING):
        _stop_clock(other, act.now)
        other.status = AgendaItem.Status.PAUSED
        other.save()
    item.status, item.started_at = AgendaItem.Status.RUNNING, act.now
    item.save()
    return Result({"item": agenda_item_dict(item, act.now), "agenda": _agenda(act.session_id, act.now)})


@action("agenda.pause", facilitator=True)
def pause_agenda_item(act: Act) -> Result:
    item = _item(act, [AgendaItem.Status.RUNNING])
    if item.status != AgendaItem.Status.RUNNING:
        raise Conflict("That item is not running.")
    _stop_clock(item, act.now)
    item.status = AgendaItem.Status.PAUSED
    item.save()
    return Result({"item": agenda_item_dict(item, act.now), "agenda": _agenda(act.session_id, act.now)})


@action("agenda.extend", facilitator=True)
def extend_agenda_item(act: Act) -> Result:
    item = _item(act, [AgendaItem.Status.RUNNING, AgendaItem.Status.PAUSED, AgendaItem.Status.PENDING])
    if item.status == AgendaItem.Status.DONE:
        raise Conflict("That item is finished.")
    item.extended_seconds += _int(act.data, "seconds", 1, MAX_EXTEND_SECONDS)
    item.save()
    return Result({"item": agenda_item_dict(item, act.now), "agenda": _agenda(act.session_id, act.now)})


@action("agenda.next", facilitator=True)
def next_agenda_item(act: Act) -> Result:
    """Finish the current item and start the next one not yet done."""
    current = AgendaItem.objects.select_for_update().filter(
        session_id=act.session_id, status__in=[AgendaItem.Status.RUNNING, AgendaItem.Status.PAUSED]
    ).order_by("position").first()
    if current is not None:
        _stop_clock(current, act.now)
        current.status = AgendaItem.Status.DONE
        current.save()
    following = AgendaItem.objects.select_for_update().filter(
        session_id=act.session_id, status=AgendaItem.Status.PENDING
    ).order_by("position").first()
    if current is None and following is None:
        raise Conflict("The agenda is finished.")
    if following is not None:
        following.status, following.started_at = AgendaItem.Status.RUNNING, act.now
        following.save()
    return Result({
        "done": current.pk if current else None,
        "item": agenda_item_dict(following, act.now) if following else None,
        "agenda": _agenda(act.session_id, act.now),
    })


# --- Statements and opinion groups ------------------------------------------------------

@action("statement.post", speaks=True)
def post_statement(act: Act) -> Result:
    text = _text(act.data, "text", MAX_STATEMENT)
    statement = Statement.objects.create(session_id=act.session_id, author=act.user, text=text, posted_at=act.now)
    return Result({"id": statement.pk, "text": text, "author": act.user.pk})


def recompute_opinion_map(session_id: int, now: datetime) -> dict[str, Any]:
    """Regroup the session's voters; runs when a vote arrives, warm-started from the last map."""
    previous = OpinionMap.objects.filter(session_id=session_id).first()
    statements = list(
        Statement.objects.filter(session_id=session_id, removed_reason="").order_by("pk").values_list("pk", flat=True)
    )
    votes = list(
        StatementVote.objects.filter(statement__session_id=session_id, statement__removed_reason="")
        .values_list("user_id", "statement_id", "value")
    )
    groups = opinion.opinion_groups(votes, statements, previous.data.get("centroids") if previous else None)
    OpinionMap.objects.update_or_create(
        session_id=session_id, defaults={"computed_at": now, "votes_seen": len(votes), "data": groups.to_dict()}
    )
    return groups.summary()


@action("statement.vote", speaks=True)
def vote_on_statement(act: Act) -> Result:
    statement = _get(Statement, _id(act.data, "statement"), "statement", session_id=act.session_id)
    if statement.removed_reason:
        raise Conflict("That statement was removed.")
    choice = act.data.get("choice")
    if choice not in StatementVote.CHOICES:
        raise RoomError("'choice' must be agree, disagree or pass.")
    StatementVote.objects.update_or_create(
        statement=statement, user=act.user, defaults={"value": StatementVote.CHOICES[choice]}
    )
    return Result({
        "statement": statement.pk,
        "counts": statement_counts(statement),
        "opinion": recompute_opinion_map(act.session_id, act.now),
    })


# --- Straw polls ------------------------------------------------------------------------

def poll_results(poll: Poll) -> dict[str, Any]:
    answers = [a for (a,) in poll.answers.values_list("answer")]
    results: dict[str, Any] = {"answers": len(answers)}
    if poll.kind == Poll.Kind.SINGLE:
        counts = [0] * len(poll.options)
        for a in answers:
            counts[a] += 1
        results["counts"] = counts
    elif poll.kind == Poll.Kind.SCALE:
        low, high = poll.options
        histogram = {str(v): 0 for v in range(low, high + 1)}
        for a in answers:
            histogram[str(a)] += 1
        results["counts"] = histogram
        results["mean"] = round(sum(answers) / len(answers), 2) if answers else None
    else:
        firsts = [0] * len(poll.options)
        for a in answers:
            firsts[a[0]] += 1
        results["first_preferences"] = firsts
        results["irv"] = count_ranked_poll(poll.options, answers)
    return results


@action("poll.open", facilitator=True)
def open_poll(act: Act) -> Result:
    question = _text(act.data, "question", 300)
    kind = act.data.get("kind")
    options = act.data.get("options")
    if kind not in Poll.Kind.values:
        raise RoomError("'kind' must be single, scale or ranked.")
    if kind == Poll.Kind.SCALE:
        if (
            not isinstance(options, list) or len(options) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in options)
            or not 0 < options[1] - options[0] <= 10
        ):
            raise RoomError("A scale poll's 'options' are [low, high], whole numbers at most 10 apart.")
    else:
        if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
            raise RoomError(f"'options' must be a list of 2 to {MAX_OPTIONS} choices.")
        options = [_text({"option": o}, "option", MAX_OPTION) for o in options]
        if len(set(options)) != len(options):
            raise RoomError("Two options have the same text.")
    poll = Poll.objects.create(session_id=act.session_id, question=question, kind=kind, options=options, opened_at=act.now)
    poll.results = poll_results(poll)
    poll.save(update_fields=["results"])
    return Result(poll_dict(poll))


@action("poll.answer", speaks=True)
def answer_poll(act: Act) -> Result:
    poll = _get(Poll, _id(act.data, "poll"), "poll", session_id=act.session_id)
    if poll.status != Poll.Status.OPEN:
        raise Conflict("That poll is closed.")
    answer = act.data.get("answer")
    if poll.kind == Poll.Kind.SINGLE:
        answer = _int(act.data, "answer", 0, len(poll.options) - 1)
    elif poll.kind == Poll.Kind.SCALE:
        answer = _int(act.data, "answer", poll.options[0], poll.options[1])
    else:
        if (
            not isinstance(answer, list) or not answer or len(answer) > len(poll.options)
            or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(poll.options) for i in answer)
            or len(set(answer)) != len(answer)
        ):
            raise RoomError("A ranked answer lists option numbers, best first, each at most once.")
    PollAnswer.objects.update_or_create(poll=poll, user=act.user, defaults={"answer": answer})
    poll.results = poll_results(poll)
    poll.save(update_fields=["results"])
    return Result({"poll": poll.pk, "results": poll.results})


@action("poll.close", facilitator=True)
def close_poll(act: Act) -> Result:
    poll = _get(Poll, _id(act.data, "poll"), "poll", session_id=act.session_id)
    if poll.status != Poll.Status.OPEN:
        raise Conflict("That poll is already closed.")
    poll.status, poll.closed_at = Poll.Status.CLOSED, act.now
    poll.results = poll_results(poll)
    poll.save()
    return Result(poll_dict(poll))


# --- Breakout tables ----------------------------------------------------------------------

def table_of(session_id: int, user_id: int) -> int | None:
    """The person's table in the latest round, or None."""
    latest = TableRound.objects.filter(session_id=session_id).order_by("-number").first()
    if latest is None:
        return None
    for number, members in latest.tables.items():
        if user_id in members:
            return int(number)
    return None


@action("tables.allocate", facilitator=True)
def allocate_breakout_tables(act: Act) -> Result:
    size = _int(act.data, "size", 2, 20)
    present_only = act.data.get("present_only", False) is True
    memberships = Membership.objects.filter(
        assembly_id=act.room.session.assembly_id, role=Membership.Role.MEMBER
    ).select_related("user")
    if present_only:
        here = set(Presence.objects.filter(session_id=act.session_id, connections__gt=0).values_list("user_id", flat=True))
        memberships = memberships.filter(user_id__in=here)
    people = {m.user_id: m for m in memberships}
    if len(people) < 2:
        raise Conflict("At least two members are needed to make tables.")
    rounds = list(TableRound.objects.filter(session_id=act.session_id))
    number = len(rounds) + 1
    tables = allocate_tables(
        sorted(people),
        size,
        categories={uid: {k: str(v) for k, v in m.categories.items()} for uid, m in people.items()},
        earlier_rounds=[list(r.tables.values()) for r in rounds],
        seed=act.session_id * 1000 + number,
    )
    mapping = {str(i + 1): table for i, table in enumerate(tables)}
    TableRound.objects.create(session_id=act.session_id, number=number, table_size=size, tables=mapping, created_at=act.now)
    names = {str(uid): _name(m.user) for uid, m in people.items()}
    return Result({"round": number, "size": size, "tables": mapping, "names": names})


# --- Messages and moderation --------------------------------------------------------------

@action("message.post", speaks=True)
def post_message(act: Act) -> Result:
    text = _text(act.data, "text", MAX_MESSAGE)
    table = act.data.get("table")
    own = None if act.role in FACILITATING else table_of(act.session_id, act.user.pk)
    if table is not None:
        table = _int(act.data, "table", 1, 500)
        if act.role not in FACILITATING and own != table:
            raise Forbidden("You can only write to your own table.")
    elif own is not None:
        table = own
    message = Message.objects.create(session_id=act.session_id, author=act.user, table=table, text=text, posted_at=act.now)
    return Result({"id": message.pk, "text": text, "author": act.user.pk}, table=table)


@action("message.remove", facilitator=True)
def remove_message(act: Act) -> Result:
    """Hide a message or statement with a reason; the original stays in the event log."""
    reason = _text(act.data, "reason", MAX_REASON)
    if "statement" in act.data:
        statement = _get(Statement, _id(act.data, "statement"), "statement", session_id=act.session_id)
        statement.removed_reason = reason
        statement.save(update_fields=["removed_reason"])
        return Result({"statement": statement.pk, "reason": reason}, audited=True)
    message = _get(Message, _id(act.data, "message"), "message", session_id=act.session_id)
    message.removed_reason = reason
    message.save(update_fields=["removed_reason"])
    return Result({"message": message.pk, "reason": reason}, table=message.table, audited=True)


def _member_target(act: Act) -> int:
    target = _id(act.data, "user")
    if not Membership.objects.filter(assembly_id=act.room.session.assembly_id, user_id=target).exists():
        raise NotFound("That person is not a member of this assembly.")
    return target


@action("member.mute", facilitator=True)
def mute_member(act: Act) -> Result:
    target = _member_target(act)
    act.room.muted = sorted(set(act.room.muted) | {target})
    return Result({"user": target, "muted": act.room.muted})


@action("member.unmute", facilitator=True)
def unmute_member(act: Act) -> Result:
    target = _member_target(act)
    act.room.muted = sorted(set(act.room.muted) - {target})
    return Result({"user": target, "muted": act.room.muted})


# --- Recommendations: drafts, amendments and votes ------------------------------------------

def _new_version(draft: Draft, text: str, author: Any, now: datetime, amendment: Amendment | None = None) -> None:
    draft.version = (draft.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    draft.save(update_fields=["version", "status"])
    DraftVersion.objects.create(draft=draft, number=draft.version, text=text, author=author, amendment=amendment, created_at=now)


def _accept_amendment(amendment: Amendment, actor: Any, now: datetime) -> None:
    draft = amendment.draft
    if amendment.base_version != draft.version:
        raise Conflict(
            f"The amendment was written on version {amendment.base_version}; the draft is now at version "
            f"{draft.version}. Propose it again on the current text."
        )
    amendment.status = Amendment.Status.ACCEPTED
    amendment.save(update_fields=["status"])
    _new_version(draft, amendment.text, actor, now, amendment)


@action("draft.amend")
def amend_draft(act: Act) -> Result:
    """``data.action``: create (facilitator), propose (any participant), accept / reject (facilitator)."""
    step = act.data.get("action")
    facilitating = act.role in FACILITATING
    if step == "create":
        if not facilitating:
            raise Forbidden("Only the facilitator can start a draft.")
        draft = Draft.objects.create(session_id=act.session_id, title=_text(act.data, "title", MAX_TITLE))
        _new_version(draft, _text(act.data, "text", MAX_DRAFT), act.user, act.now)
    elif step == "propose":
        if act.role not in TAKING_PART:
            raise Forbidden("Observers watch the room but do not take part.")
        if act.user.pk in act.room.muted:
            raise Forbidden("The facilitator has muted you.", "muted")
        draft = _get(Draft, _id(act.data, "draft"), "draft", session_id=act.session_id)
        if draft.status != Draft.Status.OPEN:
            raise Conflict("That draft is no longer open for amendment.")
        Amendment.objects.create(
            draft=draft, proposer=act.user, base_version=draft.version, text=_text(act.data, "text", MAX_DRAFT),
            reason=_text(act.data, "reason", 500, required=False), proposed_at=act.now,
        )
    elif step in ("accept", "reject"):
        if not facilitating:
            raise Forbidden("Only the facilitator can accept or reject an amendment.")
        amendment = _get(Amendment, _id(act.data, "amendment"), "amendment", draft__session_id=act.session_id)
        if amendment.status != Amendment.Status.PROPOSED:
            raise Conflict("That amendment was already decided.")
        draft = amendment.draft
        if step == "accept":
            _accept_amendment(amendment, act.user, act.now)
        else:
            amendment.status = Amendment.Status.REJECTED
            amendment.save(update_fields=["status"])
    else:
        raise RoomError("'action' must be create, propose, accept or reject.")
    draft.refresh_from_db()
    return Result({"action": step, "draft": draft_dict(draft)}, audited=facilitating and step != "propose")


@action("vote.open", facilitator=True)
def open_vote(act: Act) -> Result:
    draft = _get(Draft, _id(act.data, "draft"), "draft", session_id=act.session_id)
    if draft.status != Draft.Status.OPEN:
        raise Conflict("That draft is already decided.")
    amendment = None
    if act.data.get("amendment") is not None:
        amendment = _get(Amendment, _id(act.data, "amendment"), "amendment", draft=draft)
        if amendment.status != Amendment.Status.PROPOSED:
            raise Conflict("That amendment was already decided.")
    if RecommendationVote.objects.filter(draft=draft, status=RecommendationVote.Status.OPEN).exists():
        raise Conflict("A vote on this draft is already open.")
    threshold = _int(act.data, "threshold_percent", 50, 100)
    vote = RecommendationVote.objects.create(
        session_id=act.session_id, draft=draft, amendment=amendment, draft_version=draft.version,
        threshold_percent=threshold, opened_at=act.now,
    )
    return Result(vote_dict(vote))


@action("vote.cast", speaks=True)
def cast_vote(act: Act) -> Result:
    vote = _get(RecommendationVote, _id(act.data, "vote"), "vote", session_id=act.session_id)
    if vote.status != RecommendationVote.Status.OPEN:
        raise Conflict("That vote is closed.")
    choice = act.data.get("choice")
    if choice not in Ballot.CHOICES:
        raise RoomError("'choice' must be support, oppose or abstain.")
    Ballot.objects.update_or_create(vote=vote, user=act.user, defaults={"choice": choice})
    return Result({"vote": vote.pk, "cast": vote.ballots.count()})


@action("vote.close", facilitator=True)
def close_vote(act: Act) -> Result:
    """Count: passed when support reaches the threshold share of the ballots cast (abstentions count)."""
    vote = _get(RecommendationVote, _id(act.data, "vote"), "vote", session_id=act.session_id)
    if vote.status != RecommendationVote.Status.OPEN:
        raise Conflict("That vote is already closed.")
    tally = dict(vote.ballots.values_list("choice").annotate(n=Count("pk")))
    vote.support, vote.oppose, vote.abstain = (tally.get(c, 0) for c in Ballot.CHOICES)
    cast = vote.support + vote.oppose + vote.abstain
    vote.passed = cast > 0 and vote.support * 100 >= vote.threshold_percent * cast
    vote.status, vote.closed_at = RecommendationVote.Status.CLOSED, act.now
    vote.save()
    draft = vote.draft
    if vote.amendment is not None:
        if vote.passed:
            _accept_amendment(vote.amendment, act.user, act.now)
        else:
            vote.amendment.status = Amendment.Status.REJECTED
            vote.amendment.save(update_fields=["status"])
    elif vote.passed:
        draft.status = Draft.Status.ADOPTED
        draft.save(update_fields=["status"])
    draft.refresh_from_db()
    return Result({**vote_dict(vote), "draft_state": draft_dict(draft)})


# --- Reading for pages ---------------------------------------------------------------------

def room_snapshot(session: Session, user: Any) -> dict[str, Any]:
    """What a page shows before (or without) JavaScript."""
    room = ensure_room(session.pk)
    now = timezone.now()
    return {
        "agenda": _agenda(session.pk, now),
        "speakers": speaker_state(room),
        "statements": Statement.objects.filter(session=session, removed_reason=""),
        "polls": Poll.objects.filter(session=session),
        "drafts": Draft.objects.filter(session=session).prefetch_related("versions", "amendments"),
        "votes": RecommendationVote.objects.filter(session=session),
        "present": present(session.pk),
        "opinion": (OpinionMap.objects.filter(session=session).values_list("data", flat=True).first() or {}),
        "table": table_of(session.pk, user.pk) if getattr(user, "pk", None) else None,
        "last_seq": room.last_seq,
        "now": now,
    }


def vote_results(session: Session) -> list[dict[str, Any]]:
    """Recommendation vote results of a session, for officers' CSV/JSON export."""
    rows = []
    for vote in RecommendationVote.objects.filter(session=session).select_related("draft", "amendment"):
        cast = vote.support + vote.oppose + vote.abstain
        rows.append({
            "vote": vote.pk,
            "draft": vote.draft.title,
            "draft_version": vote.draft_version,
            "amendment": vote.amendment_id,
            "threshold_percent": vote.threshold_percent,
            "status": vote.status,
            "support": vote.support,
            "oppose": vote.oppose,
            "abstain": vote.abstain,
            "cast": cast,
            "support_percent": round(100 * vote.support / cast, 2) if cast else None,
            "passed": vote.passed,
            "opened_at": _iso(vote.opened_at),
            "closed_at": _iso(vote.closed_at),
        })
    return rows

