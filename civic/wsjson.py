"""Parse one JSON WebSocket message safely: bounded size, bounded nesting, no NaN.

Every consumer parses incoming text with :func:`parse_message` and answers the error instead of
dying: ``json.loads`` on a few kilobytes of ``[[[[…`` raises ``RecursionError``, which would end
the consumer, and an unbounded frame costs memory and time before any check runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_BYTES = 8192
MAX_DEPTH = 32


@dataclass(frozen=True)
class Parsed:
    """Either ``value`` (the decoded JSON) or ``error`` (a short message for the client)."""

    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _too_deep(text: str, max_depth: int) -> bool:
    """Whether arrays/objects nest deeper than ``max_depth`` (brackets inside strings ignored)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def parse_message(
    text: str | None, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH, expect_object: bool = True
) -> Parsed:
    """Decode ``text``; refuse a missing, too long, too deeply nested or non-JSON message.

    With ``expect_object`` (the default) the message must be a JSON object, as every civic
    message (``{"type": ..., ...}``) is.
    """
    if text is None:
        return Parsed(error="Send JSON text, not binary data.")
    # A character is at least one byte: a cheap bound before encoding a huge frame.
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        return Parsed(error=f"Message too long (at most {max_bytes} bytes).")
    if _too_deep(text, max_depth):
        return Parsed(error=f"Message nested too deeply (at most {max_depth} levels).")
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return Parsed(error="Message is not valid JSON.")
    if expect_object and not isinstance(value, dict):
        return Parsed(error="Message must be a JSON object.")
    return Parsed(value=value)
