"""The one way to change assemblies: views, the admin, commands, the lottery and tests call these.

Each function checks the actor's permission, writes in one transaction, appends to the audit log
in that transaction and announces the change on commit (Zulip's check → do → notify).
Officers and administrators hold ``assembly.manage``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from accounts.permissions import can, require
from audit import services as audit
from audit.context import AuditContext
from civic.events import send_event_on_commit
from councils.models import Council
from councils.services import current_council

from .models import Assembly, Membership, Session


def assembly_group(assembly_id: int) -> str:
    """The channel-layer group that hears about changes to one assembly."""
    return f"assembly.{assembly_id}"


def _notify(assembly: Assembly, change: str, **data: Any) -> None:
    send_event_on_commit(
        assembly_group(assembly.pk), {"type": "assembly.changed", "change": change, "assembly": assembly.pk, **data}
    )


@transaction.atomic
def create_assembly(
    actor: Any,
    *,
    name: str,
    question: str,
    remit: str = "",
    council: Council | None = None,
    slug: str = "",
    status: str = Assembly.Status.DRAFT,
    context: AuditContext,
) -> Assembly:
    """An officer convenes an assembly (of the deployment's council unless ``council`` is given)."""
    require(actor, "assembly.manage")
    council = council or current_council()
    if council is None:
        raise ValidationError("Set up the council before convening an assembly.")
    name, question = name.strip(), question.strip()
    if not name or not question:
        raise ValidationError("An assembly needs a name and a question.")
    if status not in Assembly.Status.values:
        raise ValidationError(f"Unknown assembly status {status!r}.")
    slug = slugify(slug or name)[:80] or "assembly"
    if Assembly.objects.filter(council=council, slug=slug).exists():
        raise ValidationError(f"The council already has an assembly with the slug {slug!r}.")
    assembly = Assembly.objects.create(
        council=council, name=name, slug=slug, question=question, remit=remit.strip(), status=status
    )
    audit.record(actor, "assembly.create", assembly, after={"name": name, "status": status}, context=context)
    _notify(assembly, "created")
    return assembly


@transaction.atomic
def set_assembly_status(actor: Any, assembly: Assembly, status: str, *, context: AuditContext) -> Assembly:
    require(actor, "assembly.manage")
    if status not in Assembly.Status.values:
        raise ValidationError(f"Unknown assembly status {status!r}.")
    before = {"status": assembly.status}
    assembly.status = status
    assembly.save(update_fields=["status"])
    audit.record(actor, "assembly.status", assembly, before=before, after={"status": status}, context=context)
    _notify(assembly, "status", status=status)
    return assembly


@transaction.atomic
def add_member(
    actor: Any,
    assembly: Assembly,
    user: Any,
    *,
    role: str = Membership.Role.MEMBER,
    categories: dict[str, str] | None = None,
    context: AuditContext,
) -> Membership:
    """Seat ``user`` in ``assembly`` with ``role``; seating someone already there updates their role."""
    require(actor, "assembly.manage")
    if role not in Membership.Role.values:
        raise ValidationError(f"Unknown membership role {role!r}.")
    membership, created = Membership.objects.select_for_update().get_or_create(
        assembly=assembly, user=user, defaults={"role": role, "categories": categories or {}}
    )
    before = None if created else {"role": membership.role, "categories": membership.categories}
    if not created:
        membership.role = role
        if categories is not None:
            membership.categories = categories
        membership.save(update_fields=["role", "categories"])
    audit.record(
        actor, "assembly.member_add" if created else "assembly.member_update", membership,
        before=before, after={"role": role, "user": user.pk}, context=context,
    )
    _notify(assembly, "membership", user=user.pk, role=role)
    return membership


@transaction.atomic
def remove_member(actor: Any, membership: Membership, *, context: AuditContext) -> None:
    require(actor, "assembly.manage")
    assembly = membership.assembly
    audit.record(
        actor, "assembly.member_remove", membership,
        before={"role": membership.role, "user": membership.user_id}, context=context,
    )
    membership.delete()
    _notify(assembly, "membership_removed", user=membership.user_id)


@transaction.atomic
def create_session(
    actor: Any,
    assembly: Assembly,
    *,
    title: str,
    starts_at: datetime,
    status: str = Session.Status.SCHEDULED,
    context: AuditContext,
) -> Session:
    """Schedule a sitting of ``assembly``."""
    require(actor, "assembly.manage")
    title = title.strip()
    if not title:
        raise ValidationError("A session needs a title.")
    if status not in Session.Status.values:
        raise ValidationError(f"Unknown session status {status!r}.")
    session = Session.objects.create(assembly=assembly, title=title, starts_at=starts_at, status=status)
    audit.record(
        actor, "assembly.session_create", session,
        after={"title": title, "starts_at": starts_at.isoformat(), "status": status}, context=context,
    )
    _notify(assembly, "session", session=session.pk)
    return session


@transaction.atomic
def set_session_status(actor: Any, session: Session, status: str, *, context: AuditContext) -> Session:
    require(actor, "assembly.manage")
    if status not in Session.Status.values:
        raise ValidationError(f"Unknown session status {status!r}.")
    before = {"status": session.status}
    session.status = status
    session.save(update_fields=["status"])
    audit.record(actor, "assembly.session_status", session, before=before, after={"status": status}, context=context)
    _notify(session.assembly, "session_status", session=session.pk, status=status)
    return session


# --- Reading ------------------------------------------------------------------

def membership_of(user: Any, assembly_id: int) -> Membership | None:
    """The user's seat in the assembly, or None."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return Membership.objects.filter(assembly_id=assembly_id, user=user).first()


def memberships_for(user: Any) -> list[Membership]:
    """The assemblies a person sits on (for their /me/ page), newest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Membership.objects.filter(user=user).select_related("assembly").order_by("-assembly__created_at"))


def can_manage(user: Any) -> bool:
    return can(user, "assembly.manage")
