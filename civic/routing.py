"""WebSocket URL wiring. Apps contribute their own ``websocket_urlpatterns``."""

from django.urls import path

from civic.consumers import HealthConsumer

websocket_urlpatterns: list = [
    path("ws/healthz/", HealthConsumer.as_asgi()),
]
