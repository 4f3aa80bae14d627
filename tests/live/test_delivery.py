"""How a live event reaches each connection: without the database, and a table's events only to that table."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from deliberation import services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_a_live_event_is_delivered_while_the_database_thread_is_busy(room, connect):
    """A delivery must not wait for the process' database thread (where every action's transaction
    runs): Channels' default dispatch hops there before each message, so 500 connections queued 500
    hops per event in front of the next action."""
    alice = await connect(room.session, room.members[0])
    here = await alice.event("presence")
    release = threading.Event()
    busy = asyncio.ensure_future(sync_to_async(release.wait, thread_sensitive=True)())
    try:
        await asyncio.sleep(0.05)
        event = {"type": "message.post", "seq": here["seq"] + 1, "at": here["at"], "actor": None,
                 "data": {"id": 1, "text": "while the database thread is busy", "author": None}}
        await get_channel_layer().group_send(
            services.room_group(room.session.pk), {"type": "room.event", "seq": event["seq"], "text": json.dumps(event)}
        )
        assert await alice.at(event["seq"], timeout=3) == event
        assert not busy.done()
    finally:
        release.set()
        await busy


async def test_a_table_message_reaches_its_table_and_the_facilitator_and_others_get_a_stub(room, connect):
    chair = await connect(room.session, room.facilitator)
    people = [await connect(room.session, member) for member in room.members[:4]]
    allocated = await chair.call("tables.allocate", {"size": 2, "present_only": True})
    tables = (await chair.at(allocated["seq"]))["data"]["tables"]
    table_of = {user: int(number) for number, users in tables.items() for user in users}
    author = people[0]
    mate = next(p for p in people[1:] if table_of[p.user.pk] == table_of[author.user.pk])
    stranger = next(p for p in people[1:] if table_of[p.user.pk] != table_of[author.user.pk])

    posted = await author.call("message.post", {"text": "Only for our table"})
    seq = posted["seq"]
    for client in (author, mate, chair):
        event = await client.at(seq)
        assert event["data"]["text"] == "Only for our table" and event["table"] == table_of[author.user.pk]
    stub = await stranger.at(seq)
    assert stub["redacted"] is True and stub["data"] == {} and stub["actor"] is None
    assert stub["table"] == table_of[author.user.pk]
    # The next room-wide event reaches everyone, in order after the stub.
    after = await chair.call("agenda.add", {"title": "Report back", "seconds": 300})
    for client in (author, mate, stranger, chair):
        await client.wait_seq(after["seq"])
        seqs = [e["seq"] for e in client.events]
        assert seqs == sorted(set(seqs))
    stored = await database_sync_to_async(services.latest_seq)(room.session.pk)
    assert stored == after["seq"]
