"""Casting, changing, checking and counting ballots (secrecy design: see ``voting.models``)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.utils import timezone

from accounts.permissions import require
from audit.context import AuditContext
from audit.services import record, unsaved_entry
from civic.events import send_event_on_commit
from civic.rows import fetch_values
from engines.numbers import money
from proposals.models import BallotType, Idea, IdeaStatus, Phase, Process, WardBudget
from proposals.services import group

from . import counting
from .models import Ballot, Channel, PaperEntry, Participation, PublishedFile, SpentReceipt, Tally, VoterCode

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class BallotRefused(Exception):
    """A ballot the server will not record; ``status`` is the HTTP status the view answers with."""

    def __init__(self, message: str, status: int = 400, *, keep_choices: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.keep_choices = keep_choices or status == 400


# --- receipts ---------------------------------------------------------------------------------

def new_receipt() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(20))
    return "-".join(raw[i:i + 5] for i in range(0, 20, 5))


def normalise_receipt(text: str) -> str:
    cleaned = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return "-".join(cleaned[i:i + 5] for i in range(0, len(cleaned), 5))


def receipt_hash(receipt: str) -> str:
    return hashlib.sha256(normalise_receipt(receipt).encode()).hexdigest()


# --- who may vote, on what --------------------------------------------------------------------

def voter_area(process: Process, user) -> int | None:
    """The id of the ward the user lives in (their profile's area), or None."""
    from accounts.models import Profile

    rows = fetch_values(Profile, ("area_id",), "user_id = %s", [user.pk])
    return rows[0][0] if rows else None


def eligibility(process: Process, user) -> tuple[bool, str, int | None]:
    """(may vote, reason if not, id of the ward the ballot belongs to), in one query."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    if not getattr(user, "is_authenticated", False):
        return False, "Sign in to vote.", None
    if process.phase != Phase.VOTING:
        return False, "Voting is not open.", None
    needs_ward = process.wards_counted_apart or process.require_ward_residence
    if not needs_ward and not process.require_verified_email:
        # Nothing to check: only the ward, recorded with the participation (one lean read).
        return True, "", voter_area(process, user)
    checks: dict[str, Any] = {"ward_area": F("profile__area_id")}
    if needs_ward:
        checks["ward_ok"] = Exists(WardBudget.objects.filter(process_id=process.pk,
                                                             area_id=OuterRef("profile__area_id")))
    if process.require_verified_email:
        checks["verified"] = Exists(EmailAddress.objects.filter(user_id=OuterRef("pk"), verified=True))
    row = get_user_model().objects.filter(pk=user.pk).values(**checks).first() or {}
    area = row.get("ward_area")
    if needs_ward and (area is None or not row.get("ward_ok")):
        return False, "Only residents of the wards in this process can vote.", area
    if process.require_verified_email and not row.get("verified"):
        return False, "Verify your email address before voting.", area
    return True, "", area


def ballot_ideas(process: Process, area=None) -> list[Idea]:
    ideas = Idea.objects.filter(process=process, hidden=False,
                                status__in=[IdeaStatus.FEASIBLE, IdeaStatus.SELECTED, IdeaStatus.NOT_SELECTED])
    if process.wards_counted_apart:
        ideas = ideas.filter(area=area)
    return list(ideas.select_related("area").order_by("title", "id"))


def ballot_costs(process: Process, area=None) -> dict[str, Decimal]:
    """Project (idea pk as text) -> cost, for every project on this ballot: what validation needs.

    The same rows as :func:`ballot_ideas`; read without a QuerySet, as every ballot submission does."""
    where = "process_id = %s AND hidden = %s AND status IN (%s, %s, %s)"
    params: list[Any] = [process.pk, False, IdeaStatus.FEASIBLE.value, IdeaStatus.SELECTED.value,
                         IdeaStatus.NOT_SELECTED.value]
    if process.wards_counted_apart and _area_id(area) is None:
        where += " AND area_id IS NULL"
    elif process.wards_counted_apart:
        where += " AND area_id = %s"
        params.append(_area_id(area))
    return {str(pk): revised if revised is not None else estimated
            for pk, estimated, revised in fetch_values(Idea, ("id", "estimated_cost", "revised_cost"), where, params)}


def unit_budget(process: Process, area=None) -> Decimal:
    if process.wards_counted_apart and area is not None:
        ward = process.ward_budgets.filter(area_id=getattr(area, "pk", area)).first()
        return ward.budget if ward else Decimal(0)
    return process.total_budget


@dataclass
class Choices:
    projects: list[str]
    points: list[int] | None


def parse_choices(process: Process, area, data) -> Choices:
    """Read a submitted ballot form (``project`` ticks, ``points-<id>``, ``rank-<id>``) and validate it.

    Raises :class:`BallotRefused` (400) with a message naming what is wrong.
    """
    ideas = ballot_costs(process, area)
    getlist = data.getlist if hasattr(data, "getlist") else (lambda k: data.get(k, []))
    if process.ballot_type == BallotType.POINTS:
        projects, points = [], []
        for key in data:
            if not key.startswith("points-"):
                continue
            pid = key.removeprefix("points-")
            raw = (data.get(key) or "").strip()
            if raw in ("", "0"):
                continue
            if pid not in ideas:
                raise BallotRefused("The ballot names a project that is not on this ballot.")
            try:
                value = int(raw)
            except ValueError:
                raise BallotRefused(f"Points must be whole numbers (got {raw[:20]!r}).") from None
            if value < 0:
                raise BallotRefused("Points cannot be negative.")
            projects.append(pid)
            points.append(value)
        total = sum(points)
        if total > process.points_total:
            raise BallotRefused(f"You gave {total} points; you have {process.points_total} to give.")
        return Choices(projects, points)
    if process.ballot_type == BallotType.RANKED:
        ranked: dict[int, str] = {}
        for key in data:
            if not key.startswith("rank-"):
                continue
            pid = key.removeprefix("rank-")
            raw = (data.get(key) or "").strip()
            if raw == "":
                continue
            if pid not in ideas:
                raise BallotRefused("The ballot names a project that is not on this ballot.")
            try:
                rank = int(raw)
            except ValueError:
                raise BallotRefused(f"Ranks must be whole numbers (got {raw[:20]!r}).") from None
            if rank < 1:
                raise BallotRefused("Ranks start at 1.")
            if rank in ranked:
                raise BallotRefused(f"Two projects have rank {rank}: give each rank once.")
            ranked[rank] = pid
        order = [ranked[r] for r in sorted(ranked)]
        if sorted(ranked) != list(range(1, len(ranked) + 1)):
            raise BallotRefused("Ranks must be 1, 2, 3… without gaps.")
        if process.max_selections and len(order) > process.max_selections:
            raise BallotRefused(f"Rank at most {process.max_selections} projects.")
        if len(order) < max(process.min_selections, 1):
            raise BallotRefused(f"Rank at least {max(process.min_selections, 1)} project(s).")
        return Choices(order, None)
    chosen = [str(v) for v in getlist("project")]
    if len(set(chosen)) != len(chosen):
        raise BallotRefused("A project was ticked twice.")
    for pid in chosen:
        if pid not in ideas:
            raise BallotRefused("The ballot names a project that is not on this ballot.")
    if process.ballot_type == BallotType.K_APPROVAL and process.max_selections and len(chosen) > process.max_selections:
        raise BallotRefused(f"Choose at most {process.max_selections} projects.")
    if process.max_selections and len(chosen) > process.max_selections:
        raise BallotRefused(f"Choose at most {process.max_selections} projects.")
    if len(chosen) < process.min_selections:
        raise BallotRefused(f"Choose at least {process.min_selections} project(s).")
    if process.ballot_type == BallotType.KNAPSACK:
        total = sum((ideas[p] for p in chosen), Decimal(0))
        budget = unit_budget(process, area)
        if total > budget:
            raise BallotRefused(
                f"Your choices cost {money(total)} but the budget is {money(budget)}: "
                f"remove {money(total - budget)} of projects.")
    return Choices(chosen, None)


def running_total(process: Process, area, data) -> dict[str, Any]:
    """Cost of the ticked projects and what is left (the htmx running total; never raises)."""
    ideas = ballot_costs(process, area)
    getlist = data.getlist if hasattr(data, "getlist") else (lambda k: data.get(k, []))
    chosen = [p for p in dict.fromkeys(getlist("project")) if p in ideas]
    total = sum((ideas[p] for p in chosen), Decimal(0))
    budget = unit_budget(process, area)
    return {"count": len(chosen), "total": money(total), "budget": money(budget), "left": money(budget - total),
            "over": total > budget}


# --- casting ----------------------------------------------------------------------------------

AGE_FIELD = "age_confirmed"


def declared_age(process: Process, data) -> int | None:
    """The minimum age the voter declares to meet (stored on the participation), or ``BallotRefused``.

    Profiles hold no date of birth, and none is asked for: the voter ticks “I am N or older”. That
    declaration, not a birth date, is what the service requires and what the participation records."""
    if not process.minimum_age:
        return None
    if (data.get(AGE_FIELD) or "").lower() not in ("on", "1", "yes", "true"):
        raise BallotRefused(f"This vote is open to people aged {process.minimum_age} or older: tick "
                            f"“I am {process.minimum_age} or older” to cast your ballot.", 400)
    return process.minimum_age


def _area_id(area) -> int | None:
    return getattr(area, "pk", area)


def _insert_shuffled(process: Process, area, channel: str, choices: Choices, digest: str) -> None:
    """Insert a ballot so that table order does not follow arrival order.

    The new content is written into a randomly chosen existing ballot row of the process, and that
    row's previous content moves into the newly inserted row (an online swap: storage positions
    stay in arrival order, contents do not).
    """
    area_id = _area_id(area)
    other = (Ballot.objects.select_for_update().filter(process=process, id__gte=uuid.uuid4()).order_by("id").first()
             or Ballot.objects.select_for_update().filter(process=process).order_by("id").first())
    if other is None:
        Ballot.objects.create(process=process, area_id=area_id, channel=channel, receipt_hash=digest,
                              projects=choices.projects, points=choices.points)
        return
    old = (other.area_id, other.channel, other.receipt_hash, other.projects, other.points)
    Ballot.objects.filter(pk=other.pk).update(area_id=area_id, channel=channel, receipt_hash=digest,
                                              projects=choices.projects, points=choices.points)
    Ballot.objects.create(process=process, area_id=old[0], channel=old[1], receipt_hash=old[2],
                          projects=old[3], points=old[4])


# One round trip on PostgreSQL for what ``_participate`` does in four to six on other databases:
# lock the process row shared while it is still voting, insert the participation (its unique
# constraints are the one-ballot guarantee, a violation aborts the whole statement), then the
# shuffled ballot insert (lock a random existing ballot of the process, write the new content into
# it, move its old content into the new row; the first ballot of a process is inserted as is).
# The participation and the ballot rows share nothing but the statement.
_PARTICIPATE_SQL = f"""
WITH open_process AS (
    SELECT id FROM {Process._meta.db_table} WHERE id = %(process)s AND phase = %(voting)s FOR SHARE
), voter AS (
    INSERT INTO {Participation._meta.db_table}
        (process_id, user_id, voter_code_id, area_id, channel, declared_minimum_age)
    SELECT id, %(user)s, %(code)s, %(area)s, %(channel)s, %(age)s FROM open_process
    RETURNING 1
), other AS (
    SELECT b.id, b.area_id, b.channel, b.receipt_hash, b.projects, b.points
    FROM {Ballot._meta.db_table} b
    WHERE EXISTS (SELECT 1 FROM voter) AND b.id = COALESCE(
        (SELECT id FROM {Ballot._meta.db_table} WHERE process_id = %(process)s AND id >= %(pivot)s
         ORDER BY id LIMIT 1),
        (SELECT id FROM {Ballot._meta.db_table} WHERE process_id = %(process)s ORDER BY id LIMIT 1))
    FOR UPDATE OF b
), audit AS (
    INSERT INTO {{audit_table}} ({{audit_columns}}) SELECT {{audit_values}} WHERE EXISTS (SELECT 1 FROM voter)
    RETURNING 1
), moved AS (
    UPDATE {Ballot._meta.db_table} b
    SET area_id = %(area)s, channel = %(channel)s, receipt_hash = %(digest)s,
        projects = %(projects)s::jsonb, points = %(points)s::jsonb
    FROM other WHERE b.id = other.id
    RETURNING other.area_id, other.channel, other.receipt_hash, other.projects, other.points
)
INSERT INTO {Ballot._meta.db_table} (id, process_id, area_id, channel, receipt_hash, projects, points)
SELECT %(new_id)s, %(process)s, area_id, channel, receipt_hash, projects, points FROM moved
UNION ALL
SELECT %(new_id)s, %(process)s, %(area)s, %(channel)s, %(digest)s, %(projects)s::jsonb, %(points)s::jsonb
WHERE EXISTS (SELECT 1 FROM voter) AND NOT EXISTS (SELECT 1 FROM other)
RETURNING 1
"""


@functools.cache
def _audit_columns(model: type) -> tuple[list[Any], str, str]:
    """Fields, quoted columns and typed placeholders of an audit entry model (the same for every ballot)."""
    fields = [f for f in model._meta.local_concrete_fields if not f.primary_key]
    placeholders = []
    for n, field in enumerate(fields):
        kind = field.get_internal_type()
        cast = "text" if kind in ("CharField", "TextField") else field.db_type(connection)
        placeholders.append(f"%(audit_{n})s::{cast}")
    return fields, ", ".join(connection.ops.quote_name(f.column) for f in fields), ", ".join(placeholders)


@functools.cache
def _participate_sql(model: type) -> str:
    """``_PARTICIPATE_SQL`` with the audit entry's table, columns and placeholders filled in."""
    _, columns, placeholders = _audit_columns(model)
    return (_PARTICIPATE_SQL.replace("{audit_table}", connection.ops.quote_name(model._meta.db_table))
            .replace("{audit_columns}", columns).replace("{audit_values}", placeholders))


def _audit_insert(entry) -> dict[str, Any]:
    """Values of an unsaved audit entry for the placeholders of ``_participate_sql``."""
    fields = _audit_columns(type(entry))[0]
    return {f"audit_{n}": field.get_db_prep_save(field.pre_save(entry, True), connection)
            for n, field in enumerate(fields)}


def _participate(process: Process, *, user=None, voter_code: VoterCode | None = None, area, channel: str,
                 age: int | None, choices: Choices, digest: str, audit) -> None:
    """Record who took part and, apart from it, what they chose, and the audit entry ``audit``
    (unsaved, from ``audit.services.unsaved_entry``; it says who voted, never what).

    On PostgreSQL this is one statement, atomic by itself (no BEGIN/COMMIT round trips when the
    caller is not inside a transaction); elsewhere the caller's transaction holds the steps.
    ``BallotRefused`` (409) when voting has closed; ``IntegrityError`` when this person or code
    has already voted (the database's unique constraints decide, also under concurrency)."""
    area_id = _area_id(area)
    if connection.vendor == "postgresql":
        audit_values = _audit_insert(audit)
        sql = _participate_sql(type(audit))
        # Inside a caller's transaction a savepoint keeps it usable after a refusal; alone, the
        # statement is its own transaction.
        scope = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
        with scope, connection.cursor() as cursor:
            cursor.execute(sql, {**audit_values,
                "process": process.pk, "voting": Phase.VOTING.value, "user": getattr(user, "pk", None),
                "code": voter_code.pk if voter_code is not None else None, "area": area_id, "channel": channel,
                "age": age, "pivot": uuid.uuid4(), "new_id": uuid.uuid4(), "digest": digest,
                "projects": json.dumps(choices.projects),
                "points": json.dumps(choices.points) if choices.points is not None else None})
            if cursor.fetchone() is None:
                raise BallotRefused("Voting has closed.", 409)
        return
    with transaction.atomic():
        if _phase_shared_lock(process) != Phase.VOTING:
            raise BallotRefused("Voting has closed.", 409)
        Participation.objects.create(process=process, user=user, voter_code=voter_code, area_id=area_id,
                                     channel=channel, declared_minimum_age=age)
        _insert_shuffled(process, area_id, channel, choices, digest)
        audit.save(force_insert=True)


def _phase_shared_lock(process: Process) -> str:
    """The process's phase, read under a shared row lock on PostgreSQL.

    Ballots take the lock shared (they do not wait for one another); ``close_voting`` takes it
    exclusively, so no ballot commits after voting has closed. SQLite serialises writers anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT phase FROM {Process._meta.db_table} WHERE id = %s FOR SHARE", [process.pk])
            row = cursor.fetchone()
        return row[0] if row else ""
    return Process.objects.filter(pk=process.pk).values_list("phase", flat=True).first() or ""


TURNOUT_EVENT_INTERVAL = 1.0
"""Seconds between two ``pb.turnout`` events of one process from one server process."""
_turnout_sent: dict[int, float] = {}


def _announce_turnout(process: Process) -> None:
    """Tell live pages that turnout changed: at most once a second per process and server process.

    The event carries no data (pages fetch the figures), so coalescing loses nothing, and a ballot
    no longer pays a channel-layer round trip each (most of a ballot's cost besides the database)."""
    import time

    now = time.monotonic()
    if now - _turnout_sent.get(process.pk, -TURNOUT_EVENT_INTERVAL) >= TURNOUT_EVENT_INTERVAL:
        _turnout_sent[process.pk] = now
        send_event_on_commit(group(process), {"type": "pb.turnout"})


def cast_ballot(user, process: Process, data, *, context: AuditContext) -> str:
    """Record a first ballot; returns the receipt (shown once). One person, one ballot (DB constraint)."""
    ok, reason, area = eligibility(process, user)
    if not ok:
        raise BallotRefused(reason, 403 if process.phase == Phase.VOTING else 409)
    age = declared_age(process, data)
    choices = parse_choices(process, area, data)
    receipt = new_receipt()
    try:
        # Audit says that this person voted, never what: the ballot is not the audited object.
        _participate(process, user=user, area=area, channel=Channel.ONLINE, age=age, choices=choices,
                     digest=receipt_hash(receipt), audit=unsaved_entry(user, "pb.vote.cast", process, context=context))
        _announce_turnout(process)
    except IntegrityError:
        raise BallotRefused("You have already voted. To change your ballot, use your receipt code.", 409,
                            keep_choices=True) from None
    return receipt


# --- voting with a single-use voter code (no account) ----------------------------------------

CODE_ATTEMPTS = 10
"""Unknown codes one address may try per ``CODE_WINDOW`` seconds before it is refused (429)."""
CODE_WINDOW = 15 * 60


def _code_attempts_key(process: Process, client: str) -> str:
    return f"pb-code-fail:{process.pk}:{hashlib.sha256(client.encode()).hexdigest()[:32]}"


def _count_failed_attempt(key: str) -> None:
    """One more wrong guess from this client (the window starts at the first one)."""
    from django.core.cache import cache

    if cache.add(key, 1, CODE_WINDOW) is False:
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, CODE_WINDOW)


def voter_code_for(process: Process, code: str, client: str, *, used: bool = False) -> VoterCode:
    """The unused voter code of this process, or ``BallotRefused``. Unknown codes are counted per
    client address (hashed in the cache, never stored) and refused with 429 after ``CODE_ATTEMPTS``.

    With ``used=True`` a code that has already voted online (channel ``code``, so its holder was
    shown a receipt) is returned too, with ``used`` set: its ballot may be changed with the receipt.
    A code spent on a paper ballot is refused either way (no receipt was ever shown for it)."""
    from django.core.cache import cache

    key = _code_attempts_key(process, client)
    if cache.get(key, 0) >= CODE_ATTEMPTS:
        raise BallotRefused("Too many wrong voter codes from your connection: wait 15 minutes and try again.", 429)
    if process.phase != Phase.VOTING:
        raise BallotRefused("Voting is not open.", 409)
    voter_code = (VoterCode.objects.filter(process=process, code_hash=receipt_hash(code))
                  .annotate(used_channel=Subquery(Participation.objects.filter(voter_code=OuterRef("pk"))
                                                  .values("channel")[:1])).first())
    if voter_code is None:
        _count_failed_attempt(key)
        raise BallotRefused("This voter code is not valid for this process. Check it and try again.", 404)
    channel = voter_code.used_channel  # type: ignore[attr-defined]
    voter_code.used = channel is not None  # type: ignore[attr-defined]
    if channel is not None and not (used and channel == Channel.CODE):
        raise BallotRefused("This voter code has already been used to vote.", 409)
    return voter_code


def cast_ballot_with_code(process: Process, code: str, client: str, data, *, context: AuditContext) -> str:
    """Record the ballot of someone without an account; returns the receipt (shown once).

    Same guarantees as :func:`cast_ballot`: the participation (``voter_code``, ward, channel
    ``code``) and the ballot share nothing, and the one-to-one ``Participation.voter_code`` is what
    makes the code single-use, so concurrent submissions of one code record one ballot."""
    voter_code = voter_code_for(process, code, client)
    area = voter_code.area_id
    if process.wards_counted_apart and area is None:
        raise BallotRefused("This voter code belongs to no ward; ask the council for a new one.", 409)
    age = declared_age(process, data)
    choices = parse_choices(process, area, data)
    receipt = new_receipt()
    try:
        _participate(process, voter_code=voter_code, area=area, channel=Channel.CODE, age=age, choices=choices,
                     digest=receipt_hash(receipt),
                     audit=unsaved_entry(None, "pb.vote.cast_code", process, context=context))
        _announce_turnout(process)
    except IntegrityError:
        raise BallotRefused("This voter code has already been used to vote.", 409) from None
    return receipt


def _refuse_spent(digest: str) -> None:
    """A receipt that already changed a ballot cannot change one again (409, the choices kept)."""
    if SpentReceipt.objects.filter(receipt_hash=digest).exists():
        raise BallotRefused("This receipt was already used to change a ballot; use the newest receipt.", 409,
                            keep_choices=True)


def change_ballot_with_code(process: Process, code: str, client: str, receipt: str, data, *,
                            context: AuditContext) -> str:
    """Replace the ballot of someone who voted with a voter code; returns a new receipt (shown once).

    Needs both the code (it has voted online) and the receipt of a code ballot of the same process
    and ward; nothing links the two, so, as for :func:`change_ballot`, holding both is the proof.
    The old ballot row is deleted and the new content inserted shuffled like a new ballot
    (:func:`_insert_shuffled`), so neither its row nor its position says it was changed or by whom;
    the old receipt is spent. Wrong codes and wrong receipts count as failed attempts of this
    client (429 after ``CODE_ATTEMPTS``). Two concurrent changes with one receipt: the second's
    delete waits for the first, then finds nothing (404; 409 if it starts after the first committed,
    the receipt being spent by then), so one ballot remains."""
    voter_code = voter_code_for(process, code, client, used=True)
    if not voter_code.used:  # type: ignore[attr-defined]
        raise BallotRefused("This voter code has not voted yet: cast your ballot first.", 409, keep_choices=True)
    if not normalise_receipt(receipt):
        raise BallotRefused("Enter the receipt code you were shown when you voted.", 400)
    area = voter_code.area_id
    choices = parse_choices(process, area, data)
    digest = receipt_hash(receipt)
    new = new_receipt()
    with transaction.atomic():
        if _phase_shared_lock(process) != Phase.VOTING:
            raise BallotRefused("Voting has closed.", 409)
        _refuse_spent(digest)
        deleted, _ = Ballot.objects.filter(process=process, receipt_hash=digest, channel=Channel.CODE,
                                           area_id=area).delete()
        if deleted != 1:
            refused = BallotRefused("No ballot cast with a voter code in this process has that receipt code.", 404,
                                    keep_choices=True)
        else:
            refused = None
            SpentReceipt.objects.create(receipt_hash=digest)
            _insert_shuffled(process, area, Channel.CODE, choices, receipt_hash(new))
            # Audit says that a code ballot was changed, never which code or what.
            record(None, "pb.vote.change_code", process, context=context)
    if refused is not None:
        _count_failed_attempt(_code_attempts_key(process, client))
        raise refused
    return new


def change_ballot(user, process: Process, receipt: str, data, *, context: AuditContext) -> str:
    """Replace the ballot whose receipt is given; returns a new receipt (the old one is spent)."""
    ok, reason, area = eligibility(process, user)
    if not ok:
        raise BallotRefused(reason, 403 if process.phase == Phase.VOTING else 409)
    choices = parse_choices(process, area, data)
    digest = receipt_hash(receipt)
    new = new_receipt()
    with transaction.atomic():
        if _phase_shared_lock(process) != Phase.VOTING:
            raise BallotRefused("Voting has closed.", 409)
        if not Participation.objects.filter(process=process, user=user).exists():
            raise BallotRefused("You have not voted in this process yet.", 409, keep_choices=True)
        _refuse_spent(digest)
        updated = Ballot.objects.filter(process=process, receipt_hash=digest, channel=Channel.ONLINE).update(
            receipt_hash=receipt_hash(new), projects=choices.projects, points=choices.points)
        if updated != 1:
            raise BallotRefused("No ballot in this process has that receipt code.", 404, keep_choices=True)
        SpentReceipt.objects.create(receipt_hash=digest)
        record(user, "pb.vote.change", process, context=context)
    return new


def find_ballot(process: Process, receipt: str) -> Ballot | None:
    return Ballot.objects.filter(process=process, receipt_hash=receipt_hash(receipt)).first()


# --- paper ballots ----------------------------------------------------------------------------

def issue_voter_codes(actor, process: Process, count: int, area=None, *, context: AuditContext) -> list[str]:
    require(actor, "pb.manage")
    codes = [new_receipt() for _ in range(count)]
    with transaction.atomic():
        VoterCode.objects.bulk_create([VoterCode(process=process, code_hash=receipt_hash(c), area=area) for c in codes])
        record(actor, "pb.voter_codes.issue", process, after={"count": count}, context=context)
    return codes


def enter_paper_ballot(actor, process: Process, code: str, data, *, context: AuditContext) -> str:
    """One officer's entry of a paper ballot. Returns 'waiting', 'recorded' or 'mismatch'."""
    require(actor, "pb.manage")
    if process.phase not in (Phase.VOTING,):
        raise BallotRefused("Paper ballots are entered while voting is open.", 409)
    voter_code = VoterCode.objects.filter(process=process, code_hash=receipt_hash(code)).first()
    if voter_code is None:
        raise BallotRefused("Unknown voter code for this process.", 404)
    choices = parse_choices(process, voter_code.area_id, data)
    with transaction.atomic():
        if Participation.objects.filter(voter_code=voter_code).exists():
            raise BallotRefused("This voter code has already voted.", 409)
        try:
            with transaction.atomic():
                PaperEntry.objects.create(process=process, voter_code=voter_code, officer=actor,
                                          projects=choices.projects, points=choices.points)
        except IntegrityError:
            raise BallotRefused("You have already entered this ballot; a second officer must enter it.", 409) from None
        entries = list(voter_code.paper_entries.all())
        record(actor, "pb.paper.entry", process, context=context)
        if len(entries) < 2:
            return "waiting"
        first, second = entries[0], entries[1]
        if (first.projects, first.points) != (second.projects, second.points):
            PaperEntry.objects.filter(voter_code=voter_code).update(mismatch=True)
            return "mismatch"
        try:
            with transaction.atomic():
                Participation.objects.create(process=process, voter_code=voter_code, area_id=voter_code.area_id,
                                             channel=Channel.PAPER)
        except IntegrityError:
            raise BallotRefused("This voter code has already voted.", 409) from None
        _insert_shuffled(process, voter_code.area_id, Channel.PAPER, choices, receipt_hash(new_receipt()))
        PaperEntry.objects.filter(voter_code=voter_code).delete()
    return "recorded"


def resolve_mismatch(actor, process: Process, code: str, *, context: AuditContext) -> None:
    """Discard both entries of a mismatched paper ballot so it is entered again."""
    require(actor, "pb.manage")
    with transaction.atomic():
        deleted, _ = PaperEntry.objects.filter(process=process, voter_code__code_hash=receipt_hash(code),
                                               mismatch=True).delete()
        record(actor, "pb.paper.mismatch_resolved", process, after={"entries": deleted}, context=context)


# --- closing and counting ---------------------------------------------------------------------

def close_voting(actor, process: Process, *, context: AuditContext) -> Process:
    """Close the vote and enqueue the count (after the transaction commits)."""
    require(actor, "pb.manage")
    with transaction.atomic():
        process = Process.objects.select_for_update().get(pk=process.pk)
        if process.phase != Phase.VOTING:
            raise ValidationError("Only a process in its voting phase can be closed.")
        if PaperEntry.objects.filter(process=process, mismatch=True).exists():
            raise ValidationError("Some paper ballots were entered differently by two officers: resolve them first.")
        process.phase = Phase.COUNTING
        process.save(update_fields=["phase"])
        tally, _ = Tally.objects.update_or_create(process=process, defaults={
            "status": Tally.Status.QUEUED, "progress": "Waiting for the counting worker", "error": "", "result": {}})
        record(actor, "pb.vote.close", process, context=context)
        send_event_on_commit(group(process), {"type": "pb.phase", "phase": Phase.COUNTING})
        transaction.on_commit(lambda: _enqueue(process.pk))
    return process


def _enqueue(process_id: int) -> None:
    from .tasks import count_process

    result = count_process.enqueue(process_id)
    Tally.objects.filter(process_id=process_id).update(task_id=str(result.id))


def _recluster_ballots() -> None:
    """Rewrite the ballot table in (random) UUID order on PostgreSQL, so dumps list no arrival order."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                # Deferred foreign-key checks still pending in this transaction would block CLUSTER.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"CLUSTER {Ballot._meta.db_table} USING {Ballot._meta.db_table}_pkey")


def count_units(process: Process) -> list[dict[str, Any]]:
    """What is counted apart: one unit per ward with its budget, or the whole process."""
    if process.wards_counted_apart:
        return [{"area": wb.area, "slug": wb.area.slug, "name": wb.area.name, "budget": wb.budget}
                for wb in process.ward_budgets.select_related("area")]
    return [{"area": None, "slug": "", "name": "", "budget": process.total_budget}]


def _meta(process: Process, unit: dict[str, Any]) -> dict[str, str]:
    meta = {
        "description": process.title + (f" – {unit['name']}" if unit["name"] else ""),
        "country": "United Kingdom" if process.currency == "GBP" else "",
        "unit": process.council.name if process.council_id else "",
        "instance": process.slug,
        "rule": process.rule,
        "currency": process.currency,
    }
    if unit["name"]:
        meta["district"] = unit["name"]
    if process.ballot_type == BallotType.POINTS:
        meta["max_sum_points"] = str(process.points_total)
    return {k: v for k, v in meta.items() if v}


def run_count(process_id: int) -> dict[str, Any]:
    """Count every unit, write the published files and results; the body of the background task."""
    process = Process.objects.select_related("council").get(pk=process_id)
    Tally.objects.filter(process=process).update(status=Tally.Status.RUNNING, started=timezone.now(),
                                                 progress="Counting")
    try:
        _recluster_ballots()
        result = _count_and_publish(process)
    except counting.CountError as error:
        Tally.objects.filter(process=process).update(status=Tally.Status.FAILED, error=str(error),
                                                     finished=timezone.now())
        raise
    return result


@transaction.atomic
def _count_and_publish(process: Process) -> dict[str, Any]:
    files: dict[str, str] = {}
    units_out = []
    selected_ids: set[int] = set()
    for unit in count_units(process):
        ideas = ballot_ideas(process, unit["area"])
        by_pk = {str(i.pk): i for i in ideas}
        ballots = Ballot.objects.filter(process=process)
        if process.wards_counted_apart:
            ballots = ballots.filter(area=unit["area"])
        rows = []
        for b in ballots.order_by("receipt_hash").values_list("receipt_hash", "projects", "points"):
            projects = tuple(by_pk[p].project_id for p in b[1] if p in by_pk)
            points = tuple(int(x) for x, p in zip(b[2], b[1], strict=True) if p in by_pk) if b[2] is not None else None
            rows.append(counting.BallotRow(projects, points, b[0]))
        projects = [counting.ProjectRow(i.project_id, Fraction(i.cost), i.title) for i in ideas]
        vote_type = counting.VOTE_TYPE[process.ballot_type]
        name = f"ballots-{unit['slug']}.pb" if unit["slug"] else "ballots.pb"
        meta = _meta(process, unit)
        files[name] = counting.pb_file_text(projects, Fraction(unit["budget"]), vote_type, rows, meta)
        if counting.is_ranked_rule(process.rule):
            index = {p.id: n for n, p in enumerate(projects)}
            rankings = [[index[p] for p in r.projects] for r in rows]
            outcome = counting.count_ranked(process.rule, [p.id for p in projects], rankings, seats=process.seats)
            blt = f"ballots-{unit['slug']}.blt" if unit["slug"] else "ballots.blt"
            files[blt] = counting.blt_text([p.name for p in projects], rankings, seats=process.seats,
                                           title=process.title)
            id_by_name = {p.id: p.id for p in projects}
            selected = [id_by_name[e] for e in outcome["elected"]]
            total_cost = sum((p.cost for p in projects if p.id in selected), Fraction(0))
            outcome.update({"selected": selected, "total_cost_exact": str(total_cost), "total_cost": float(total_cost)})
        else:
            outcome = counting.count_pb(process.rule, projects, Fraction(unit["budget"]), vote_type, rows)
        pid_to_idea = {i.project_id: i for i in ideas}
        tallies = {i.project_id: 0 for i in ideas}
        for r in rows:
            for p in r.projects:
                tallies[p] = tallies.get(p, 0) + 1
        adjusted = None
        if process.adjustments and not counting.is_ranked_rule(process.rule):
            declared = _declared_for_count(process.adjustments, {str(i.pk): i.project_id for i in ideas})
            constrained: dict[str, Any] = {"selected": outcome["selected"], "excluded": {}, "steps": []}
            if declared.get("min_votes") or declared.get("incompatible"):
                constrained = counting.count_with_declared_constraints(
                    process.rule, projects, Fraction(unit["budget"]), vote_type, rows, tallies, declared)
            adjusted = counting.apply_adjustments(constrained["selected"], {p.id: p.cost for p in projects}, tallies,
                                                  Fraction(unit["budget"]), declared,
                                                  excluded=list(constrained["excluded"]))
            adjusted["steps"] = constrained["steps"] + adjusted["steps"]
            for pid, reason in constrained["excluded"].items():
                fate = outcome.get("projects", {}).setdefault(pid, {})
                fate["adjustment"] = reason
        funded = adjusted["funded"] if adjusted else outcome["selected"]
        selected_ids.update(pid_to_idea[p].pk for p in funded)
        units_out.append({
            "ward": unit["slug"] or None, "ward_name": unit["name"] or None, "file": name,
            "budget": counting.json_money(unit["budget"]), "selected": outcome["selected"],
            "total_cost": counting.json_money(Fraction(outcome.get("total_cost_exact", outcome["total_cost"]))), "rule": process.rule,
            "rule_name": outcome.get("rule_name", process.rule), "rounds": outcome.get("rounds", []),
            "projects": outcome.get("projects", {}), "votes": tallies, "ballots": len(rows),
            "adjustments": adjusted["steps"] if adjusted else [], "funded": funded,
        })
    on_ballot = Idea.objects.filter(process=process, hidden=False,
                                    status__in=[IdeaStatus.FEASIBLE, IdeaStatus.SELECTED, IdeaStatus.NOT_SELECTED])
    on_ballot.filter(pk__in=selected_ids).update(status=IdeaStatus.SELECTED)
    on_ballot.exclude(pk__in=selected_ids).update(status=IdeaStatus.NOT_SELECTED)
    public = {
        "rule": process.rule,
        "rule_name": counting.rule_display_name(process.rule),
        "currency": process.currency,
        "budget": counting.json_money(sum((Decimal(str(u["budget"])) for u in units_out), Decimal(0))),
        "selected": [p for u in units_out for p in u["selected"]],
        "total_cost": counting.json_money(sum((Decimal(str(u["total_cost"])) for u in units_out), Decimal(0))),
    }
    if process.adjustments:
        # The rule's ``selected`` (what any recount of the .pb gives) stays as it is; the declared
        # adjustments and the final list of funded projects are published beside it.
        public["declared_adjustments"] = process.adjustments
        public["adjustments"] = [step for u in units_out for step in u["adjustments"]]
        public["funded"] = [p for u in units_out for p in u["funded"]]
    if process.wards_counted_apart:
        keys = ("ward", "ward_name", "file", "budget", "selected", "total_cost") + (
            ("funded",) if process.adjustments else ())
        public["wards"] = [{k: u[k] for k in keys} for u in units_out]
    files["results.json"] = json.dumps(public, indent=2, ensure_ascii=False) + "\n"
    PublishedFile.objects.filter(process=process).delete()
    for fname, content in files.items():
        PublishedFile.objects.create(process=process, name=fname, content=content,
                                     sha256=hashlib.sha256(content.encode()).hexdigest())
    manifest = {"process": process.slug, "files": {n: hashlib.sha256(c.encode()).hexdigest()
                                                  for n, c in sorted(files.items())}}
    manifest_text = json.dumps(manifest, indent=2) + "\n"
    PublishedFile.objects.create(process=process, name="manifest.json", content=manifest_text,
                                 sha256=hashlib.sha256(manifest_text.encode()).hexdigest())
    turnout = turnout_by_ward_and_channel(process)
    result = {"public": public, "units": units_out, "turnout": turnout}
    Tally.objects.filter(process=process).update(status=Tally.Status.DONE, result=result, finished=timezone.now(),
                                                 progress="Published")
    Process.objects.filter(pk=process.pk).update(phase=Phase.RESULTS)
    record(None, "pb.count.published", process, after={"selected": public["selected"]}, context=AuditContext.task())
    send_event_on_commit(group(process), {"type": "pb.phase", "phase": Phase.RESULTS})
    return public


def _declared_for_count(adjustments: dict[str, Any], project_id: dict[str, str]) -> dict[str, Any]:
    """The declared adjustments with incompatible groups named by the ``.pb`` project ids of this unit
    (groups are declared with idea numbers; members outside this ward's ballot are dropped)."""
    out = dict(adjustments)
    if adjustments.get("incompatible"):
        out["incompatible"] = [[project_id[str(pk)] for pk in g if str(pk) in project_id]
                               for g in adjustments["incompatible"]]
    return out


def turnout_by_ward_and_channel(process: Process) -> list[dict[str, Any]]:
    rows = (Participation.objects.filter(process=process).values("area__name", "channel")
            .annotate(n=Count("id")).order_by("area__name", "channel"))
    return [{"ward": r["area__name"] or "—", "channel": r["channel"], "voters": r["n"]} for r in rows]


# --- declared adjustments and manual changes ---------------------------------------------------

def override_outcome(actor, process: Process, idea: Idea, funded: bool, reason: str, *,
                     context: AuditContext) -> None:
    """A manual change to the published outcome: public reason, shown on the results page, audited."""
    from .models import OutcomeOverride

    require(actor, "pb.manage")
    if process.phase not in (Phase.RESULTS, Phase.DELIVERY):
        raise ValidationError("The outcome can only be changed after the count is published.")
    if idea.process_id != process.pk:
        raise ValidationError("That project is not part of this process.")
    if not reason.strip():
        raise ValidationError("A manual change to the outcome needs a public reason.")
    with transaction.atomic():
        OutcomeOverride.objects.create(process=process, idea=idea, funded=funded, reason=reason.strip())
        before = idea.status
        Idea.objects.filter(pk=idea.pk).update(status=IdeaStatus.SELECTED if funded else IdeaStatus.NOT_SELECTED)
        record(actor, "pb.outcome.override", idea, before={"status": before},
               after={"funded": funded, "reason": reason.strip()}, context=context)
        send_event_on_commit(group(process), {"type": "pb.outcome"})
