"""Two daphne processes sharing PostgreSQL and Redis serve one room: every client sees the same events in the same order."""

from __future__ import annotations

import asyncio
import os

import pytest
from django.conf import settings
from django.db import connection

from tests.live.conftest import session_cookie
from tests.live.daphnes import daphne_env, start_daphne, stop
from tests.live.wsclient import WebSocket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_daphnes(tmp_path):
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        if os.environ.get("CI"):
            pytest.fail("CI runs the scale-out test on PostgreSQL and Redis")
        pytest.skip("needs DATABASE_URL=postgres://... and REDIS_URL (processes share them)")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = daphne_env(url, os.environ["REDIS_URL"], settings.SECRET_KEY)
    started = []
    try:
        for name in ("a", "b"):
            started.append(start_daphne(env, tmp_path / f"daphne-{name}.log"))
        yield [port for _, port in started]
    finally:
        for process, _ in started:
            stop(process)


async def _client(port: int, session_id: int, cookie: str) -> tuple[WebSocket, list[dict]]:
    ws = await WebSocket.connect("127.0.0.1", port, f"/ws/sessions/{session_id}/", cookie=cookie)
    await ws.send_json({"type": "hello", "last_seq": 0})
    while (await ws.recv_json())["type"] != "synced":
        pass
    return ws, []


def test_clients_on_two_daphne_processes_see_the_same_events_in_the_same_order(room, two_daphnes):
    port_a, port_b = two_daphnes
    cookies = [session_cookie(m).decode() for m in room.members[:6]]

    async def scenario():
        clients = []
        for i, cookie in enumerate(cookies):
            clients.append(await _client(port_a if i % 2 == 0 else port_b, room.session.pk, cookie))
        acks = [[] for _ in clients]

        async def read(n, ws, seen):
            while True:
                message = await ws.recv_json()
                if message["type"] in ("ack", "error"):
                    acks[n].append(message)
                elif "seq" in message and message["type"] != "synced":
                    seen.append(message)

        readers = [asyncio.ensure_future(read(n, ws, seen)) for n, (ws, seen) in enumerate(clients)]

        async def talk(n, ws):
            for i in range(8):
                await ws.send_json({"type": "statement.post", "id": f"s{n}-{i}", "data": {"text": f"{n}: {i}"}})
                await asyncio.sleep(0.01)

        await asyncio.gather(*(talk(n, ws) for n, (ws, _) in enumerate(clients)))
        async with asyncio.timeout(30):
            while any(len(a) < 8 for a in acks):
                await asyncio.sleep(0.05)
            final = max(a["seq"] for a in sum(acks, []))
            while any(not seen or seen[-1]["seq"] < final for _, seen in clients):
                await asyncio.sleep(0.05)
        assert all(a["type"] == "ack" for a in sum(acks, []))
        for task in readers:
            task.cancel()
        for ws, _ in clients:
            await ws.close()
        return clients, final

    clients, final = asyncio.run(scenario())
    orders = [[(e["seq"], e["type"], e["data"].get("id")) for e in seen] for _, seen in clients]
    # Each client saw the events from its own arrival on; they agree on every event they share.
    tail = min(len(o) for o in orders)
    reference = orders[0][-tail:]
    for order in orders:
        assert [s for s, _, _ in order] == sorted({s for s, _, _ in order}), "out of order or repeated"
        assert order[-tail:] == reference
    assert reference[-1][0] == final
    assert sum(1 for _, t, _ in reference if t == "statement.post") == 6 * 8
