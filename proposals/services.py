"""Every change to processes and ideas: check permission → do → audit log → live event."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.permissions import can, require
from audit.context import AuditContext
from audit.services import record
from civic.events import send_event_on_commit

from .models import (
    PHASE_ORDER,
    AbuseReport,
    Comment,
    Delivery,
    DeliveryUpdate,
    Idea,
    IdeaStatus,
    Phase,
    Process,
    Support,
    WardBudget,
)

PROCESS_FIELDS = (
    "slug", "title", "description", "currency", "total_budget", "wards_counted_apart", "ideas_open",
    "voting_opens", "voting_closes", "ballot_type", "rule", "min_selections", "max_selections",
    "points_total", "seats", "require_ward_residence", "require_verified_email", "minimum_age", "adjustments",
)
# Fixed once voting opens: changing them would change the meaning of ballots already cast.
FROZEN_AT_VOTING = {"ballot_type", "rule", "min_selections", "max_selections", "points_total", "seats",
                    "adjustments", "total_budget", "wards_counted_apart"}


def _frozen_value(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, dict):
        return str(sorted(value.items()))
    return str(value)


def group(process: Process) -> str:
    return f"pb.{process.slug}"


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = str(value) if isinstance(value, Decimal) or hasattr(value, "isoformat") else value
    return out


@transaction.atomic
def create_process(actor, data: dict[str, Any], ward_budgets: dict[Any, Decimal] | None = None, *,
                   context: AuditContext) -> Process:
    require(actor, "pb.manage")
    process = Process.objects.create(**{k: v for k, v in data.items() if k in PROCESS_FIELDS or k == "council"})
    for area, budget in (ward_budgets or {}).items():
        WardBudget.objects.create(process=process, area=area, budget=budget)
    record(actor, "pb.process.create", process, after=_snapshot(process, PROCESS_FIELDS), context=context)
    return process


@transaction.atomic
def update_process(actor, process: Process, data: dict[str, Any], *, context: AuditContext) -> Process:
    require(actor, "pb.manage")
    process = Process.objects.select_for_update().get(pk=process.pk)
    before = _snapshot(process, PROCESS_FIELDS)
    if process.phase_index() >= PHASE_ORDER.index(Phase.VOTING):
        changed = {k for k in FROZEN_AT_VOTING if k in data and _frozen_value(data[k]) != _frozen_value(getattr(process, k))}
        if changed:
            raise ValidationError(
                f"These are fixed once voting has opened: {', '.join(sorted(changed))}.")
    for key, value in data.items():
        if key in PROCESS_FIELDS:
            setattr(process, key, value)
    process.full_clean()
    process.save()
    record(actor, "pb.process.update", process, before=before, after=_snapshot(process, PROCESS_FIELDS),
           context=context)
    return process


def move_phase(actor, process: Process, phase: str, *, context: AuditContext) -> Process:
    """Move to another phase. Counting and results are reached only by closing the vote
    (``voting.services.close_voting``), which enqueues the count."""
    require(actor, "pb.manage")
    if phase not in PHASE_ORDER:
        raise ValidationError(f"Unknown phase {phase!r}.")
    if phase in (Phase.COUNTING, Phase.RESULTS):
        raise ValidationError("Results come from the count: close voting to start it.")
    with transaction.atomic():
        process = Process.objects.select_for_update().get(pk=process.pk)
        if process.phase in (Phase.COUNTING,) or (
                process.phase == Phase.RESULTS and phase != Phase.DELIVERY):
            raise ValidationError("The count has started; the only step left is delivery.")
        if phase == Phase.VOTING and not process.ideas.filter(status=IdeaStatus.FEASIBLE, hidden=False).exists():
            raise ValidationError("No idea is on the ballot yet: record feasibility verdicts first.")
        before = process.phase
        process.phase = phase
        process.save(update_fields=["phase"])
        record(actor, "pb.process.phase", process, before={"phase": before}, after={"phase": phase}, context=context)
        send_event_on_commit(group(process), {"type": "pb.phase", "phase": phase})
    return process


def _require_phase(process: Process, *phases: str, what: str) -> None:
    if process.phase not in phases:
        raise PermissionDenied(f"{what} is not possible in the {process.get_phase_display()} phase.")


@transaction.atomic
def submit_idea(actor, process: Process, data: dict[str, Any], *, context: AuditContext) -> Idea:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Sign in to submit an idea.")
    _require_phase(process, Phase.IDEAS, what="Submitting ideas")
    idea = Idea.objects.create(process=process, author=actor, **data)
    record(actor, "pb.idea.submit", idea, after={"title": idea.title, "cost": str(idea.estimated_cost)},
           context=context)
    send_event_on_commit(group(process), {"type": "pb.idea", "idea": idea.pk})
    return idea


@transaction.atomic
def edit_idea(actor, idea: Idea, data: dict[str, Any], *, context: AuditContext) -> Idea:
    if not (idea.author_id == getattr(actor, "pk", None) or can(actor, "pb.manage")):
        raise PermissionDenied("Only the author can edit this idea.")
    _require_phase(idea.process, Phase.IDEAS, what="Editing ideas")
    before = {k: str(getattr(idea, k)) for k in data}
    for key, value in data.items():
        setattr(idea, key, value)
    idea.save()
    record(actor, "pb.idea.edit", idea, before=before, after={k: str(v) for k, v in data.items()}, context=context)
    return idea


def support(actor, idea: Idea, *, context: AuditContext) -> bool:
    """Support an idea once; False if this person already supported it (the DB constraint decides)."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Sign in to support an idea.")
    _require_phase(idea.process, Phase.IDEAS, Phase.SUPPORTS, what="Supporting ideas")
    if idea.hidden:
        raise PermissionDenied("This idea is hidden.")
    try:
        with transaction.atomic():
            Support.objects.create(idea=idea, user=actor)
            Idea.objects.filter(pk=idea.pk).update(support_count=F("support_count") + 1)
            record(actor, "pb.idea.support", idea, context=context)
            send_event_on_commit(group(idea.process), {"type": "pb.support", "idea": idea.pk})
    except IntegrityError:
        return False
    return True


@transaction.atomic
def comment(actor, idea: Idea, body: str, *, context: AuditContext) -> Comment:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Sign in to comment.")
    if idea.hidden:
        raise PermissionDenied("This idea is hidden.")
    created = Comment.objects.create(idea=idea, author=actor, body=body)
    record(actor, "pb.comment", idea, after={"comment": created.pk}, context=context)
    return created


@transaction.atomic
def report_abuse(actor, idea: Idea, reason: str, *, comment: Comment | None = None,
                 context: AuditContext) -> AbuseReport:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("Sign in to report abuse.")
    report = AbuseReport.objects.create(idea=idea, comment=comment, reporter=actor, reason=reason)
    record(actor, "pb.abuse.report", idea, after={"reason": reason}, context=context)
    return report


@transaction.atomic
def hide_idea(actor, idea: Idea, reason: str, *, context: AuditContext) -> Idea:
    require(actor, "moderate")
    if not reason.strip():
        raise ValidationError("Hiding an idea needs a public reason.")
    idea.hidden, idea.hidden_reason = True, reason.strip()
    idea.save(update_fields=["hidden", "hidden_reason"])
    idea.reports.update(resolved=True)
    record(actor, "pb.idea.hide", idea, after={"reason": idea.hidden_reason}, context=context)
    return idea


@transaction.atomic
def merge_idea(actor, duplicate: Idea, into: Idea, *, context: AuditContext) -> Idea:
    require(actor, "moderate")
    if duplicate.pk == into.pk or duplicate.process_id != into.process_id:
        raise ValidationError("An idea can only be merged into another idea of the same process.")
    duplicate.merged_into = into
    duplicate.hidden = True
    duplicate.hidden_reason = f"Merged into “{into.title}”."
    duplicate.save(update_fields=["merged_into", "hidden", "hidden_reason"])
    # Supporters of the duplicate now support the idea it was merged into (once each).
    for user_id in duplicate.supports.values_list("user_id", flat=True):
        _, created = Support.objects.get_or_create(idea=into, user_id=user_id)
        if created:
            Idea.objects.filter(pk=into.pk).update(support_count=F("support_count") + 1)
    record(actor, "pb.idea.merge", duplicate, after={"into": into.pk}, context=context)
    return duplicate


@transaction.atomic
def record_feasibility(actor, idea: Idea, feasible: bool, explanation: str, revised_cost: Decimal | None, *,
                       context: AuditContext) -> Idea:
    require(actor, "pb.manage")
    if idea.process.phase_index() >= PHASE_ORDER.index(Phase.VOTING):
        raise ValidationError("The ballot is fixed once voting opens.")
    if not explanation.strip():
        raise ValidationError("A feasibility verdict needs a public explanation.")
    before = {"status": idea.status, "revised_cost": str(idea.revised_cost)}
    idea.status = IdeaStatus.FEASIBLE if feasible else IdeaStatus.INFEASIBLE
    idea.feasibility_note = explanation.strip()
    idea.revised_cost = revised_cost
    idea.save(update_fields=["status", "feasibility_note", "revised_cost"])
    record(actor, "pb.idea.feasibility", idea, before=before,
           after={"status": idea.status, "revised_cost": str(revised_cost)}, context=context)
    send_event_on_commit(group(idea.process), {"type": "pb.idea", "idea": idea.pk})
    return idea


@transaction.atomic
def update_delivery(actor, idea: Idea, status: str, note: str, date, *, context: AuditContext) -> DeliveryUpdate:
    require(actor, "pb.manage")
    if idea.status != IdeaStatus.SELECTED:
        raise ValidationError("Only funded projects have a delivery status.")
    if status not in Delivery.values or not status:
        raise ValidationError("Unknown delivery status.")
    if status == Delivery.DROPPED and not note.strip():
        raise ValidationError("Dropping a funded project needs a public reason.")
    idea.delivery_status, idea.delivery_note = status, note
    idea.save(update_fields=["delivery_status", "delivery_note"])
    update = DeliveryUpdate.objects.create(idea=idea, date=date, status=status, note=note)
    record(actor, "pb.idea.delivery", idea, after={"status": status, "note": note}, context=context)
    return update
