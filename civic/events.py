"""Live events leave only after their transaction commits (Zulip's ``send_event_on_commit``).

A service that changes state calls :func:`send_event_on_commit` inside its transaction; the event
is handed to the channel layer by ``transaction.on_commit``, so a rolled-back change is never
announced and a committed one always is. Consumers never broadcast by themselves.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def send_event_now(group: str, message: dict[str, Any]) -> None:
    """Hand ``message`` (a Channels message: ``{"type": handler, ...}``) to every member of ``group``."""
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group, message)


def send_event_on_commit(group: str, message: dict[str, Any], *, using: str | None = None) -> None:
    """Broadcast ``message`` to ``group`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send_event_now(group, message), using=using)
