"""Site-level WebSocket consumers: the health probe and the answer to an unknown path.

``/ws/healthz/`` joins a broadcast group; a message ``{"broadcast": token}`` is
sent to the group and every connected probe, on any daphne process sharing the
Redis layer, receives ``{"echo": token}``. It proves WebSockets and cross-process
pub/sub work end to end, which is what live assembly rooms rely on.
"""

from __future__ import annotations

import json

from channels.generic.websocket import AsyncWebsocketConsumer

from civic.wsjson import parse_message

GROUP = "healthz-broadcast"
MAX_TOKEN = 64
# Application close codes (4000-4999): 4404 is "no such WebSocket endpoint".
CLOSE_NOT_FOUND = 4404


class HealthConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()
        await self.send(json.dumps({"ok": True, "layer": type(self.channel_layer).__name__}))

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = parse_message(text_data)
        token = message.value.get("broadcast") if message.ok else None
        if not isinstance(token, str | int) or isinstance(token, bool):
            await self.send(json.dumps({"error": message.error or 'Send {"broadcast": "<token>"}.'}))
            return
        await self.channel_layer.group_send(GROUP, {"type": "healthz.echo", "token": str(token)[:MAX_TOKEN]})

    async def healthz_echo(self, event: dict) -> None:
        await self.send(json.dumps({"echo": event["token"]}))


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Every path no app routes: accept, then close with 4404 (instead of a 500 from the router)."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)
