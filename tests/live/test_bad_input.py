"""Malformed, unknown, oversized and flooding messages get an error or a documented close; the room is unchanged."""

from __future__ import annotations

import json
import time

import pytest
from channels.db import database_sync_to_async

from deliberation.models import RoomEvent, Statement

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def _state(session):
    return await database_sync_to_async(
        lambda: (list(RoomEvent.objects.filter(session=session).exclude(type="presence").values_list("seq", "type")),
                 Statement.objects.count())
    )()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2, 3]", "bad_message"),
        ('{"type": "statement.post", "data": {"text": "no id"}}', "bad_message"),
        ('{"type": "statement.post", "id": "x", "data": "text"}', "bad_message"),
        ('{"type": "teleport", "id": "x", "data": {}}', "unknown_type"),
        ('{"type": "presence", "id": "x", "data": {}}', "server_only"),
        ('{"type": "statement.post", "id": "x", "data": {"text": ""}}', "invalid"),
        ('{"type": "statement.post", "id": "x", "data": {"text": 12}}', "invalid"),
        ('{"type": "statement.vote", "id": "x", "data": {"statement": 999999, "choice": "agree"}}', "not_found"),
        ('{"type": "hello", "last_seq": -1}', "bad_message"),
        ('{"type": "x", "id": "x", "data": ' + "[" * 50 + "]" * 50 + "}", "bad_message"),
        ("[" * 3000 + "]" * 3000, "bad_message"),
        ("\udcff", "bad_json"),
    ],
)
async def test_bad_messages_get_a_specific_error_and_change_nothing(room, connect, frame, code):
    alice = await connect(room.session, room.members[0])
    before = await _state(room.session)
    await alice.ws.send_to(text_data=frame)
    reply = await alice.until(lambda m: m["type"] == "error")
    assert reply["code"] == code, reply
    assert await _state(room.session) == before
    # The connection still works.
    assert (await alice.call("statement.post", {"text": "still here"}))["type"] == "ack"


async def test_a_message_over_8_kb_is_refused_as_too_large(room, connect):
    alice = await connect(room.session, room.members[0])
    before = await _state(room.session)
    await alice.ws.send_to(text_data=json.dumps({"type": "statement.post", "id": "big", "data": {"text": "x" * 9000}}))
    reply = await alice.until(lambda m: m["type"] == "error")
    assert reply["code"] == "too_large"
    assert await _state(room.session) == before


async def test_actions_before_hello_are_refused(room, connect):
    alice = await connect(room.session, room.members[0], hello=False)
    reply = await alice.call("statement.post", {"text": "too early"})
    assert reply["code"] == "hello_required"


async def test_a_flood_is_rate_limited_then_closed_with_4429_and_only_the_burst_was_processed(room, connect):
    from deliberation.consumers import BURST, CLOSE_FLOOD, RATE_PER_SECOND

    alice = await connect(room.session, room.members[0])
    started = time.monotonic()
    for i in range(200):
        await alice.ws.send_to(text_data=json.dumps({"type": "statement.post", "id": f"f{i}", "data": {"text": f"spam {i}"}}))
    code = None
    errors = 0
    while True:
        output = await alice.ws.receive_output(timeout=20)
        if output["type"] == "websocket.close":
            code = output.get("code")
            break
        message = json.loads(output["text"])
        errors += message.get("code") == "rate_limited"
    elapsed = time.monotonic() - started
    assert code == CLOSE_FLOOD
    assert errors > 0
    _, statements = await _state(room.session)
    # The burst plus what the bucket refilled while the server worked through it, never the 200.
    assert statements <= BURST + RATE_PER_SECOND * elapsed + 1 < 200


@pytest.mark.parametrize(
    ("type", "data"),
    [
        ("hand.lower", {"user": "everyone"}),
        ("poll.answer", {"poll": "1; drop table", "answer": 0}),
        ("agenda.extend", {"seconds": 1e308}),
        ("tables.allocate", {"size": True}),
        ("vote.cast", {"vote": [], "choice": "support"}),
        ("draft.amend", {"action": "explode"}),
    ],
)
async def test_wrongly_typed_fields_are_invalid_not_server_errors(room, connect, type, data):
    chair = await connect(room.session, room.facilitator)
    reply = await chair.call(type, data)
    assert reply["type"] == "error" and reply["code"] in ("invalid", "conflict"), reply
