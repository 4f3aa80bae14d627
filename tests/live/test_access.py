"""Only the assembly's members, facilitators and officers join a room; only facilitators run it."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from deliberation.models import RoomEvent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_a_resident_who_is_not_a_member_is_refused_with_4403(room, connect):
    client = await connect(room.session, room.outsider, hello=False)
    assert await client.close_code() == 4403


async def test_an_anonymous_visitor_is_refused_with_4403(room, connect):
    client = await connect(room.session, None, hello=False)
    assert await client.close_code() == 4403


async def test_a_foreign_origin_is_refused_before_the_room(room):
    from civic.asgi import application
    from tests.live.conftest import RoomClient, session_cookie

    cookie = await database_sync_to_async(session_cookie)(room.members[0])
    client = RoomClient(application, room.session.pk, origin=(b"origin", b"https://evil.example"), cookie=cookie)
    assert not await client.connect()


@pytest.mark.parametrize("who", ["member", "facilitator", "officer", "observer"])
async def test_members_facilitators_officers_and_observers_join(room, connect, who):
    user = {"member": room.members[0], "facilitator": room.facilitator, "officer": room.officer,
            "observer": room.observer}[who]
    client = await connect(room.session, user)
    synced = await client.until(lambda m: m["type"] == "synced")
    assert synced["role"] == who


FACILITATOR_ACTIONS = [
    ("speaker.next", {}),
    ("speaker.mode", {"equal_voice": True}),
    ("agenda.add", {"title": "Welcome", "seconds": 600}),
    ("agenda.start", {}),
    ("agenda.pause", {}),
    ("agenda.extend", {"seconds": 60}),
    ("agenda.next", {}),
    ("poll.open", {"question": "Q?", "kind": "single", "options": ["a", "b"]}),
    ("poll.close", {"poll": 1}),
    ("tables.allocate", {"size": 4}),
    ("vote.open", {"draft": 1, "threshold_percent": 80}),
    ("vote.close", {"vote": 1}),
    ("message.remove", {"message": 1, "reason": "off topic"}),
    ("member.mute", {"user": 1}),
    ("draft.amend", {"action": "create", "title": "R1", "text": "We recommend..."}),
    ("draft.amend", {"action": "accept", "amendment": 1}),
]


@pytest.mark.parametrize(("type", "data"), FACILITATOR_ACTIONS, ids=[f"{t}:{d.get('action', '')}" for t, d in FACILITATOR_ACTIONS])
async def test_a_member_cannot_do_facilitator_actions(room, connect, type, data):
    client = await connect(room.session, room.members[0])
    before = await database_sync_to_async(RoomEvent.objects.count)()
    reply = await client.call(type, data)
    assert reply["type"] == "error" and reply["code"] == "forbidden", reply
    # Only the member's own arrival (presence) is in the log.
    assert await database_sync_to_async(RoomEvent.objects.exclude(type="presence").count)() == 0
    assert await database_sync_to_async(RoomEvent.objects.count)() == before


async def test_an_observer_watches_but_cannot_take_part(room, connect):
    client = await connect(room.session, room.observer)
    for type, data in [("hand.raise", {}), ("statement.post", {"text": "Hi"})]:
        reply = await client.call(type, data)
        assert reply["code"] == "forbidden"
