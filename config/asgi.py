"""ASGI entry point: HTTP through Django, websockets through Channels (session-authenticated).

With no Redis, the timed jobs run inside this server too (notifications.ticker)."""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Django must be set up before anything imports models (the websocket routes do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from config.concurrency import ConcurrencyLimit  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from notifications.ticker import WithTicker  # noqa: E402

application: Any = ProtocolTypeRouter(
    {
        "http": ConcurrencyLimit(
            django_asgi_app,
            limit=settings.WEB_CONCURRENCY_LIMIT,
            queue_limit=settings.WEB_QUEUE_LIMIT,
            wait_seconds=settings.WEB_QUEUE_WAIT_SECONDS,
            retry_after=settings.WEB_RETRY_AFTER_SECONDS,
        ),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
if settings.IN_PROCESS_TIMERS:
    application = WithTicker(application)
