"""ASGI entry: Daphne serves HTTP and WebSockets from here."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import re_path  # noqa: E402

from civic import server_limits  # noqa: E402
from civic.consumers import NotFoundConsumer  # noqa: E402
from civic.routing import websocket_urlpatterns  # noqa: E402

server_limits.install()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                # The catch-all comes last: an unknown path is closed with 4404, not a 500.
                URLRouter([*websocket_urlpatterns, re_path(r"", NotFoundConsumer.as_asgi())])
            )
        ),
    }
)
