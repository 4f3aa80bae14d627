"""Live room delivery under load: 500 members on two daphne processes sharing PostgreSQL and Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/civic_live REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python benchmarks/live_room.py [--members 500] [--rate 5] [--seconds 60]

Loopback only, bounded in time. It creates a fresh database (``<name>_bench``, dropped at the
end), an assembly with ``--members`` members and a session, starts two daphne processes and
connects every member (half to each) plus the facilitator. Then, in alternating blocks of 15 s,
it measures for ``--seconds`` each:

- **room**: the facilitator sends ``--rate`` room actions a second (``message.post`` to the whole
  room) over its WebSocket; each is stored with its seq in PostgreSQL and broadcast on commit to
  every member through the Redis channel layer, with the consumer's ordering;
- **bare**: the benchmark itself does a bare ``group_send`` to the same group at the same rate; the
  same 500 consumers forward it unchanged (nothing stored, no seq, no ordering). Its text has the
  shape and size of the room's ``message.post`` event (type, time, actor, data), so both send
  the same bytes to every connection.

Latency is from the moment the facilitator's message (or the group_send) leaves this process to
the moment a member's connection has it, for every (event, member) pair; an event a member has
not received 10 s after the last send is lost. The load generator runs on the same machine.

Redis pub/sub channels are shared by every Redis db number: do not run the live tests (or another
benchmark) against the same Redis server while this runs, or their room groups may cross.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BLOCK_SECONDS = 15.0
GRACE_SECONDS = 10.0


def _fresh_database(base_url: str) -> tuple[str, callable]:
    import psycopg

    name = re.search(r"/([^/?]+)(\?|$)", base_url).group(1) + "_bench"
    admin = re.sub(r"/[^/?]+(\?|$)", r"/postgres\1", base_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return re.sub(r"/[^/?]+(\?|$)", f"/{name}\\1", base_url), drop


def _arrange(members: int) -> tuple[int, list[str], str]:
    """Council, assembly, members, facilitator and a live session; a signed-in session cookie each."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.models import Role, User
    from assemblies.models import Assembly, Membership, Session
    from councils.models import Council

    council = Council.objects.create(name="Bench Borough", slug="bench")
    assembly = Assembly.objects.create(council=council, name="Bench assembly", slug="bench", question="Q?",
                                       status="sitting")
    session = Session.objects.create(assembly=assembly, title="Bench sitting", starts_at=timezone.now(), status="live")
    users = User.objects.bulk_create(
        [User(email=f"m{i}@bench.example", display_name=f"Member {i}", role=Role.ASSEMBLY_MEMBER, password="!")
         for i in range(members)]
        + [User(email="chair@bench.example", display_name="Chair", role=Role.FACILITATOR, password="!")]
    )
    Membership.objects.bulk_create(
        [Membership(assembly=assembly, user=u, role="member", categories={"n": str(i % 4)}) for i, u in enumerate(users[:-1])]
        + [Membership(assembly=assembly, user=users[-1], role="facilitator")]
    )

    def cookie(user: User) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return f"sessionid={store.session_key}"

    cookies = [cookie(u) for u in users[:-1]]
    return session.pk, cookies, cookie(users[-1])


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _run(ports: list[int], session_id: int, cookies: list[str], chair_cookie: str, rate: float, seconds: float):
    from channels.layers import get_channel_layer

    from tests.live.wsclient import Closed, WebSocket

    received: list[dict[str, float]] = [{} for _ in cookies]  # per member: token -> receive time
    sent: dict[str, tuple[str, float]] = {}  # token -> (kind, send time)

    async def connect(port: int, cookie: str, who: str) -> WebSocket:
        for attempt in range(6):
            try:
                return await WebSocket.connect("127.0.0.1", port, f"/ws/sessions/{session_id}/", cookie=cookie)
            except (ConnectionError, asyncio.IncompleteReadError):
                # A burst of handshakes can overrun daphne's listen backlog (or its handshake
                # timeout) on a busy machine; retry.
                await asyncio.sleep(0.5 * (attempt + 1))
        raise ConnectionError(f"{who} could not connect")

    async def open_member(i: int, cookie: str) -> WebSocket:
        ws = await connect(ports[i % 2], cookie, f"member {i}")
        await ws.send_json({"type": "hello", "last_seq": 0})
        while (await ws.recv_json())["type"] != "synced":
            pass
        # Read from the start: daphne pings idle connections and closes those that do not answer.
        listeners.append(asyncio.ensure_future(listen(i, ws)))
        return ws

    async def listen(i: int, ws: WebSocket) -> None:
        mine = received[i]
        try:
            while True:
                text = await ws.recv_text()
                now = time.perf_counter()
                activity[0] = now
                # Cheap token extraction: both kinds carry "bench-<kind>-<n>".
                at = text.find("bench-")
                if at >= 0:
                    end = text.find('"', at)
                    mine.setdefault(text[at:end], now)
        except (Closed, asyncio.CancelledError, ConnectionError):
            return

    listeners: list[asyncio.Future] = []
    activity = [time.perf_counter()]
    print(f"connecting {len(cookies)} members to ports {ports} …", flush=True)
    started = time.perf_counter()
    members: list[WebSocket] = []
    for chunk in range(0, len(cookies), 25):
        members.extend(await asyncio.gather(*(open_member(i, c) for i, c in enumerate(cookies[chunk:chunk + 25], chunk))))
    chair = await connect(ports[0], chair_cookie, "the facilitator")
    await chair.send_json({"type": "hello", "last_seq": 0})
    chair_replies: list[dict] = []

    async def chair_listen() -> None:
        try:
            while True:
                message = await chair.recv_json()
                if message["type"] in ("ack", "error"):
                    chair_replies.append(message)
        except (Closed, asyncio.CancelledError, ConnectionError):
            return

    chair_task = asyncio.ensure_future(chair_listen())
    print(f"connected in {time.perf_counter() - started:.1f} s; waiting for the arrivals to drain …", flush=True)
    # 500 arrivals are 500 presence events to up to 500 connections: wait until delivery is quiet.
    settle = time.perf_counter()
    while time.perf_counter() - activity[0] < 3.0 and time.perf_counter() - settle < 300:
        await asyncio.sleep(0.5)
    print(f"quiet after {time.perf_counter() - settle:.1f} s", flush=True)

    layer = get_channel_layer()
    group = f"room.{session_id}"
    counter = 0

    async def block(kind: str, duration: float) -> None:
        nonlocal counter
        interval = 1.0 / rate
        next_at = time.perf_counter()
        end = next_at + duration
        while next_at < end:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            counter += 1
            token = f"bench-{kind}-{counter}"
            sent[token] = (kind, time.perf_counter())
            if kind == "room":
                await chair.send_json({"type": "message.post", "id": token, "data": {"text": token}})
            else:
                # The same shape and size as the room's message.post event, without a seq.
                text = json.dumps({"type": "bench", "at": datetime.now(UTC).isoformat(),
                                   "actor": {"id": 0, "name": "Benchmark"}, "data": {"id": counter, "text": token, "author": 0}})
                await layer.group_send(group, {"type": "room.raw", "text": text})
            next_at += interval

    remaining = {"bare": seconds, "room": seconds}
    while remaining["bare"] > 0 or remaining["room"] > 0:
        for kind in ("bare", "room"):
            if remaining[kind] > 0:
                duration = min(BLOCK_SECONDS, remaining[kind])
                print(f"  {kind} block of {duration:.0f} s …", flush=True)
                await block(kind, duration)
                remaining[kind] -= duration
    await asyncio.sleep(GRACE_SECONDS)
    for task in [*listeners, chair_task]:
        task.cancel()
    for ws in [*members, chair]:
        await ws.close()

    report = {}
    for kind in ("bare", "room"):
        tokens = [t for t, (k, _) in sent.items() if k == kind]
        latencies: list[float] = []
        lost = 0
        for mine in received:
            for token in tokens:
                got = mine.get(token)
                if got is None:
                    lost += 1
                else:
                    latencies.append((got - sent[token][1]) * 1000)
        report[kind] = {
            "events": len(tokens), "deliveries": len(latencies), "lost": lost,
            "p50_ms": _percentile(latencies, 0.50), "p99_ms": _percentile(latencies, 0.99),
            "mean_ms": statistics.fmean(latencies) if latencies else float("nan"),
        }
    errors = [r for r in chair_replies if r["type"] == "error"]
    return report, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--rate", type=float, default=5.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds for each of room and bare")
    args = parser.parse_args()
    base_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")) or not redis_url:
        print("benchmarks/live_room.py needs DATABASE_URL=postgres://... and REDIS_URL", file=sys.stderr)
        return 2
    database_url, drop = _fresh_database(base_url)
    secret = "live-room-bench-" + os.urandom(8).hex()
    os.environ.update({"DATABASE_URL": database_url, "SECRET_KEY": secret, "DJANGO_SETTINGS_MODULE": "civic.settings"})
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, check=True)
    import django

    django.setup()
    from deliberation.models import RoomEvent
    from tests.live.daphnes import daphne_env, start_daphne, stop

    session_id, cookies, chair_cookie = _arrange(args.members)
    from django.db import connections

    connections.close_all()
    # As deployed: DEBUG off (DEBUG on records every query of the room's path, and only of that path).
    # DB_CONN_MAX_AGE is not set: the settings use psycopg's pool.
    env = {**daphne_env(database_url, redis_url, secret), "DEBUG": "false"}
    processes = []
    logs = Path(tempfile.mkdtemp(prefix="live-bench-"))
    try:
        for name in ("a", "b"):
            processes.append(start_daphne(env, logs / f"daphne-{name}.log"))
        report, errors = asyncio.run(_run([p for _, p in processes], session_id, cookies, chair_cookie, args.rate, args.seconds))
    finally:
        for process, _ in processes:
            stop(process)
    seqs = list(RoomEvent.objects.filter(session_id=session_id).order_by("seq").values_list("seq", flat=True))
    gapless = seqs == list(range(1, len(seqs) + 1))
    stored_room = RoomEvent.objects.filter(session_id=session_id, type="message.post").count()
    connections.close_all()
    drop()

    print(f"\n{args.members} members on 2 daphne processes (PostgreSQL + Redis pub/sub), {args.rate:g} events/s, "
          f"{args.seconds:g} s each, alternating {BLOCK_SECONDS:g} s blocks; load generator on the same machine")
    print(f"{'':6} {'events':>7} {'deliveries':>11} {'lost':>6} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for kind, label in (("bare", "bare"), ("room", "room")):
        r = report[kind]
        print(f"{label:6} {r['events']:>7} {r['deliveries']:>11} {r['lost']:>6} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['mean_ms']:>8.1f}")
    ratio = report["room"]["p99_ms"] / report["bare"]["p99_ms"] if report["bare"]["p99_ms"] else float("nan")
    print(f"room p99 / bare p99 = {ratio:.2f} (goal ≤ 1.5); room events stored {stored_room}, "
          f"seq gapless: {gapless}; facilitator errors: {len(errors)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
