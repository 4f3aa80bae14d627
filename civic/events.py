"""Live events leave only after their transaction commits (Zulip's ``send_event_on_commit``).

A service that changes state calls :func:`send_event_on_commit` inside its transaction; the event
is handed to the channel layer by ``transaction.on_commit``, so a rolled-back change is never
announced and a committed one always is. Consumers never broadcast by themselves.

From synchronous code (views, tasks, commands) the on-commit hook sends the event at once, through
``async_to_sync``. An async caller (a WebSocket consumer) that runs a service in its database
thread uses :func:`call_and_send` instead: the events that commit during the call are kept, in
commit order, and handed to the event loop as the call finishes. The database thread then never
waits for the event loop: from that thread, ``async_to_sync(group_send)`` queued behind whatever
the loop was doing (fanning the previous event out to hundreds of connections) and held up every
later action's transaction with it (measured with ``benchmarks/live_room.py``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

Outbox = list[tuple[str, dict[str, Any]]]

_held = threading.local()


def send_event_now(group: str, message: dict[str, Any]) -> None:
    """Hand ``message`` (a Channels message: ``{"type": handler, ...}``) to every member of ``group``.

    Inside :func:`held_events` the message is kept for the caller to send instead.
    """
    outbox: Outbox | None = getattr(_held, "outbox", None)
    if outbox is not None:
        outbox.append((group, message))
        return
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group, message)


def send_event_on_commit(group: str, message: dict[str, Any], *, using: str | None = None) -> None:
    """Broadcast ``message`` to ``group`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send_event_now(group, message), using=using)


@contextmanager
def held_events(outbox: Outbox | None = None) -> Iterator[Outbox]:
    """Keep the events that commit in this thread during the block, in order, instead of sending them.

    The caller must send what the list holds (:func:`send_events`), also when the block raised:
    an event whose transaction committed before the error is still owed to the room.
    """
    outer: Outbox | None = getattr(_held, "outbox", None)
    held: Outbox = [] if outbox is None else outbox
    _held.outbox = held
    try:
        yield held
    finally:
        _held.outbox = outer
        if outer is not None:
            # Nested: the outer block's owner sends them, after the ones already held.
            outer.extend(held)
            held.clear()


async def send_events(outbox: Outbox) -> None:
    """Send held events from the event loop, in the order they committed."""
    layer = get_channel_layer()
    if layer is None:
        return
    for group, message in outbox:
        await layer.group_send(group, message)


async def call_and_send[**P, R](func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run the synchronous ``func`` in the database thread; send the events it committed from the loop.

    Returns (or raises) what the call did, once its events are with the channel layer. The thread
    hands the events to the event loop as a task of their own as it finishes (it does not wait for
    it), so they leave in commit order, and leave even if the caller is cancelled meanwhile.
    """
    loop = asyncio.get_running_loop()
    sending: list[concurrent.futures.Future[None]] = []

    def run() -> R:
        outbox: Outbox = []
        try:
            with held_events(outbox):
                return func(*args, **kwargs)
        finally:
            if outbox:
                sending.append(asyncio.run_coroutine_threadsafe(send_events(outbox), loop))

    try:
        return await database_sync_to_async(run)()
    finally:
        for future in sending:
            await asyncio.wrap_future(future)
