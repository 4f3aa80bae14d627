"""Answer over-long request lines instead of dropping the connection (daphne runs on Twisted).

Twisted reads the request line and each header as a line of at most 16 KB and, past that,
closes the connection without a word (``LineReceiver.lineLengthExceeded``), so a 20 KB query
string looked like a network failure. :func:`install` makes it answer ``414 URI Too Long`` for
the request line and ``431 Request Header Fields Too Large`` for a header, and gives Twisted's bare
``400`` (malformed request, headers over 16 KB in total) a message, then closes. Installed
from ``civic.asgi``; does nothing when the server is not Twisted-based.
"""

from __future__ import annotations

from typing import Any

MESSAGES = {
    400: (b"Bad Request", b"The request could not be understood (malformed, or its headers exceed 16 KB).\n"),
    414: (b"URI Too Long", b"The address is too long. Shorten the query string and try again.\n"),
    431: (b"Request Header Fields Too Large", b"A request header is too large.\n"),
}


def _answer(status: int) -> bytes:
    reason, body = MESSAGES[status]
    return (
        b"HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%s" % (status, reason, len(body), body)
    )


def _line_too_long(channel: Any, line: bytes) -> None:
    # Name-mangled HTTPChannel.__first_line: truthy until the request line has been read.
    first = getattr(channel, "_HTTPChannel__first_line", 1)
    channel.transport.write(_answer(414 if first else 431))
    channel.transport.loseConnection()


def _bad_request(channel: Any) -> None:
    # Twisted's own answer for malformed requests and headers over 16 KB in total: a bare status line.
    channel.transport.write(_answer(400))
    channel.loseConnection()


def install() -> None:
    try:
        from twisted.web import http
    except ImportError:  # not served by daphne
        return
    http.HTTPChannel.lineLengthExceeded = _line_too_long
    http.HTTPChannel._respondToBadRequestAndDisconnect = _bad_request
