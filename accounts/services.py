"""The one way to change accounts: views, commands and tests all call these.

Each action has the same shape (STYLE.md §2): **check** (the actor may do it, the input is
valid), **do** (write, in one transaction), **record** (``audit.services.record`` with the
caller's :class:`~audit.context.AuditContext`, in the same transaction) and, where someone
may be listening, **notify** (``civic.events.send_event_on_commit``, sent only on commit).
Services take the acting user and an audit context, never an HTTP request.

Self-service actions are recorded without the personal data they change: the log says that a
person changed their details, from where, not what the details are.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from audit.context import AuditContext
from civic.events import send_event_on_commit

from .models import EqualityMonitoring, Profile, Role, User
from .permissions import require


def user_group(user_id: int) -> str:
    """The channel-layer group of one person's open connections (``account.*`` events)."""
    return f"user.{user_id}"


def profile_of(user: User) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def _check_self_service(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("Sign in to change your account.")


@transaction.atomic
def update_profile(
    actor: User, *, display_name: str, area: Any, postcode: str, context: AuditContext
) -> Profile:
    """A person updates their own display name, ward and postcode."""
    _check_self_service(actor)
    profile = profile_of(actor)
    actor.display_name = display_name.strip()
    actor.save(update_fields=["display_name"])
    profile.area = area
    profile.postcode = postcode.strip().upper()
    profile.save()
    audit.record(actor, "account.update_profile", actor, context=context)
    return profile


@transaction.atomic
def save_equality_monitoring(actor: User, answers: dict[str, str], *, context: AuditContext) -> EqualityMonitoring:
    """Store a person's own answers; consent is recorded with a timestamp (the form requires it)."""
    _check_self_service(actor)
    record, _ = EqualityMonitoring.objects.update_or_create(
        user=actor,
        defaults={**answers, "consented_at": timezone.now()},
    )
    audit.record(actor, "account.equality_monitoring.save", actor, context=context)
    return record


@transaction.atomic
def delete_equality_monitoring(actor: User, *, context: AuditContext) -> bool:
    """Delete a person's own answers entirely; returns whether anything was deleted."""
    _check_self_service(actor)
    deleted, _ = EqualityMonitoring.objects.filter(user=actor).delete()
    if deleted:
        audit.record(actor, "account.equality_monitoring.delete", actor, context=context)
    return deleted > 0


@transaction.atomic
def change_role(actor: User, target: User, role: str, *, context: AuditContext) -> User:
    """An administrator gives an account a role. Audited; the person's open connections hear of it.

    The role is the only source of permissions, so ``is_superuser`` is always reset and
    ``is_staff`` (admin-site access) follows the role.
    """
    require(actor, "users.manage")
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    target = User.objects.select_for_update().get(pk=target.pk)
    before = {"role": target.role}
    target.role = role
    target.is_staff = role == Role.ADMINISTRATOR
    target.is_superuser = False
    target.save(update_fields=["role", "is_staff", "is_superuser"])
    audit.record(actor, "account.change_role", target, before=before, after={"role": role}, context=context)
    send_event_on_commit(user_group(target.pk), {"type": "account.role_changed", "role": role})
    return target


@transaction.atomic
def delete_account(actor: User, *, context: AuditContext) -> None:
    """A person deletes their own account and the personal data hanging off it.

    Profile and equality answers go with the user row (CASCADE). Audit entries keep
    only the email snapshot, because the council must be able to account for
    officer actions after the officer leaves.
    """
    _check_self_service(actor)
    if actor.role in (Role.OFFICER, Role.ADMINISTRATOR):
        audit.record(actor, "account.delete", actor, before={"role": actor.role}, context=context)
    actor.delete()
