"""A live room with an officer, a facilitator, members and an observer, and WebSocket clients for them.

Consumer tests need real transactions (``transaction=True``): events are broadcast on commit.
Run them on PostgreSQL and Redis with your own database and Redis db number, e.g.
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/civic_live REDIS_URL=redis://127.0.0.1:6379/6``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from assemblies import services as assemblies
from assemblies.models import Membership
from audit.context import AuditContext
from councils.models import Council

ORIGIN = (b"origin", b"http://127.0.0.1")
_ids = itertools.count(1)


@dataclass
class Room:
    session: Any
    officer: Any
    facilitator: Any
    members: list[Any]
    observer: Any
    outsider: Any


@pytest.fixture
def room(make_user):
    council = Council.objects.create(name="Riverside", slug="riverside")
    officer = make_user(Role.OFFICER)
    assembly = assemblies.create_assembly(officer, council=council, name="Climate", question="Net zero how?", context=AuditContext.command())
    facilitator = make_user(Role.FACILITATOR)
    assemblies.add_member(officer, assembly, facilitator, role=Membership.Role.FACILITATOR, context=AuditContext.command())
    members = []
    for i in range(24):
        user = make_user(Role.ASSEMBLY_MEMBER)
        categories = {"age": ["16-24", "25-44", "45-64", "65+"][i % 4], "gender": ["f", "m"][i % 2]}
        assemblies.add_member(officer, assembly, user, categories=categories, context=AuditContext.command())
        members.append(user)
    observer = make_user(Role.ASSEMBLY_MEMBER)
    assemblies.add_member(officer, assembly, observer, role=Membership.Role.OBSERVER, context=AuditContext.command())
    session = assemblies.create_session(officer, assembly, title="Evening one", starts_at=timezone.now(), context=AuditContext.command())
    return Room(session, officer, facilitator, members, observer, make_user(Role.RESIDENT))


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


class RoomClient:
    """One WebSocket connection to a room, as a browser would open it."""

    def __init__(self, application, session_id: int, user=None, *, origin=ORIGIN, cookie: bytes | None = None) -> None:
        headers = [origin]
        if cookie is not None:
            headers.append((b"cookie", cookie))
        self.user = user
        self.ws = WebsocketCommunicator(application, f"/ws/sessions/{session_id}/", headers=headers)
        self.events: list[dict] = []
        self.replies: dict[str, dict] = {}
        self.others: list[dict] = []

    async def connect(self) -> bool:
        connected, _ = await self.ws.connect(timeout=10)
        return connected

    async def hello(self, last_seq: int = 0) -> dict:
        await self.ws.send_to(text_data=json.dumps({"type": "hello", "last_seq": last_seq}))
        return await self.until(lambda m: m["type"] == "synced")

    async def send(self, type: str, data: dict | None = None, *, id: str | None = None) -> str:
        id = id or f"c{next(_ids)}"
        await self.ws.send_to(text_data=json.dumps({"type": type, "id": id, "data": data or {}}))
        return id

    async def call(self, type: str, data: dict | None = None, *, id: str | None = None) -> dict:
        """Send and wait for the ack or error of this message."""
        id = await self.send(type, data, id=id)
        return await self.until(lambda m: m["type"] in ("ack", "error") and m.get("id") == id)

    async def receive(self, timeout: float = 10) -> dict:
        message = json.loads(await self.ws.receive_from(timeout=timeout))
        if "seq" in message and message["type"] not in ("ack", "synced"):
            self.events.append(message)
        elif message["type"] in ("ack", "error") and message.get("id"):
            self.replies[message["id"]] = message
        else:
            self.others.append(message)
        return message

    async def until(self, predicate, timeout: float = 10) -> dict:
        for message in [*self.events, *self.replies.values(), *self.others]:
            if predicate(message):
                return message
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError("timed out waiting for a message")
            message = await self.receive(timeout=left)
            if predicate(message):
                return message

    async def event(self, type: str, timeout: float = 10) -> dict:
        return await self.until(lambda m: m.get("type") == type and "seq" in m, timeout)

    async def at(self, seq: int, timeout: float = 10) -> dict:
        """The event with this seq (not the ack that carries it)."""
        return await self.until(lambda m: m.get("seq") == seq and "data" in m, timeout)

    async def wait_seq(self, seq: int, timeout: float = 10) -> None:
        await self.until(lambda m: m.get("seq", 0) >= seq and "data" in m, timeout)

    async def close_code(self, timeout: float = 10) -> int | None:
        while True:
            output = await self.ws.receive_output(timeout=timeout)
            if output["type"] == "websocket.close":
                return output.get("code")

    async def close(self) -> None:
        await self.ws.disconnect()


@pytest_asyncio.fixture
async def connect():
    """Open room connections (closed at the end): ``await connect(session, user, hello=True)``."""
    from civic.asgi import application

    opened: list[RoomClient] = []

    async def open_client(session, user, *, hello: bool = True, last_seq: int = 0, origin=ORIGIN) -> RoomClient:
        cookie = await database_sync_to_async(session_cookie)(user) if user is not None else None
        client = RoomClient(application, session.pk, user, origin=origin, cookie=cookie)
        assert await client.connect()
        opened.append(client)
        if hello:
            await client.hello(last_seq)
        return client

    yield open_client
    for client in opened:
        await client.close()
    # The consumers' database thread keeps a connection; close it so the test database can be dropped.
    await database_sync_to_async(connections.close_all)()
