"""Who may do what: the one table. Services call ``require``; templates use ``{% load civic_perms %}``.

Both go through ``user.has_perm``, answered by ``accounts.backends.RolePermissionBackend`` from
this table, so a role never appears as a string outside it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from .models import Role

ADMIN_SITE = "admin.site"

# capability -> roles that hold it. One table, so the permission matrix test reads it.
CAPABILITIES: dict[str, frozenset[str]] = {
    "officer.dashboard": frozenset({Role.OFFICER, Role.ADMINISTRATOR}),
    "audit.view": frozenset({Role.ADMINISTRATOR}),
    "pb.manage": frozenset({Role.OFFICER, Role.ADMINISTRATOR}),
    "assembly.manage": frozenset({Role.OFFICER, Role.ADMINISTRATOR}),
    "assembly.facilitate": frozenset({Role.FACILITATOR, Role.OFFICER, Role.ADMINISTRATOR}),
    "assembly.participate": frozenset(
        {Role.ASSEMBLY_MEMBER, Role.FACILITATOR, Role.OFFICER, Role.ADMINISTRATOR}
    ),
    "moderate": frozenset({Role.OFFICER, Role.ADMINISTRATOR}),
    "users.manage": frozenset({Role.ADMINISTRATOR}),
    # The Django admin site (and every model permission in it).
    ADMIN_SITE: frozenset({Role.ADMINISTRATOR}),
}

MFA_REQUIRED_ROLES = frozenset({Role.OFFICER, Role.ADMINISTRATOR})


def can(user: Any, capability: str) -> bool:
    """Whether ``user`` holds ``capability`` (a key of CAPABILITIES; a typo raises KeyError)."""
    if capability not in CAPABILITIES:
        raise KeyError(f"Unknown capability {capability!r}")
    if user is None:
        return False
    return bool(user.has_perm(capability))


def require(user: Any, capability: str) -> None:
    """Raise PermissionDenied unless ``user`` holds ``capability``."""
    if not can(user, capability):
        raise PermissionDenied(f"You do not have permission to do this ({capability}).")


def requires_mfa(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in MFA_REQUIRED_ROLES
