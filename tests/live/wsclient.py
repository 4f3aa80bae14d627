"""A small asyncio WebSocket client (RFC 6455 text frames) for tests and the benchmark.

Enough to talk to daphne over loopback: the handshake with Cookie and Origin headers, masked text
frames out, unfragmented or fragmented text frames in, pings answered, the close code read.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
from typing import Any


class Closed(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"closed with code {code}")
        self.code = code


class WebSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.close_code: int | None = None

    @classmethod
    async def connect(cls, host: str, port: int, path: str, *, cookie: str = "", origin: str = "") -> WebSocket:
        reader, writer = await asyncio.open_connection(host, port, limit=2**22)
        key = base64.b64encode(os.urandom(16)).decode()
        origin = origin or f"http://{host}:{port}"
        lines = [
            f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket", "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13", f"Origin: {origin}",
        ]
        if cookie:
            lines.append(f"Cookie: {cookie}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            writer.close()
            raise ConnectionError(head.split(b"\r\n", 1)[0].decode())
        return cls(reader, writer)

    async def send_text(self, text: str) -> None:
        payload = text.encode()
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(header + mask + masked)
        await self.writer.drain()

    async def send_json(self, message: dict[str, Any]) -> None:
        await self.send_text(json.dumps(message))

    async def _frame(self) -> tuple[int, bool, bytes]:
        first, second = await self.reader.readexactly(2)
        opcode, fin = first & 0x0F, bool(first & 0x80)
        n = second & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return opcode, fin, await self.reader.readexactly(n)

    async def recv_text(self) -> str:
        parts: list[bytes] = []
        while True:
            try:
                opcode, fin, payload = await self._frame()
            except (asyncio.IncompleteReadError, ConnectionError):
                raise Closed(self.close_code) from None
            if opcode == 0x8:
                self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise Closed(self.close_code)
            if opcode == 0x9:  # ping -> pong
                mask = os.urandom(4)
                self.writer.write(struct.pack("!BB", 0x8A, 0x80 | len(payload)) + mask
                                  + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
                continue
            if opcode == 0xA:
                continue
            parts.append(payload)
            if fin:
                return b"".join(parts).decode()

    async def recv_json(self) -> dict[str, Any]:
        return json.loads(await self.recv_text())

    async def close(self) -> None:
        try:
            mask = os.urandom(4)
            payload = struct.pack("!H", 1000)
            self.writer.write(struct.pack("!BB", 0x88, 0x80 | 2) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
            await self.writer.drain()
        except (ConnectionError, RuntimeError):
            pass
        self.writer.close()
