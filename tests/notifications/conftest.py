"""Websocket clients for the live stream, signed in as a browser would be (session cookie);
mail servers that fail or are slow; notifying, and running senders side by side."""

from __future__ import annotations

import smtplib
import threading
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from notifications.models import Notification, NotificationKind
from notifications.services import notify
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
