"""A client that drops and comes back with its last_seq misses nothing and receives nothing twice."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from deliberation.models import RoomEvent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_reconnect_with_last_seq_replays_exactly_the_fifty_missed_events_in_order_once(room, connect):
    chair = await connect(room.session, room.facilitator)
    alice = await connect(room.session, room.members[0])
    last_seq = (await alice.at((await alice.call("statement.post", {"text": "Before the drop"}))["seq"]))["seq"]
    await alice.close()

    # Others arrive (presence events), see alice leave, and talk until 50 events were missed.
    others = [await connect(room.session, m) for m in room.members[1:6]]
    await chair.until(lambda m: m.get("type") == "presence" and m["data"]["user"] == room.members[0].pk
                      and not m["data"]["here"])
    missed = await database_sync_to_async(RoomEvent.objects.filter(session=room.session, seq__gt=last_seq).count)()
    for i in range(50 - missed):
        await others[i % 5].call("statement.post", {"text": f"while away {i}"})
    stored = await database_sync_to_async(
        lambda: list(RoomEvent.objects.filter(session=room.session, seq__gt=last_seq).values_list("seq", "type"))
    )()
    assert len(stored) == 50

    back = await connect(room.session, room.members[0], hello=False)
    synced = await back.hello(last_seq)
    # Replay: exactly the 50 events (its own return is announced after synced, as a live event).
    replayed = [e for e in back.events if e["seq"] <= synced["seq"]]
    assert [e["seq"] for e in replayed] == [s for s, _ in stored]
    assert [e["type"] for e in replayed] == [t for _, t in stored]
    assert synced["seq"] == last_seq + 50
    # Live events continue after the replay, with no repeat.
    seq = (await chair.call("statement.post", {"text": "Welcome back"}))["seq"]
    await back.wait_seq(seq)
    seqs = [e["seq"] for e in back.events]
    assert seqs == sorted(set(seqs)) and seqs[:50] == [s for s, _ in stored]


async def test_resending_a_client_id_gets_the_same_ack_and_no_second_event(room, connect):
    alice = await connect(room.session, room.members[0])
    first = await alice.call("statement.post", {"text": "Only once"}, id="abc-1")
    count = await database_sync_to_async(RoomEvent.objects.count)()
    again = await alice.call("statement.post", {"text": "Only once"}, id="abc-1")
    assert first["type"] == again["type"] == "ack" and first["seq"] == again["seq"]
    assert await database_sync_to_async(RoomEvent.objects.count)() == count
    # The same id from someone else is their own message.
    bob = await connect(room.session, room.members[1])
    other = await bob.call("statement.post", {"text": "Mine"}, id="abc-1")
    assert other["seq"] > first["seq"]


async def test_hello_ahead_of_the_room_is_an_error_and_replays_from_the_start(room, connect):
    bob = await connect(room.session, room.members[1])
    seq = (await bob.call("statement.post", {"text": "First"}))["seq"]
    alice = await connect(room.session, room.members[0], hello=False)
    synced = await alice.hello(10_000)
    assert any(m.get("code") == "bad_hello" for m in alice.others)
    assert synced["seq"] == seq
    assert [e["seq"] for e in alice.events] == list(range(1, seq + 1))
