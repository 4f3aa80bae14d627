"""Per-session sequence numbers have no gaps and no duplicates, whoever sends and however concurrently."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async

from deliberation.models import RoomEvent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

SENDERS = 20
MESSAGES_EACH = 5


async def test_twenty_concurrent_senders_get_gapless_unique_seqs_seen_in_the_same_order_by_all(room, connect):
    clients = [await connect(room.session, member) for member in room.members[:SENDERS]]
    listener = await connect(room.session, room.facilitator)
    start = (await listener.until(lambda m: m["type"] == "synced"))["seq"]

    async def send_all(client, n):
        replies = []
        for i in range(MESSAGES_EACH):
            ids = [await client.send("statement.post", {"text": f"statement {n}-{i}"})]
            replies.append(await client.until(lambda m, ids=ids: m.get("id") == ids[0] and m["type"] in ("ack", "error")))
        return replies

    results = await asyncio.gather(*(send_all(c, n) for n, c in enumerate(clients)))
    acks = [r["seq"] for replies in results for r in replies]
    assert all(r["type"] == "ack" for replies in results for r in replies)
    assert len(acks) == len(set(acks)) == SENDERS * MESSAGES_EACH

    stored = await database_sync_to_async(
        lambda: list(RoomEvent.objects.filter(session=room.session).order_by("seq").values_list("seq", flat=True))
    )()
    assert stored == list(range(1, len(stored) + 1)), "gap or duplicate in the stored sequence"
    assert set(acks) <= set(stored)

    final = stored[-1]
    await listener.wait_seq(final, timeout=30)
    seen = [e["seq"] for e in listener.events if e["seq"] > start]
    assert seen == list(range(start + 1, final + 1)), "the listener missed, repeated or reordered an event"
    for client in clients:
        await client.wait_seq(final, timeout=30)
        received = [e["seq"] for e in client.events if e["seq"] > start]
        assert received == list(range(start + 1, final + 1))
