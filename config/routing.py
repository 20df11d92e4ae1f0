"""Websocket routes. The notifications issue adds the per-user stream here."""

from typing import Any

websocket_urlpatterns: list[Any] = []
