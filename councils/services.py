"""Service functions for the organisation slice: read the council, change it (audited).

Changes follow check → do → record. ``councils`` sits below ``accounts`` (accounts import it), so
the check asks ``actor.has_perm`` — answered from ``accounts.permissions.CAPABILITIES`` by the
``RolePermissionBackend`` — rather than importing ``accounts``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from audit import services as audit
from audit.context import AuditContext
from civic.rows import fetch_one

from .models import Area, Council

MANAGE = "admin.site"


def current_council() -> Council | None:
    """The council this deployment serves (the first one), or None before set-up.

    Every page's header asks (``civic.context_processors.council``): read without a QuerySet."""
    return fetch_one(Council, order_by=Council._meta.pk.column)


def areas_of(council: Council | None) -> list[Area]:
    if council is None:
        return []
    return list(council.areas.all())


def _require(actor: Any) -> None:
    if actor is None or not actor.has_perm(MANAGE):
        raise PermissionDenied(f"You do not have permission to do this ({MANAGE}).")


@transaction.atomic
def save_council(actor: Any, council: Council, *, changed: list[str], context: AuditContext) -> Council:
    """Create or update the council's details; ``changed`` names the fields that changed."""
    _save(actor, council, "council", changed, context)
    return council


@transaction.atomic
def save_area(actor: Any, area: Area, *, changed: list[str], context: AuditContext) -> Area:
    """Create or update a ward."""
    _save(actor, area, "area", changed, context)
    return area


def _save(actor: Any, obj: Council | Area, kind: str, changed: list[str], context: AuditContext) -> None:
    """Check, save and audit ``obj`` as ``<kind>.create`` or ``<kind>.update`` with the changed fields."""
    _require(actor)
    created = obj.pk is None
    obj.save()
    after = {field: str(getattr(obj, field)) for field in changed}
    audit.record(actor, f"{kind}.create" if created else f"{kind}.update", obj, after=after, context=context)


@transaction.atomic
def delete_area(actor: Any, area: Area, *, context: AuditContext) -> None:
    _require(actor)
    audit.record(actor, "area.delete", area, before={"name": area.name, "slug": area.slug}, context=context)
    area.delete()


@transaction.atomic
def delete_council(actor: Any, council: Council, *, context: AuditContext) -> None:
    _require(actor)
    audit.record(actor, "council.delete", council, before={"name": council.name}, context=context)
    council.delete()
