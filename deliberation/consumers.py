"""The live room's WebSocket consumer: parse, call a service, send. Protocol: ``docs/live-protocol.md``.

The consumer never broadcasts by itself: services store each event and hand it to the session's
group on commit. What the consumer adds is delivery discipline per connection: events go out in
seq order exactly once (a replay from the table after ``hello``, then live events; a live event
that arrives ahead of a missing one waits briefly, then the gap is filled from the table), and
events of a breakout table reach only that table's members and the facilitators (others get a
stub with the seq, so their sequence has no holes).

Cost per delivered event (measured with ``benchmarks/live_room.py``): the group message carries
the event serialised once, so an in-order delivery is one ``send`` of that text; it reads no
database and does not go through the process' database thread (see :meth:`RoomConsumer.dispatch`).
A connection's actions run as tasks, in arrival order, so the facilitator's connection is not held
up by the previous action's hops back from the database thread. Actions (and presence) go through
``civic.events.call_and_send``: the database thread commits and moves on, and the event is
published from this process' event loop, instead of the thread waiting for the loop to publish.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

from assemblies.models import Session
from audit.context import AuditContext
from civic.events import call_and_send

from . import services
from .wire import ClientMessage, ProtocolError, parse_client_message

logger = logging.getLogger(__name__)

# Close codes (docs/live-protocol.md).
CLOSE_FORBIDDEN = 4403
CLOSE_NO_SESSION = 4404
CLOSE_FLOOD = 4429

# Per-member rate limit: a token bucket per (session, person) in this process.
RATE_PER_SECOND = 10.0
BURST = 20
FLOOD_STRIKES = 40  # refused messages within FLOOD_WINDOW close the connection
FLOOD_WINDOW = 10.0

REPLAY_BATCH = 500
GAP_WAIT = 0.25
MAX_PENDING = 2000

_buckets: dict[tuple[int, int], list[float]] = {}


def _take_token(key: tuple[int, int]) -> bool:
    now = time.monotonic()
    tokens, last = _buckets.get(key, [float(BURST), now])
    tokens = min(float(BURST), tokens + (now - last) * RATE_PER_SECOND)
    allowed = tokens >= 1.0
    _buckets[key] = [tokens - 1.0 if allowed else tokens, now]
    return allowed


def _access(user: Any, session_id: int) -> tuple[str | None, bool]:
    session = Session.objects.filter(pk=session_id).first()
    if session is None:
        return None, False
    return services.room_role(user, session), True


def _table_at(session_id: int, user_id: int, seq: int) -> int | None:
    """The person's breakout table as of event ``seq`` (from the last allocation up to it)."""
    event = (
        services.RoomEvent.objects.filter(session_id=session_id, type="tables.allocate", seq__lte=seq)
        .order_by("-seq").first()
    )
    return _own_table(event.data if event else None, user_id)


def _own_table(data: dict[str, Any] | None, user_id: int) -> int | None:
    for number, members in ((data or {}).get("tables") or {}).items():
        if user_id in members:
            return int(number)
    return None


class RoomConsumer(AsyncWebsocketConsumer):
    async def dispatch(self, message: dict[str, Any]) -> None:
        """Call the message's handler, without Channels' per-message ``aclose_old_connections``.

        Channels runs ``close_old_connections`` in the process' one thread-sensitive worker thread
        before *every* message, live events included: 250 thread hops per event per process for
        a room of 500, queued in the same thread as the actions' transactions, so an action waited
        behind the previous event's fan-out. Here every database access already goes through
        ``database_sync_to_async``, which closes stale connections before and after each call, so
        a delivery never touches the database or that thread.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        self.user = self.scope.get("user")
        self.role: str | None = None
        self.synced = False
        self.last_sent = 0
        self.pending: dict[int, dict[str, Any]] = {}
        self.table: int | None = None
        self.strikes: list[float] = []
        self.send_lock = asyncio.Lock()
        self.gap_task: asyncio.Task | None = None
        self.actions: set[asyncio.Future] = set()  # this connection's actions in flight
        self.joined = False  # in the room's group
        self.present = False  # announced by a presence event (after the first synced)
        role, exists = await database_sync_to_async(_access)(self.user, self.session_id)
        # Accept, then close with our code: a refused handshake would hide the reason from the client.
        await self.accept()
        if not exists:
            await self.close(code=CLOSE_NO_SESSION)
            return
        if role is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.role = role
        self.context = AuditContext.from_scope(self.scope)
        await self.channel_layer.group_add(services.room_group(self.session_id), self.channel_name)
        self.joined = True

    async def disconnect(self, code: int) -> None:
        if not getattr(self, "joined", False):
            return
        self.joined = False
        if self.gap_task is not None:
            self.gap_task.cancel()
        await self.channel_layer.group_discard(services.room_group(self.session_id), self.channel_name)
        if self.present:
            await call_and_send(services.leave, self.user, self.session_id)

    # --- Client messages ---------------------------------------------------------------

    async def _reply_error(self, code: str, message: str, client_id: str | None = None) -> None:
        await self.send(json.dumps({"type": "error", "id": client_id, "code": code, "message": message}))

    def _flooding(self) -> bool:
        now = time.monotonic()
        self.strikes = [t for t in self.strikes if now - t < FLOOD_WINDOW]
        self.strikes.append(now)
        return len(self.strikes) > FLOOD_STRIKES

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.role is None:
            return
        if not _take_token((self.session_id, self.user.pk)):
            if self._flooding():
                await self.close(code=CLOSE_FLOOD)
                return
            await self._reply_error("rate_limited", f"Slow down: at most {RATE_PER_SECOND:g} messages a second.")
            return
        try:
            message = parse_client_message(text_data, bytes_data)
        except ProtocolError as error:
            if self._flooding():
                await self.close(code=CLOSE_FLOOD)
                return
            await self._reply_error(error.code, str(error), error.client_id)
            return
        if message.type == "hello":
            await self._hello(message.last_seq)
            return
        if not self.synced:
            await self._reply_error("hello_required", "Send hello with your last_seq first.", message.id)
            return
        # Not awaited here: the connection reads its next message (and delivers events) while this
        # one's transaction runs. Actions still run in the order they arrived: the task hands the
        # call to the process' one database thread at its first step, and tasks start in order.
        task = asyncio.ensure_future(self._perform(message))
        self.actions.add(task)
        task.add_done_callback(self.actions.discard)

    async def _perform(self, message: ClientMessage) -> None:
        try:
            ack = await call_and_send(
                services.perform, self.user, self.session_id, message.type, message.data,
                client_id=message.id, context=self.context,
            )
        except services.RoomError as error:
            await self._reply_error(error.code, str(error), message.id)
            return
        except Exception:
            logger.exception("room action %s failed", message.type)
            await self._reply_error("server_error", "Something went wrong; the room is unchanged.", message.id)
            return
        await self.send(json.dumps({"type": "ack", "id": message.id, "seq": ack.seq}))

    async def _hello(self, last_seq: int) -> None:
        async with self.send_lock:
            self.synced = False
            latest = await database_sync_to_async(services.latest_seq)(self.session_id)
            if last_seq > latest:
                await self._reply_error("bad_hello", f"last_seq {last_seq} is ahead of this room ({latest}).")
                last_seq = 0
            self.table = await database_sync_to_async(_table_at)(self.session_id, self.user.pk, last_seq)
            self.last_sent = last_seq
            while True:
                batch = await database_sync_to_async(services.events_after)(self.session_id, self.last_sent, REPLAY_BATCH)
                for event in batch:
                    await self._send_event(event)
                if len(batch) < REPLAY_BATCH:
                    break
            await self.send(json.dumps({
                "type": "synced", "seq": self.last_sent, "server_time": timezone.now().isoformat(),
                "role": self.role, "user": self.user.pk, "table": self.table,
            }))
            self.synced = True
            await self._flush()
        if not self.present:
            # Announced after the replay, so a returning client's replay is exactly what it missed.
            self.present = True
            await call_and_send(services.join, self.user, self.session_id)

    # --- Events from the group ---------------------------------------------------------------

    async def room_event(self, message: dict[str, Any]) -> None:
        """A live event from the group: ``{"seq", "text"}`` (the serialised event), plus ``event``
        for the few a connection must look inside (a table's events, allocations)."""
        seq = message["seq"] if "seq" in message else message["event"]["seq"]
        async with self.send_lock:
            if seq <= self.last_sent:
                return
            if self.synced and not self.pending and seq == self.last_sent + 1:
                await self._deliver(message)  # the usual case: the next one, nothing waiting
                return
            if len(self.pending) < MAX_PENDING:
                self.pending[seq] = message
            if self.synced:
                await self._flush()

    async def room_raw(self, message: dict[str, Any]) -> None:
        """A server-side broadcast that is not a room event (no seq, not stored): the benchmark's
        bare-Channels baseline and operational notices. Clients ignore types they do not know."""
        await self.send(message["text"])

    async def _send_event(self, event: dict[str, Any], text: str | None = None) -> None:
        """Send one event (the caller holds the order): table events reach only that table."""
        if event["type"] == "tables.allocate":
            self.table = _own_table(event["data"], self.user.pk)
        table = event.get("table")
        if table is not None and table != self.table and self.role not in services.FACILITATING:
            event = {"type": event["type"], "seq": event["seq"], "at": event["at"], "actor": None, "data": {},
                     "table": table, "redacted": True}
            text = None
        await self.send(text if text is not None else json.dumps(event))
        self.last_sent = event["seq"]

    async def _deliver(self, item: dict[str, Any]) -> None:
        """Send a pending item: a live message from the group, or an event read from the table."""
        if "text" not in item:
            await self._send_event(item)
        elif "event" in item:
            await self._send_event(item["event"], item["text"])
        else:
            await self.send(item["text"])
            self.last_sent = item["seq"]

    async def _flush(self) -> None:
        while self.pending:
            lowest = min(self.pending)
            if lowest <= self.last_sent:
                del self.pending[lowest]
                continue
            if lowest != self.last_sent + 1:
                if self.gap_task is None or self.gap_task.done():
                    self.gap_task = asyncio.ensure_future(self._fill_gap())
                return
            await self._deliver(self.pending.pop(lowest))

    async def _fill_gap(self) -> None:
        """A later event came first: give the missing one a moment, then read it from the table."""
        await asyncio.sleep(GAP_WAIT)
        async with self.send_lock:
            if not self.pending or min(self.pending) == self.last_sent + 1:
                await self._flush()
                return
            missing = await database_sync_to_async(services.events_between)(
                self.session_id, self.last_sent + 1, min(self.pending) - 1
            )
            for event in missing:
                if event["seq"] == self.last_sent + 1:
                    await self._send_event(event)
            await self._flush()
