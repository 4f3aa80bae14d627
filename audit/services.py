"""The one way to write the audit log: every officer action calls ``record``."""

from __future__ import annotations

from typing import Any

from django.db import models

from .context import AuditContext
from .models import AuditEntry


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    context: AuditContext,
) -> AuditEntry:
    """Append one entry. Call inside the action's transaction so both commit or neither.

    ``context`` says where the action came from (web, WebSocket, command, task): a view passes
    ``AuditContext.from_request(request)``, a consumer ``AuditContext.from_scope(self.scope)``.
    """
    entry = unsaved_entry(actor, action, obj, before=before, after=after, context=context)
    entry.save(force_insert=True)
    return entry


def unsaved_entry(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    context: AuditContext,
) -> AuditEntry:
    """The entry ``record`` would append, not yet saved: for a service that writes it in the same
    SQL statement as the action itself (one round trip; see ``voting.services._participate``)."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry(
        actor=actor_obj,
        actor_label=(actor_obj.email if actor_obj is not None else "system"),
        action=action,
        object_type=(obj._meta.label if obj is not None else ""),
        object_id=(str(obj.pk) if obj is not None else ""),
        object_label=(str(obj)[:255] if obj is not None else ""),
        before=before,
        after=after,
        ip_address=context.ip_address,
        user_agent=context.user_agent,
        channel=context.channel,
    )


def recent(limit: int = 200) -> list[AuditEntry]:
    return list(AuditEntry.objects.select_related("actor")[:limit])
