"""Websocket clients for the live stream, signed in as a browser would be (session cookie);
the channels-redis layer against a real Redis server; mail servers that fail or are slow;
notifying, and running senders side by side."""

from __future__ import annotations

import os
import smtplib
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone

from notifications.models import Notification, NotificationKind
from notifications.services import notify
from tests.factories import sign_in
from tests.redis_server import redis_server

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


class BrokenMailServer(BaseEmailBackend):
    """An email backend whose server refuses every message, as a mail server that is down."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SlowMailServer(locmem.EmailBackend):
    """The test outbox, slowly: each message takes a moment, so concurrent senders overlap."""

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        time.sleep(0.02)
        return super().send_messages(messages)


BROKEN = "tests.notifications.conftest.BrokenMailServer"
SLOW = "tests.notifications.conftest.SlowMailServer"


def tell(user: Any, key: str, **fields: Any) -> list[int]:
    """Notify `user` of event `key` in its own transaction, as a service would."""
    with transaction.atomic():
        return notify(
            recipients=[user],
            kind=fields.pop("kind", NotificationKind.CONCERN_SUBMITTED),
            event_key=key,
            title=fields.pop("title", f"Concern {key} submitted"),
            url=fields.pop("url", f"/referrals/{key}/"),
            **fields,
        )


def make_due(*ids: int) -> None:
    """Bring the next attempt of these rows forward to now (the back-off has passed)."""
    Notification.objects.filter(pk__in=ids).update(
        email_next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def run_at_once(*jobs: Callable[[], int]) -> list[int]:
    """Run the jobs in threads released together; each closes its own database connection."""
    barrier = threading.Barrier(len(jobs))
    results: list[int] = [0] * len(jobs)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = jobs[index]()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """REDIS_URL when the environment names a Redis server; otherwise a throwaway one on a unix
    socket in a temporary folder (no TCP port to clash over, nothing written to disk), stopped
    when the session ends. The suite's own settings ignore REDIS_URL, so it is read here."""
    if configured := os.environ.get("REDIS_URL"):
        yield configured
        return
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


REDIS_LAYERS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",  # what production settings use
}


@pytest_asyncio.fixture(params=sorted(REDIS_LAYERS))
async def redis_layer(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[Any]:
    """Each channels-redis layer in place of the suite's in-memory one, under a prefix of its
    own so no other test (or anything else using the same Redis) sees its messages. Changing
    CHANNEL_LAYERS makes Channels build the layer afresh; it is flushed afterwards."""
    layer_settings = {
        "default": {
            "BACKEND": REDIS_LAYERS[request.param],
            "CONFIG": {"hosts": [redis_url], "prefix": f"test-{uuid.uuid4().hex}"},
        }
    }
    with override_settings(CHANNEL_LAYERS=layer_settings):
        layer = get_channel_layer()
        try:
            yield layer
        finally:
            await layer.flush()
