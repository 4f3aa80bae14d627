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

from .models import Area, Council

MANAGE = "admin.site"


def current_council() -> Council | None:
    """The council this deployment serves (the first one), or None before set-up."""
    return Council.objects.order_by("pk").first()


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
    _require(actor)
    created = council.pk is None
    council.save()
    after = {field: str(getattr(council, field)) for field in changed}
    audit.record(actor, "council.create" if created else "council.update", council, after=after, context=context)
    return council


@transaction.atomic
def save_area(actor: Any, area: Area, *, changed: list[str], context: AuditContext) -> Area:
    """Create or update a ward."""
    _require(actor)
    created = area.pk is None
    area.save()
    after = {field: str(getattr(area, field)) for field in changed}
    audit.record(actor, "area.create" if created else "area.update", area, after=after, context=context)
    return area


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
