"""Authentication backends: one signs people in, one answers every permission question.

``RolePermissionBackend`` is the only source of permissions: it reads the CAPABILITIES table
(``accounts.permissions``) for civic's capabilities (``"pb.manage"``) and grants Django's model
permissions (``"accounts.change_user"``, the admin site) to the roles holding ``admin.site``.
Templates (``{% load civic_perms %}``), the admin and services all end up here through
``user.has_perm``. ``is_superuser``, groups and per-user permissions grant nothing extra:
``change_role`` keeps ``is_superuser`` off, and the sign-in backend answers no permission.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import ValidationError

from civic.rows import fetch_one

from .permissions import ADMIN_SITE, CAPABILITIES


def _holds(user: Any, capability: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return getattr(user, "role", None) in CAPABILITIES[capability]


class RolePermissionBackend(BaseBackend):
    """Permissions from the user's role; never authenticates anyone."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if perm in CAPABILITIES:
            return _holds(user_obj, perm)
        # Anything else is a Django model permission ("app_label.codename"): the admin site's.
        return "." in perm and _holds(user_obj, ADMIN_SITE)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return _holds(user_obj, ADMIN_SITE)

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return {capability for capability in CAPABILITIES if _holds(user_obj, capability)}


class SignInBackend(AuthenticationBackend):
    """allauth's email sign-in, with ModelBackend's permission answers switched off."""

    def get_user(self, user_id: Any) -> Any:
        """The signed-in user of a request: every signed-in request asks, so the row is read
        without a QuerySet (``civic.rows.fetch_one``; the same instance ModelBackend would give)."""
        from .models import User

        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = fetch_one(User, f"{User._meta.pk.column} = %s", [pk])
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False
