"""Liveness checks for /healthz: the database and a channel-layer round trip."""

from __future__ import annotations

import time
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection


def check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        return {"ok": False, "error": exc.__class__.__name__, "vendor": connection.vendor}
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.perf_counter() - started) * 1000, 1)}


async def _round_trip(layer, timeout: float) -> None:
    import asyncio

    channel = await layer.new_channel("healthz.")
    token = uuid.uuid4().hex
    await asyncio.wait_for(layer.send(channel, {"type": "healthz.ping", "token": token}), timeout)
    message = await asyncio.wait_for(layer.receive(channel), timeout)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned the wrong message")


async def check_channel_layer(timeout: float = 2.0) -> dict:
    """Send a message to a fresh channel and read it back on the running loop."""
    layer = get_channel_layer()
    backend = type(layer).__name__
    started = time.perf_counter()
    try:
        await _round_trip(layer, timeout)
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        return {"ok": False, "backend": backend, "error": exc.__class__.__name__}
    return {"ok": True, "backend": backend, "ms": round((time.perf_counter() - started) * 1000, 1)}


async def check_all() -> dict:
    database = await sync_to_async(check_database)()
    layer = await check_channel_layer()
    return {"ok": database["ok"] and layer["ok"], "database": database, "channel_layer": layer}
