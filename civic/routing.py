"""WebSocket URL wiring. Apps contribute their own ``websocket_urlpatterns``."""

from django.urls import path

from civic.consumers import HealthConsumer
from deliberation.routing import websocket_urlpatterns as deliberation_websockets

websocket_urlpatterns: list = [
    path("ws/healthz/", HealthConsumer.as_asgi()),
    *deliberation_websockets,
]
