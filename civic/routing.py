"""WebSocket URL wiring. Apps contribute their own ``websocket_urlpatterns``."""

websocket_urlpatterns: list = []
