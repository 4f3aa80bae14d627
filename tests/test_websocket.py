"""The ASGI app serves WebSockets through the channel layer and checks the Origin."""

from __future__ import annotations

import json

import pytest
from channels.testing import WebsocketCommunicator

from civic.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.asyncio
async def test_websocket_round_trip_through_the_channel_layer():
    communicator = WebsocketCommunicator(application, "/ws/healthz/", headers=[(b"origin", b"http://127.0.0.1")])
    connected, _ = await communicator.connect()
    assert connected
    hello = json.loads(await communicator.receive_from(timeout=5))
    assert hello["ok"] is True
    await communicator.send_to(text_data=json.dumps({"broadcast": "tok-1"}))
    assert json.loads(await communicator.receive_from(timeout=5)) == {"echo": "tok-1"}
    await communicator.send_to(text_data="not json")
    assert "error" in json.loads(await communicator.receive_from(timeout=5))
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_websocket_from_a_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/healthz/", headers=[(b"origin", b"https://evil.example.com")]
    )
    connected, _ = await communicator.connect()
    assert not connected
