"""The one way to write the audit log: every officer action calls ``record``."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEntry


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request: Any = None,
) -> AuditEntry:
    """Append one entry. Call inside the action's transaction so both commit or neither."""
    ip = None
    if request is not None:
        ip = request.META.get("REMOTE_ADDR") or None
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=actor_obj,
        actor_label=(actor_obj.email if actor_obj is not None else "system"),
        action=action,
        object_type=(obj._meta.label if obj is not None else ""),
        object_id=(str(obj.pk) if obj is not None else ""),
        object_label=(str(obj)[:255] if obj is not None else ""),
        before=before,
        after=after,
        ip_address=ip,
    )


def recent(limit: int = 200) -> list[AuditEntry]:
    return list(AuditEntry.objects.select_related("actor")[:limit])
