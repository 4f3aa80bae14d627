"""Every room event type is stored with its seq and broadcast to the room, and its effect is in the tables."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from deliberation.models import (
    AgendaItem,
    Amendment,
    Draft,
    Message,
    OpinionMap,
    Poll,
    RecommendationVote,
    Room,
    RoomEvent,
    TableRound,
    Turn,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ISSUE_TYPES = {
    "hand.raise", "hand.lower", "speaker.next", "agenda.start", "agenda.pause", "agenda.extend", "agenda.next",
    "statement.post", "statement.vote", "poll.open", "poll.answer", "poll.close", "tables.allocate",
    "draft.amend", "vote.open", "vote.cast", "vote.close", "message.remove", "presence",
}


def _ok(reply: dict) -> int:
    assert reply["type"] == "ack", reply
    return reply["seq"]


async def test_every_event_type_is_stored_in_order_and_broadcast_to_every_member(room, connect):
    chair = await connect(room.session, room.facilitator)
    alice = await connect(room.session, room.members[0])
    bob = await connect(room.session, room.members[1])
    carol = await connect(room.session, room.members[2])
    watcher = await connect(room.session, room.observer)

    _ok(await chair.call("agenda.add", {"title": "Welcome", "seconds": 600}))
    _ok(await chair.call("agenda.add", {"title": "Evidence", "seconds": 1200}))
    _ok(await chair.call("agenda.start", {}))
    _ok(await chair.call("agenda.pause", {}))
    _ok(await chair.call("agenda.extend", {"seconds": 120}))
    _ok(await chair.call("agenda.start", {}))
    _ok(await alice.call("hand.raise"))
    _ok(await bob.call("hand.raise"))
    _ok(await bob.call("hand.lower"))
    called = await chair.call("speaker.next")
    _ok(called)

    statements = []
    for who, text in [(alice, "Buses should be free"), (bob, "Cycle lanes on every main road"), (carol, "Tax cars")]:
        reply = await who.call("statement.post", {"text": text})
        statements.append((await who.at(_ok(reply)))["data"]["id"])
    for who, choices in [(alice, ["agree", "agree", "disagree"]), (bob, ["agree", "disagree", "disagree"]),
                         (carol, ["pass", "agree", "agree"]), (chair, ["agree", "agree", "agree"])]:
        for statement, choice in zip(statements, choices, strict=True):
            _ok(await who.call("statement.vote", {"statement": statement, "choice": choice}))

    seq = _ok(await chair.call("poll.open", {"question": "Best first step?", "kind": "ranked",
                                             "options": ["Buses", "Bikes", "Cars"]}))
    poll = (await chair.at(seq))["data"]["id"]
    _ok(await alice.call("poll.answer", {"poll": poll, "answer": [0, 1]}))
    _ok(await bob.call("poll.answer", {"poll": poll, "answer": [1, 0, 2]}))
    _ok(await carol.call("poll.answer", {"poll": poll, "answer": [0]}))
    closed = _ok(await chair.call("poll.close", {"poll": poll}))

    _ok(await chair.call("tables.allocate", {"size": 6}))
    message_seq = _ok(await alice.call("message.post", {"text": "Hello table"}))
    message = (await alice.at(message_seq))["data"]["id"]
    _ok(await chair.call("message.remove", {"message": message, "reason": "Personal details"}))

    seq = _ok(await chair.call("draft.amend", {"action": "create", "title": "Transport", "text": "Free buses."}))
    draft = (await chair.at(seq))["data"]["draft"]["id"]
    _ok(await alice.call("draft.amend", {"action": "propose", "draft": draft, "text": "Free buses for under-25s.",
                                         "reason": "Affordable"}))
    seq = _ok(await chair.call("vote.open", {"draft": draft, "threshold_percent": 80}))
    vote = (await chair.at(seq))["data"]["id"]
    for who in (alice, bob, carol, chair):
        _ok(await who.call("vote.cast", {"vote": vote, "choice": "support"}))
    last = _ok(await chair.call("vote.close", {"vote": vote}))
    _ok(await chair.call("agenda.next"))

    # Everyone (the observer too) received every event, in seq order, once.
    final = await database_sync_to_async(lambda: Room.objects.get(pk=room.session.pk).last_seq)()
    for client in (chair, alice, bob, carol, watcher):
        await client.wait_seq(final)
    stored = await database_sync_to_async(
        lambda: list(RoomEvent.objects.filter(session=room.session).order_by("seq").values_list("seq", "type"))
    )()
    assert [s for s, _ in stored] == list(range(1, final + 1))
    assert ISSUE_TYPES <= {t for _, t in stored}
    for client in (chair, alice, bob, carol, watcher):
        seqs = [e["seq"] for e in client.events if e["seq"] > 0]
        assert seqs == sorted(set(seqs)), "delivered out of order or twice"
        assert {t for _, t in stored if _ > client.events[0]["seq"]} <= {e["type"] for e in client.events}

    # The effects are in the tables.
    def effects():
        vote_row = RecommendationVote.objects.get(pk=vote)
        return {
            "turns": sorted(Turn.objects.values_list("status", flat=True)),
            "agenda": list(AgendaItem.objects.order_by("position").values_list("status", flat=True)),
            "poll": Poll.objects.get(pk=poll).results,
            "tables": TableRound.objects.count(),
            "removed": Message.objects.get(pk=message).removed_reason,
            "draft": Draft.objects.get(pk=draft).status,
            "amendments": list(Amendment.objects.values_list("status", flat=True)),
            "vote": (vote_row.support, vote_row.passed),
            "opinion": OpinionMap.objects.get(pk=room.session.pk).data,
        }

    state = await database_sync_to_async(effects)()
    assert state["turns"] == ["speaking", "withdrawn"]
    assert state["agenda"] == ["done", "running"]
    assert state["poll"]["first_preferences"] == [2, 1, 0]
    assert state["poll"]["irv"]["winner"] == "Buses"
    assert state["tables"] == 1
    assert state["removed"] == "Personal details"
    assert state["draft"] == "adopted" and state["vote"] == (4, True)
    assert len(state["opinion"]["participants"]) == 4
    assert closed < last
