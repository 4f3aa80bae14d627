"""The civic lottery: set-up, invitations, registration, selection, confirmation, purge, response.

Every change of state goes through a function here (check permission -> do -> audit -> notify).
Audit entries about respondents name them only by their random ``public_id``: the audit log is
kept for good, personal data is not.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from accounts.permissions import require
from audit import services as audit
from audit.context import AuditContext

from . import selection
from .models import (
    Address,
    Assembly,
    Invitation,
    Lottery,
    Membership,
    QuotaTarget,
    Recommendation,
    RecommendationUpdate,
    Respondent,
    RespondentTally,
    SelectionRun,
)
from .services import _notify

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
CODE_LENGTH = 8
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ADDRESS_COLUMNS = ("id", "postcode", "ward")
SHARE_COLUMNS = ("category", "value", "share")


def _where(context: AuditContext | None) -> AuditContext:
    """Callers without a request (commands, the shell, tests) are recorded as commands."""
    return context or AuditContext.command()


class RowErrors(ValidationError):
    """A file with problems: every problem with its row number, and nothing imported."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.rows = errors
        super().__init__([f"row {row}: {reason}" if row else reason for row, reason in errors])


# --- Reading CSV files -------------------------------------------------------------

def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RowErrors([(line, f"the file is not UTF-8 text (byte 0x{data[error.start]:02x}); save it as CSV UTF-8")]) from None


def _read_csv(data: bytes, required: Sequence[str]) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    if len(data) > MAX_UPLOAD_BYTES:
        raise RowErrors([(0, "the file is larger than 20 MB")])
    text = _decode(data)
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        rows = list(reader)
    except csv.Error as error:
        raise RowErrors([(0, f"not a CSV file ({error})")]) from None
    if not rows:
        raise RowErrors([(1, "the file is empty")])
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise RowErrors([(1, f"missing column(s): {', '.join(missing)}; the header has {', '.join(header) or 'nothing'}")])
    out = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            out.append((number, {"__error__": f"has {len(cells)} fields, the header has {len(header)}"}))
            continue
        out.append((number, {h: c.strip() for h, c in zip(header, cells, strict=True)}))
    return header, out


@dataclass(frozen=True)
class AddressRow:
    external_id: str
    lines: str
    postcode: str
    ward: str


def parse_addresses(data: bytes, wards: Iterable[str] = ()) -> list[AddressRow]:
    """Read an address list (id, address lines, postcode, ward); raise RowErrors listing every bad row."""
    known = {w.strip().lower(): w for w in wards}
    header, rows = _read_csv(data, ADDRESS_COLUMNS)
    line_columns = [h for h in header if h.startswith("address")]
    if not line_columns:
        raise RowErrors([(1, "missing address line column(s) (address_line_1, address_line_2, ...)")])
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    parsed = []
    for number, row in rows:
        if "__error__" in row:
            errors.append((number, row["__error__"]))
            continue
        ident, ward, postcode = row["id"], row["ward"], row["postcode"].upper()
        lines = "\n".join(row[c] for c in line_columns if row[c])
        if not ident:
            errors.append((number, "the id is empty"))
        elif ident in seen:
            errors.append((number, f"duplicate id {ident!r} (first on row {seen[ident]})"))
        else:
            seen[ident] = number
        if not lines:
            errors.append((number, "no address lines"))
        if not postcode or len(postcode) > 16:
            errors.append((number, "postcode missing or too long"))
        if not ward:
            errors.append((number, "the ward is empty"))
        elif known and ward.lower() not in known:
            errors.append((number, f"unknown ward {ward!r}; the council's wards are {', '.join(sorted(known.values()))}"))
        parsed.append(AddressRow(ident, lines, postcode, known.get(ward.lower(), ward)))
    if errors:
        raise RowErrors(errors)
    if not parsed:
        raise RowErrors([(2, "the file has a header but no addresses")])
    return parsed


def parse_shares(data: bytes) -> dict[str, dict[str, float]]:
    """Population shares per category (category, value, share); each category's shares add up to 1."""
    _, rows = _read_csv(data, SHARE_COLUMNS)
    errors: list[tuple[int, str]] = []
    shares: dict[str, dict[str, float]] = defaultdict(dict)
    for number, row in rows:
        if "__error__" in row:
            errors.append((number, row["__error__"]))
            continue
        category, value = row["category"], row["value"]
        try:
            share = float(row["share"].rstrip("%")) / (100 if row["share"].endswith("%") else 1)
        except ValueError:
            errors.append((number, f"share {row['share']!r} is not a number"))
            continue
        if not category or not value:
            errors.append((number, "category and value are required"))
        elif not (0 <= share <= 1) or math.isnan(share):
            errors.append((number, f"share {share} is not between 0 and 1"))
        elif value in shares[category]:
            errors.append((number, f"{category}/{value} appears twice"))
        else:
            shares[category][value] = share
    for category, values in shares.items():
        if not math.isclose(sum(values.values()), 1.0, abs_tol=0.02):
            errors.append((0, f"the shares of {category!r} add up to {sum(values.values()):.3f}, not 1"))
    if errors:
        raise RowErrors(errors)
    if not shares:
        raise RowErrors([(2, "the file has no shares")])
    return dict(shares)


def suggested_quotas(shares: dict[str, dict[str, float]], panel_size: int) -> list[tuple[str, str, int, int, float]]:
    """Targets around each value's share of the panel: floor(target) - 1 to ceil(target) + 1."""
    rows = []
    for category, values in shares.items():
        for value, share in values.items():
            target = share * panel_size
            rows.append((category, value, max(0, math.floor(target) - 1), min(panel_size, math.ceil(target) + 1), share))
    return rows


def parse_quota_lines(text: str, panel_size: int) -> list[tuple[str, str, int, int]]:
    """Quotas typed one per line as ``category, value, min, max``."""
    errors: list[tuple[int, str]] = []
    rows: list[tuple[str, str, int, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 4 or not parts[0] or not parts[1]:
            errors.append((number, "write category, value, min, max"))
            continue
        try:
            low, high = int(parts[2]), int(parts[3])
        except ValueError:
            errors.append((number, "min and max must be whole numbers"))
            continue
        if not 0 <= low <= high <= panel_size:
            errors.append((number, f"need 0 <= min <= max <= panel size ({panel_size})"))
            continue
        rows.append((parts[0], parts[1], low, high))
    if errors:
        raise RowErrors(errors)
    return rows


# --- Set-up ---------------------------------------------------------------------

def lottery_of(assembly: Assembly) -> Lottery | None:
    return Lottery.objects.filter(assembly=assembly).first()


@transaction.atomic
def set_up_lottery(actor: Any, assembly: Assembly, *, context: AuditContext | None = None, **fields: Any) -> Lottery:
    """Create or change the lottery's settings (panel size, support, sessions, retention...)."""
    require(actor, "assembly.manage")
    allowed = {"panel_size", "sessions_plan", "support_offered", "one_per_household", "retention_until",
               "invitations_to_send", "large_print"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(f"Unknown lottery setting(s): {', '.join(sorted(unknown))}")
    lottery = Lottery.objects.select_for_update().filter(assembly=assembly).first()
    if lottery and lottery.seed_published_at and "invitations_to_send" in fields \
            and fields["invitations_to_send"] != lottery.invitations_to_send:
        raise ValidationError("The invitation draw was announced: the number of invitations can no longer change.")
    if fields.get("panel_size", 1) < 1:
        raise ValidationError("The panel needs at least one member.")
    before = None
    if lottery is None:
        lottery = Lottery(assembly=assembly, **fields)
    else:
        before = {k: str(getattr(lottery, k)) for k in fields}
        for key, value in fields.items():
            setattr(lottery, key, value)
    lottery.full_clean(exclude=["assembly"])
    lottery.save()
    audit.record(actor, "lottery.setup", lottery, before=before, after={k: str(v) for k, v in fields.items()},
                 context=_where(context))
    _notify(assembly, "lottery")
    return lottery


@transaction.atomic
def set_quotas(actor: Any, lottery: Lottery, rows: Sequence[tuple[Any, ...]], *,
               context: AuditContext | None = None) -> list[QuotaTarget]:
    """Replace the quota targets; rows are (category, value, min, max[, population share])."""
    require(actor, "assembly.manage")
    if lottery.runs.filter(status=SelectionRun.Status.DONE).exists():
        raise ValidationError("A panel has been selected: the quotas are fixed.")
    lottery.quotas.all().delete()
    targets = [
        QuotaTarget.objects.create(lottery=lottery, category=r[0], value=r[1], min=r[2], max=r[3],
                                   population_share=r[4] if len(r) > 4 else None)
        for r in rows
    ]
    audit.record(actor, "lottery.quotas", lottery, after={"quotas": [list(r[:4]) for r in rows]}, context=_where(context))
    return targets


def quota_categories(lottery: Lottery) -> dict[str, list[str]]:
    categories: dict[str, list[str]] = {}
    for quota in lottery.quotas.all():
        categories.setdefault(quota.category, []).append(quota.value)
    return categories


# --- Stage 1: addresses and invitations ------------------------------------------

@transaction.atomic
def import_addresses(actor: Any, lottery: Lottery, data: bytes, *, context: AuditContext | None = None) -> int:
    """Replace the address list; a file with any bad row imports nothing (RowErrors lists them all)."""
    require(actor, "assembly.manage")
    lottery = Lottery.objects.select_for_update().select_related("assembly__council").get(pk=lottery.pk)
    if lottery.seed_published_at:
        raise ValidationError("The invitation draw was announced: the address list is fixed.")
    wards = [area.name for area in lottery.assembly.council.areas.all()]
    rows = parse_addresses(data, wards)
    lottery.addresses.all().delete()
    Address.objects.bulk_create(
        [Address(lottery=lottery, external_id=r.external_id, lines=r.lines, postcode=r.postcode, ward=r.ward)
         for r in rows], batch_size=2000,
    )
    lottery.addresses_sha256 = hashlib.sha256(data).hexdigest()
    lottery.addresses_imported = len(rows)
    lottery.save(update_fields=["addresses_sha256", "addresses_imported"])
    audit.record(actor, "lottery.addresses_import", lottery,
                 after={"addresses": len(rows), "sha256": lottery.addresses_sha256}, context=_where(context))
    return len(rows)


@transaction.atomic
def publish_invitation_seed(actor: Any, lottery: Lottery, seed: str, *, context: AuditContext | None = None) -> Lottery:
    """Announce the seed (and the address list's digest) before the draw: commit, then draw."""
    require(actor, "assembly.manage")
    lottery = Lottery.objects.select_for_update().get(pk=lottery.pk)
    seed = seed.strip()
    if lottery.seed_published_at:
        raise ValidationError("The seed was already published.")
    if not seed or len(seed) > 200:
        raise ValidationError("Give a seed of 1 to 200 characters (e.g. the numbers of a public lottery draw).")
    count = lottery.addresses.count()
    if count == 0:
        raise ValidationError("Import the address list first.")
    if not 1 <= lottery.invitations_to_send <= count:
        raise ValidationError(f"Set the number of invitations between 1 and the {count} addresses.")
    lottery.invitation_seed = seed
    lottery.seed_published_at = timezone.now()
    lottery.save(update_fields=["invitation_seed", "seed_published_at"])
    audit.record(actor, "lottery.seed_publish", lottery,
                 after={"seed": seed, "addresses_sha256": lottery.addresses_sha256}, context=_where(context))
    _notify(lottery.assembly, "seed")
    return lottery


def stratified_draw(addresses: Sequence[tuple[str, str]], n: int, seed: str, digest: str) -> list[str]:
    """Draw ``n`` address ids, each ward getting its share (largest remainders), reproducibly.

    Within a ward, addresses are ranked by SHA-256(seed, list digest, id) and the first are taken,
    so anyone with the list and the published seed can redo the draw.
    """
    by_ward: dict[str, list[str]] = defaultdict(list)
    for ident, ward in addresses:
        by_ward[ward].append(ident)
    total = len(addresses)
    quotas = {ward: n * len(ids) / total for ward, ids in by_ward.items()}
    seats = {ward: math.floor(q) for ward, q in quotas.items()}
    for ward in sorted(quotas, key=lambda w: (-(quotas[w] - seats[w]), w))[: n - sum(seats.values())]:
        seats[ward] += 1

    def rank(ident: str) -> str:
        return hashlib.sha256(f"civic-invitation-draw-v1\n{seed}\n{digest}\n{ident}".encode()).hexdigest()

    drawn = []
    for ward in sorted(by_ward):
        drawn += sorted(by_ward[ward], key=rank)[: seats[ward]]
    return drawn


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


@transaction.atomic
def draw_invitations(actor: Any, lottery: Lottery, *, context: AuditContext | None = None) -> int:
    require(actor, "assembly.manage")
    lottery = Lottery.objects.select_for_update().get(pk=lottery.pk)
    if not lottery.seed_published_at:
        raise ValidationError("Publish the seed before the draw.")
    if lottery.invitations_drawn_at:
        raise ValidationError("The invitations were already drawn.")
    addresses = {a.external_id: a for a in lottery.addresses.all()}
    drawn = stratified_draw([(a.external_id, a.ward) for a in addresses.values()], lottery.invitations_to_send,
                            lottery.invitation_seed, lottery.addresses_sha256)
    used = set(Invitation.objects.values_list("code", flat=True))
    invitations = []
    for position, ident in enumerate(drawn, start=1):
        code = _new_code()
        while code in used:
            code = _new_code()
        used.add(code)
        address = addresses[ident]
        invitations.append(Invitation(lottery=lottery, address=address, code=code, ward=address.ward, position=position))
    Invitation.objects.bulk_create(invitations, batch_size=2000)
    lottery.invitations_drawn_at = timezone.now()
    lottery.save(update_fields=["invitations_drawn_at"])
    by_ward = dict(sorted(Counter(i.ward for i in invitations).items()))
    audit.record(actor, "lottery.invitations_draw", lottery,
                 after={"seed": lottery.invitation_seed, "addresses_sha256": lottery.addresses_sha256,
                        "drawn": len(invitations), "by_ward": by_ward}, context=_where(context))
    _notify(lottery.assembly, "invitations")
    return len(invitations)


def invitation_summary(lottery: Lottery) -> dict[str, Any]:
    """The public record of the invitation draw."""
    by_ward = Counter(lottery.invitations.values_list("ward", flat=True))
    return {
        "seed": lottery.invitation_seed,
        "seed_published_at": lottery.seed_published_at.isoformat() if lottery.seed_published_at else None,
        "addresses_sha256": lottery.addresses_sha256,
        "addresses": lottery.addresses_imported,
        "invitations": sum(by_ward.values()),
        "by_ward": dict(sorted(by_ward.items())),
        "drawn_at": lottery.invitations_drawn_at.isoformat() if lottery.invitations_drawn_at else None,
    }


def mailing_csv(actor: Any, lottery: Lottery, register_url: str) -> str:
    require(actor, "assembly.manage")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["position", "address_id", "address", "postcode", "ward", "code", "url"])
    for inv in lottery.invitations.select_related("address"):
        address = inv.address
        writer.writerow([inv.position, address.external_id if address else "", address.lines.replace("\n", ", ") if address else "",
                         address.postcode if address else "", inv.ward, format_code(inv.code), f"{register_url}?code={inv.code}"])
    return out.getvalue()


# --- Stage 2: registration ------------------------------------------------------

def find_invitation(code: str) -> Invitation:
    """The invitation for a letter's code, or a ValidationError saying what is wrong with it."""
    normalised = normalise_code(code)
    if len(normalised) != CODE_LENGTH:
        raise ValidationError("A registration code has 8 letters and digits, as printed on your letter (e.g. ABCD-2345).")
    invitation = Invitation.objects.select_related("lottery__assembly").filter(code=normalised).first()
    if invitation is None:
        raise ValidationError("We do not recognise this code. Check it against your letter, or call us.")
    if invitation.lottery.assembly.status != Assembly.Status.RECRUITING:
        raise ValidationError("Registration for this assembly is closed.")
    if invitation.respondents.exists():
        raise ValidationError("This code has already been used to register. Each letter registers one person.")
    return invitation


def _household_key(lines: str, postcode: str) -> str:
    first = lines.splitlines()[0] if lines else ""
    return " ".join(f"{first} {postcode}".lower().replace(",", " ").split())


@transaction.atomic
def register(
    code: str,
    *,
    name: str,
    email: str = "",
    phone: str = "",
    features: dict[str, str],
    availability: str = "",
    access_needs: str = "",
    consent: bool,
    actor: Any = None,
    context: AuditContext | None = None,
) -> Respondent:
    """Register one person with a letter's code (no account). Staff may do it for them (assisted)."""
    assisted = actor is not None
    if assisted:
        require(actor, "assembly.manage")
    invitation = find_invitation(code)
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related("lottery", "address").get(pk=invitation.pk)
    if invitation.respondents.exists():
        raise ValidationError("This code has already been used to register. Each letter registers one person.")
    lottery = invitation.lottery
    if not consent:
        raise ValidationError("We can only register you with your consent to keep your details until "
                              f"{lottery.retention_until:%d %B %Y}.")
    name = name.strip()
    if not name or len(name) > 120:
        raise ValidationError("Give a name (up to 120 characters).")
    if not email.strip() and not phone.strip():
        raise ValidationError("Give an email address or a phone number so that we can tell you if you are selected.")
    categories = quota_categories(lottery)
    clean: dict[str, str] = {}
    for category, values in categories.items():
        answer = (features.get(category) or "").strip()
        if answer not in values:
            raise ValidationError(f"Choose one answer for {category}.")
        clean[category] = answer
    address = invitation.address
    household = _household_key(address.lines, address.postcode) if address else f"invitation:{invitation.pk}"
    if lottery.one_per_household and lottery.respondents.filter(household=household).exists():
        raise ValidationError("Someone from this household has already registered; this assembly takes one person per household.")
    public_id = secrets.token_hex(6)
    respondent = Respondent.objects.create(
        lottery=lottery, invitation=invitation, public_id=public_id, name=name, email=email.strip().lower(),
        phone=phone.strip(), household=household, features=clean, availability=availability.strip(),
        access_needs=access_needs.strip(), consent_at=timezone.now(), retention_until=lottery.retention_until,
        assisted=assisted, token=secrets.token_urlsafe(24),
    )
    audit.record(actor if assisted else None, "lottery.register", respondent,
                 after={"respondent": public_id, "assisted": assisted}, context=_where(context))
    _notify(lottery.assembly, "registration")
    return respondent


@transaction.atomic
def withdraw(token: str, *, context: AuditContext | None = None) -> None:
    """A respondent withdraws: their personal data is deleted at once."""
    respondent = Respondent.objects.select_for_update().filter(token=token).first()
    if respondent is None:
        raise ValidationError("This link is no longer valid; your details may already have been deleted.")
    audit.record(None, "lottery.withdraw", respondent.lottery, after={"respondent": respondent.public_id}, context=_where(context))
    if respondent.user_id:
        Membership.objects.filter(assembly=respondent.lottery.assembly, user_id=respondent.user_id).delete()
    respondent.delete()


# --- Selection ------------------------------------------------------------------

def _pool(lottery: Lottery) -> list[Respondent]:
    return list(lottery.respondents.exclude(status=Respondent.Status.WITHDRAWN).order_by("pk"))


def _quota_rows(lottery: Lottery) -> list[tuple[str, str, int, int]]:
    return [(q.category, q.value, q.min, q.max) for q in lottery.quotas.all()]


def _private_digest(respondents: Sequence[Respondent]) -> str:
    rows = [[r.public_id, r.name, r.email, r.phone, r.household, r.features] for r in respondents]
    return hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def start_selection(actor: Any, lottery: Lottery, *, algorithm: str = "", seed: str = "",
                    kind: str = SelectionRun.Kind.PANEL, context: AuditContext | None = None) -> SelectionRun:
    """Queue a selection (or replacement) run; the worker runs :func:`execute_run`."""
    require(actor, "assembly.manage")
    from .tasks import run_selection_task

    algorithm = algorithm or selection.default_algorithm()
    if algorithm not in dict(selection.algorithm_choices()):
        raise ValidationError(f"Unknown algorithm {algorithm!r}.")
    seed = seed.strip() or secrets.token_hex(8)
    with transaction.atomic():
        if lottery.runs.filter(status__in=[SelectionRun.Status.QUEUED, SelectionRun.Status.RUNNING]).exists():
            raise ValidationError("A selection is already running.")
        if kind == SelectionRun.Kind.PANEL and lottery.runs.filter(kind=kind, status=SelectionRun.Status.DONE).exists():
            raise ValidationError("The panel has been selected; use replacements for people who decline.")
        if not lottery.quotas.exists():
            raise ValidationError("Set the quotas first.")
        if len(_pool(lottery)) < lottery.panel_size:
            raise ValidationError(f"Only {len(_pool(lottery))} respondents for a panel of {lottery.panel_size}.")
        run = SelectionRun.objects.create(lottery=lottery, kind=kind, algorithm=algorithm, seed=seed)
        audit.record(actor, f"lottery.{kind}_start", run, after={"algorithm": algorithm, "seed": seed}, context=_where(context))
        transaction.on_commit(lambda: run_selection_task.enqueue(run.pk))
    return run


def execute_run(run_id: int) -> SelectionRun:
    """Run one queued selection; safe to call twice (a finished run is left alone)."""
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().select_related("lottery__assembly").get(pk=run_id)
        if run.status not in (SelectionRun.Status.QUEUED,):
            return run
        run.status = SelectionRun.Status.RUNNING
        run.save(update_fields=["status"])
    lottery = run.lottery
    pool = _pool(lottery)
    last_write = [0.0]

    def progress(fraction: float, message: str) -> None:
        now = timezone.now().timestamp()
        if now - last_write[0] >= 0.5:
            last_write[0] = now
            SelectionRun.objects.filter(pk=run.pk).update(progress=fraction, message=message[:500])

    must_include: list[str] = []
    must_exclude: list[str] = []
    if run.kind == SelectionRun.Kind.REPLACEMENT:
        staying = {Respondent.Status.SELECTED, Respondent.Status.CONFIRMED}
        must_include = [r.public_id for r in pool if r.status in staying]
        must_exclude = [r.public_id for r in pool if r.status == Respondent.Status.DECLINED]
    try:
        outcome = selection.run_selection(
            [(r.public_id, r.features) for r in pool], _quota_rows(lottery), lottery.panel_size,
            algorithm=run.algorithm, seed=run.seed,
            private_inputs_sha256={"respondents": _private_digest(pool), "addresses": lottery.addresses_sha256},
            progress=progress, must_include=must_include, must_exclude=must_exclude,
        )
    except Exception as error:  # the officer sees the reason; the worker stays up
        SelectionRun.objects.filter(pk=run.pk).update(status=SelectionRun.Status.FAILED, message=str(error)[:2000],
                                                      finished_at=timezone.now())
        raise
    with transaction.atomic():
        run = SelectionRun.objects.select_for_update().get(pk=run.pk)
        run.finished_at = timezone.now()
        run.progress = 1.0
        if outcome.diagnosis is not None:
            run.status = SelectionRun.Status.INFEASIBLE
            run.diagnosis = outcome.diagnosis
            run.message = outcome.diagnosis_text
        else:
            run.status = SelectionRun.Status.DONE
            run.drawn = outcome.drawn
            if outcome.report is not None:
                outcome.report["invitations"] = invitation_summary(lottery)
                outcome.report["assembly"] = lottery.assembly.slug
            run.report = outcome.report
            run.message = f"{len(outcome.drawn)} people drawn"
            chosen = set(outcome.drawn)
            new = [r.pk for r in pool if r.public_id in chosen and r.status == Respondent.Status.REGISTERED]
            Respondent.objects.filter(pk__in=new).update(status=Respondent.Status.SELECTED)
        run.save()
        audit.record(None, f"lottery.{run.kind}_finish", run,
                     after={"status": run.status, "drawn": run.drawn, "seed": run.seed}, context=AuditContext.task())
        _notify(lottery.assembly, "selection", run=run.pk, status=run.status)
    return run


def panel_run(lottery: Lottery) -> SelectionRun | None:
    return lottery.runs.filter(kind=SelectionRun.Kind.PANEL, status=SelectionRun.Status.DONE).first()


def public_report(assembly: Assembly) -> dict[str, Any] | None:
    lottery = lottery_of(assembly)
    run = panel_run(lottery) if lottery else None
    return run.report if run else None


def current_panel(lottery: Lottery) -> list[Respondent]:
    return list(lottery.respondents.filter(status__in=[Respondent.Status.SELECTED, Respondent.Status.CONFIRMED]))


# --- Confirmation ---------------------------------------------------------------

@transaction.atomic
def respond_to_selection(token: str, *, accept: bool, password: str = "", actor: Any = None,
                         context: AuditContext | None = None) -> Respondent:
    """A selected person confirms (gets an account and a seat) or declines; staff may record it for them."""
    respondent = Respondent.objects.select_for_update().select_related("lottery__assembly").filter(token=token).first()
    if respondent is None:
        raise ValidationError("This link is no longer valid.")
    if actor is not None:
        require(actor, "assembly.manage")
    if respondent.status != Respondent.Status.SELECTED:
        raise ValidationError(f"There is nothing to confirm: your registration is {respondent.get_status_display().lower()}.")
    assembly = respondent.lottery.assembly
    if not accept:
        respondent.status = Respondent.Status.DECLINED
        respondent.save(update_fields=["status"])
        audit.record(actor, "lottery.decline", respondent, after={"respondent": respondent.public_id}, context=_where(context))
        _notify(assembly, "confirmation")
        return respondent
    if not respondent.email:
        raise ValidationError("An account needs an email address; staff can add one when you call.")
    User = get_user_model()
    user = User.objects.filter(email=respondent.email).first()
    if user is None:
        if actor is None:
            from django.contrib.auth.password_validation import validate_password

            validate_password(password)
        user = User.objects.create_user(email=respondent.email, password=password or None,
                                        role=Role.ASSEMBLY_MEMBER, display_name=respondent.name)
        if not password:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(user=user, email=respondent.email, defaults={"verified": True, "primary": True})
    elif user.role == Role.RESIDENT:
        user.role = Role.ASSEMBLY_MEMBER
        user.save(update_fields=["role"])
    Membership.objects.get_or_create(assembly=assembly, user=user,
                                     defaults={"role": Membership.Role.MEMBER, "categories": respondent.features})
    respondent.status = Respondent.Status.CONFIRMED
    respondent.user = user
    respondent.save(update_fields=["status", "user"])
    audit.record(actor, "lottery.confirm", respondent, after={"respondent": respondent.public_id, "user": user.pk},
                 context=_where(context))
    _notify(assembly, "confirmation")
    return respondent


# --- Data minimisation ----------------------------------------------------------

def _tally(lottery: Lottery, respondents: Iterable[Respondent]) -> None:
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in respondents:
        for category, value in r.features.items():
            entry = counts[(category, value)]
            entry[0] += 1
            entry[1] += r.status in (Respondent.Status.SELECTED, Respondent.Status.CONFIRMED, Respondent.Status.DECLINED)
            entry[2] += r.status == Respondent.Status.CONFIRMED
    for (category, value), (n, selected, confirmed) in counts.items():
        tally, _ = RespondentTally.objects.get_or_create(lottery=lottery, category=category, value=value)
        tally.respondents += n
        tally.selected += selected
        tally.confirmed += confirmed
        tally.save()


def purge_expired(today: date | None = None, *, context: AuditContext | None = None) -> dict[str, int]:
    """Delete personal data whose retention period has ended; keep anonymised counts. Idempotent."""
    today = today or timezone.localdate()
    purged = {"respondents": 0, "addresses": 0, "invitations": 0}
    for lottery in Lottery.objects.filter(retention_until__lt=today):
        with transaction.atomic():
            expired = list(Respondent.objects.select_for_update().filter(lottery=lottery, retention_until__lt=today))
            addresses = lottery.addresses.count()
            invitations = lottery.invitations.count()
            if not (expired or addresses or invitations):
                continue
            _tally(lottery, expired)
            Respondent.objects.filter(pk__in=[r.pk for r in expired]).delete()
            lottery.invitations.all().delete()
            lottery.addresses.all().delete()
            purged["respondents"] += len(expired)
            purged["addresses"] += addresses
            purged["invitations"] += invitations
            audit.record(None, "lottery.purge", lottery,
                         after={"respondents": len(expired), "addresses": addresses, "invitations": invitations},
                         context=context or AuditContext.command())
    return purged


# --- Representativeness ---------------------------------------------------------

def representativeness(lottery: Lottery) -> list[dict[str, Any]]:
    """Per quota value: population share, respondents, panel and confirmed members (live + purged counts)."""
    tallies = {(t.category, t.value): t for t in lottery.tallies.all()}
    live = list(lottery.respondents.all())
    rows = []
    for quota in lottery.quotas.all():
        key = (quota.category, quota.value)
        tally = tallies.get(key)
        mine = [r for r in live if r.features.get(quota.category) == quota.value]
        panel = [r for r in mine if r.status in (Respondent.Status.SELECTED, Respondent.Status.CONFIRMED)]
        rows.append({
            "category": quota.category, "value": quota.value, "min": quota.min, "max": quota.max,
            "population_share": quota.population_share,
            "respondents": len(mine) + (tally.respondents if tally else 0),
            "panel": len(panel) + (tally.selected if tally else 0),
            "members": sum(r.status == Respondent.Status.CONFIRMED for r in mine) + (tally.confirmed if tally else 0),
        })
    for row in rows:
        for key in ("respondents", "panel", "members"):
            total = sum(r[key] for r in rows if r["category"] == row["category"])
            row[f"{key}_share"] = row[key] / total if total else 0.0
    return rows


# --- Recommendations and the council's response ---------------------------------

@transaction.atomic
def publish_recommendation(actor: Any, assembly: Assembly, *, title: str, text: str, support_share: float,
                           adopted_on: date, source_draft: int | None = None,
                           context: AuditContext | None = None) -> Recommendation:
    """Publish a recommendation the assembly adopted.

    The live room (which depends on this app, not the other way round) calls this with
    ``source_draft`` when a draft's final vote passes; publishing the same draft again returns the
    recommendation already published.
    """
    require(actor, "assembly.manage")
    if source_draft is not None:
        existing = assembly.recommendations.filter(source_draft=source_draft).first()
        if existing is not None:
            return existing
    title, text = title.strip(), text.strip()
    if not title or not text:
        raise ValidationError("A recommendation needs a title and its text.")
    if not 0 <= support_share <= 1:
        raise ValidationError("The support share is between 0 and 1 (e.g. 0.86 for 86%).")
    number = (assembly.recommendations.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    rec = Recommendation.objects.create(assembly=assembly, number=number, title=title, text=text,
                                        support_share=support_share, adopted_on=adopted_on, source_draft=source_draft)
    audit.record(actor, "recommendation.publish", rec, after={"number": number, "title": title}, context=_where(context))
    _notify(assembly, "recommendation", recommendation=rec.pk)
    return rec


@transaction.atomic
def record_response(actor: Any, rec: Recommendation, *, decision: str, reasons: str, responsible_service: str,
                    due_date: date | None, context: AuditContext | None = None) -> Recommendation:
    require(actor, "assembly.manage")
    if decision not in Recommendation.Decision.values or decision == Recommendation.Decision.PENDING:
        raise ValidationError("Choose accepted, accepted in part or not accepted.")
    if not reasons.strip():
        raise ValidationError("Give the council's reasons.")
    before = {"decision": rec.decision}
    rec.decision, rec.reasons, rec.responsible_service = decision, reasons.strip(), responsible_service.strip()
    rec.due_date, rec.responded_on = due_date, timezone.localdate()
    rec.save()
    audit.record(actor, "recommendation.respond", rec, before=before,
                 after={"decision": decision, "service": rec.responsible_service}, context=_where(context))
    _notify(rec.assembly, "recommendation", recommendation=rec.pk)
    return rec


@transaction.atomic
def add_progress_update(actor: Any, rec: Recommendation, *, on: date, text: str,
                        context: AuditContext | None = None) -> RecommendationUpdate:
    require(actor, "assembly.manage")
    if not text.strip():
        raise ValidationError("Write the update.")
    update = RecommendationUpdate.objects.create(recommendation=rec, on=on, text=text.strip())
    audit.record(actor, "recommendation.update", rec, after={"on": on.isoformat()}, context=_where(context))
    return update


def recommendations_data(assembly: Assembly) -> dict[str, Any]:
    """The public tracker's data (also the JSON export): no personal data."""
    recs = assembly.recommendations.prefetch_related("updates")
    return {
        "assembly": assembly.slug,
        "name": assembly.name,
        "question": assembly.question,
        "recommendations": [
            {
                "number": r.number, "title": r.title, "text": r.text, "support_share": r.support_share,
                "adopted_on": r.adopted_on.isoformat(), "decision": r.decision,
                "decision_label": str(r.get_decision_display()), "reasons": r.reasons,
                "responsible_service": r.responsible_service,
                "due_date": r.due_date.isoformat() if r.due_date else None,
                "responded_on": r.responded_on.isoformat() if r.responded_on else None,
                "updates": [{"on": u.on.isoformat(), "text": u.text} for u in r.updates.all()],
            }
            for r in recs
        ],
    }


EXPORT_COLUMNS = ["number", "title", "support_share", "adopted_on", "decision", "reasons", "responsible_service",
                  "due_date", "responded_on", "updates"]


def export_rows(actor: Any, assembly: Assembly) -> list[list[Any]]:
    require(actor, "assembly.manage")
    rows = []
    for r in recommendations_data(assembly)["recommendations"]:
        rows.append([r["number"], r["title"], r["support_share"], r["adopted_on"], r["decision_label"], r["reasons"],
                     r["responsible_service"], r["due_date"] or "", r["responded_on"] or "",
                     " | ".join(f"{u['on']}: {u['text']}" for u in r["updates"])])
    return rows


def now() -> datetime:
    return timezone.now()
