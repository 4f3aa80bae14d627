"""The one way to change accounts: views, commands and tests all call these.

Each action checks permission first, writes in a transaction, and (for officer
and administrator actions) appends to the audit log in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from audit import services as audit

from .models import EqualityMonitoring, Profile, Role, User
from .permissions import require


def profile_of(user: User) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def update_profile(user: User, *, display_name: str, area: Any, postcode: str) -> Profile:
    profile = profile_of(user)
    user.display_name = display_name.strip()
    user.save(update_fields=["display_name"])
    profile.area = area
    profile.postcode = postcode.strip().upper()
    profile.save()
    return profile


@transaction.atomic
def save_equality_monitoring(user: User, answers: dict[str, str]) -> EqualityMonitoring:
    """Store the answers; consent is recorded with a timestamp (the form requires it)."""
    record, _ = EqualityMonitoring.objects.update_or_create(
        user=user,
        defaults={**answers, "consented_at": timezone.now()},
    )
    return record


@transaction.atomic
def delete_equality_monitoring(user: User) -> bool:
    """Delete the person's answers entirely; returns whether anything was deleted."""
    deleted, _ = EqualityMonitoring.objects.filter(user=user).delete()
    return deleted > 0


@transaction.atomic
def change_role(actor: User, target: User, role: str, *, request: Any = None) -> User:
    """An administrator gives an account a role. Audited."""
    require(actor, "users.manage")
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    before = {"role": target.role}
    target.role = role
    target.is_staff = role == Role.ADMINISTRATOR
    target.save(update_fields=["role", "is_staff"])
    audit.record(actor, "account.change_role", target, before=before, after={"role": role}, request=request)
    return target


@transaction.atomic
def delete_account(user: User) -> None:
    """Delete a person's account and the personal data hanging off it.

    Profile and equality answers go with the user row (CASCADE). Audit entries keep
    only the email snapshot, because the council must be able to account for
    officer actions after the officer leaves.
    """
    if user.role in (Role.OFFICER, Role.ADMINISTRATOR):
        audit.record(user, "account.delete", user, before={"role": user.role})
    user.delete()
