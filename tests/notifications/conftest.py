"""Websocket clients for the live stream, signed in as a browser would be (session cookie)."""

from __future__ import annotations

from typing import Any

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from tests.factories import sign_in

STREAM = "/ws/notifications/"


def session_cookie(user: Any) -> str:
    client = Client()
    sign_in(client, user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def communicator(cookie: str | None = None, *, origin: str = "http://testserver") -> Any:
    from config.asgi import application

    headers = [(b"origin", origin.encode())]
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, STREAM, headers=headers)


async def open_stream(cookie: str) -> Any:
    """A connected stream past its greeting."""
    stream = communicator(cookie)
    connected, _ = await stream.connect()
    assert connected
    hello = await stream.receive_json_from()
    assert hello["type"] == "hello"
    return stream
