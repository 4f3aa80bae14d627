"""Reading client messages off the wire, bounded (``docs/live-protocol.md``, "Client messages").

A message is at most :data:`MAX_MESSAGE_BYTES` bytes of UTF-8 JSON, an object of the form
``{"type": str, "id": str, "data": object}`` (``hello`` carries ``last_seq`` instead of ``id``),
nested at most :data:`MAX_DEPTH` deep. Anything else raises :class:`ProtocolError` with the
protocol's error code. (A shared bounded parser is coming in ``civic/wsjson.py``; this one is
small and only the consumer uses it.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

MAX_MESSAGE_BYTES = 8 * 1024
MAX_DEPTH = 8
MAX_TYPE = 32
MAX_ID = 64


class ProtocolError(Exception):
    def __init__(self, code: str, message: str, client_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.client_id = client_id


@dataclass(frozen=True)
class ClientMessage:
    type: str
    id: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    last_seq: int = 0


def _depth(value: Any, limit: int) -> int:
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def parse_client_message(text: str | None, raw: bytes | None = None) -> ClientMessage:
    if text is None:
        raise ProtocolError("bad_message", "Send text frames of JSON, not binary frames.")
    if len(text) > MAX_MESSAGE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_MESSAGE_BYTES:
        raise ProtocolError("too_large", f"Messages are limited to {MAX_MESSAGE_BYTES} bytes.")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("bad_json", "The message is not valid JSON.") from None
    if not isinstance(value, dict):
        raise ProtocolError("bad_message", "A message is a JSON object with 'type', 'id' and 'data'.")
    client_id = value.get("id")
    client_id = client_id if isinstance(client_id, str) and 0 < len(client_id) <= MAX_ID else None
    if _depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise ProtocolError("bad_message", f"The message is nested more than {MAX_DEPTH} deep.", client_id)
    kind = value.get("type")
    if not isinstance(kind, str) or not 0 < len(kind) <= MAX_TYPE:
        raise ProtocolError("bad_message", "'type' must be a short string.", client_id)
    if kind == "hello":
        last_seq = value.get("last_seq", 0)
        if isinstance(last_seq, bool) or not isinstance(last_seq, int) or not 0 <= last_seq < 2**62:
            raise ProtocolError("bad_message", "'last_seq' must be a whole number, 0 or more.")
        return ClientMessage("hello", last_seq=last_seq)
    if client_id is None:
        raise ProtocolError("bad_message", f"'id' must be a string of 1 to {MAX_ID} characters.")
    data = value.get("data", {})
    if not isinstance(data, dict):
        raise ProtocolError("bad_message", "'data' must be an object.", client_id)
    return ClientMessage(kind, client_id, data)
