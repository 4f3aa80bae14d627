"""A WebSocket liveness probe that goes through the channel layer.

``/ws/healthz/`` joins a broadcast group; a message ``{"broadcast": token}`` is
sent to the group and every connected probe, on any daphne process sharing the
Redis layer, receives ``{"echo": token}``. It proves WebSockets and cross-process
pub/sub work end to end, which is what live assembly rooms rely on.
"""

from __future__ import annotations

import json

from channels.generic.websocket import AsyncWebsocketConsumer

GROUP = "healthz-broadcast"
MAX_TOKEN = 64


class HealthConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()
        await self.send(json.dumps({"ok": True, "layer": type(self.channel_layer).__name__}))

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            token = str(json.loads(text_data or "")["broadcast"])[:MAX_TOKEN]
        except (ValueError, KeyError, TypeError):
            await self.send(json.dumps({"error": 'Send {"broadcast": "<token>"}.'}))
            return
        await self.channel_layer.group_send(GROUP, {"type": "healthz.echo", "token": token})

    async def healthz_echo(self, event: dict) -> None:
        await self.send(json.dumps({"echo": event["token"]}))
