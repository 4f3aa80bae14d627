"""Where an action came from, for the audit log: IP address, user agent and channel.

Services take an :class:`AuditContext`, not an HTTP request, so that a view, a WebSocket consumer,
a management command and a background task call the same service the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WEB = "web"
WEBSOCKET = "websocket"
COMMAND = "command"
TASK = "task"
CHANNELS = (WEB, WEBSOCKET, COMMAND, TASK)

MAX_USER_AGENT = 255


@dataclass(frozen=True)
class AuditContext:
    """The circumstances of one action (every field optional but the channel)."""

    channel: str = COMMAND
    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request: Any) -> AuditContext:
        meta = getattr(request, "META", {})
        return cls(WEB, meta.get("REMOTE_ADDR") or None, str(meta.get("HTTP_USER_AGENT", ""))[:MAX_USER_AGENT])

    @classmethod
    def from_scope(cls, scope: dict[str, Any]) -> AuditContext:
        """From a Channels (ASGI) scope: the client address and the ``User-Agent`` header."""
        client = scope.get("client") or (None, None)
        headers = dict(scope.get("headers") or [])
        agent = headers.get(b"user-agent", b"").decode("latin-1")[:MAX_USER_AGENT]
        return cls(WEBSOCKET, client[0], agent)

    @classmethod
    def command(cls) -> AuditContext:
        return cls(COMMAND)

    @classmethod
    def task(cls) -> AuditContext:
        return cls(TASK)


SYSTEM = AuditContext(COMMAND)
