"""Websocket routes: one stream per signed-in page (notifications and live page nudges)."""

from typing import Any

from django.urls import path

from notifications.consumers import NotificationConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
