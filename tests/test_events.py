"""civic.events: an event leaves once its transaction commits, and only then; from an async caller,
the events a call committed are sent from the event loop, in order, whatever happens to the caller."""

from __future__ import annotations

import asyncio
import threading

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connections, transaction

from civic.events import call_and_send, send_event_on_commit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

GROUP = "events-test"


@pytest_asyncio.fixture(autouse=True)
async def close_the_database_thread_connection():
    """call_and_send runs in the database thread, which keeps its connection: close it, so the test
    database can be dropped."""
    yield
    await database_sync_to_async(connections.close_all)()


async def _listener() -> str:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(GROUP, channel)
    return channel


async def _received(channel: str, n: int) -> list[int]:
    layer = get_channel_layer()
    return [(await asyncio.wait_for(layer.receive(channel), 10))["n"] for _ in range(n)]


def _commit_events(*numbers: int) -> str:
    for n in numbers:
        with transaction.atomic():
            send_event_on_commit(GROUP, {"type": "test.event", "n": n})
    return "done"


async def test_events_committed_during_the_call_are_sent_in_commit_order_before_it_returns():
    channel = await _listener()
    assert await call_and_send(_commit_events, 1, 2, 3) == "done"
    assert await _received(channel, 3) == [1, 2, 3]


async def test_a_rolled_back_event_is_not_sent_and_a_committed_one_is_even_if_the_call_then_fails():
    channel = await _listener()

    def commit_then_fail() -> None:
        _commit_events(1)
        with transaction.atomic():
            send_event_on_commit(GROUP, {"type": "test.event", "n": 2})
            raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        await call_and_send(commit_then_fail)
    await call_and_send(_commit_events, 3)
    assert await _received(channel, 2) == [1, 3]


async def test_the_events_leave_even_if_the_caller_is_cancelled_while_the_call_runs():
    """A connection that closes mid-action must not swallow the room's event: the action committed."""
    channel = await _listener()
    started, release = threading.Event(), threading.Event()

    def slow_action() -> None:
        started.set()
        release.wait(10)
        _commit_events(7)

    caller = asyncio.ensure_future(call_and_send(slow_action))
    await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    release.set()
    assert await _received(channel, 1) == [7]
