"""The live stream through the embedded default, the in-memory channel layer: only its
signed-in owner hears a notification; catch-up after a drop."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from agencies.models import Role
from notifications import live
from notifications.layers import EmbeddedChannelLayer
from tests.factories import member

from . import live_scenarios
from .conftest import open_stream, session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_the_suite_runs_the_embedded_layer() -> None:
    assert isinstance(get_channel_layer(), EmbeddedChannelLayer)


async def test_the_recipient_hears_it_and_nobody_else_does() -> None:
    await live_scenarios.only_the_recipient_hears_it()


async def test_a_reconnecting_page_catches_up_without_duplicates() -> None:
    await live_scenarios.a_reconnecting_page_catches_up_without_duplicates()


async def test_telling_twice_of_one_event_is_one_notification() -> None:
    alice = await sync_to_async(member)(Role.COORDINATOR)
    assert len(await sync_to_async(live_scenarios.tell)(alice, "same")) == 1
    assert await sync_to_async(live_scenarios.tell)(alice, "same") == []


async def test_a_push_does_not_wait_for_the_database_thread() -> None:
    """Sync views and database calls share one thread; a page must hear its notification even
    while a slow request holds that thread."""
    alice = await sync_to_async(member)(Role.COORDINATOR)
    stream = await open_stream(await sync_to_async(session_cookie)(alice))
    release = threading.Event()
    slow_request = asyncio.ensure_future(sync_to_async(release.wait)(5))
    await asyncio.sleep(0.05)  # the thread is held from now on

    await get_channel_layer().group_send(
        live.user_group(alice.pk),
        {"type": "notification.new", "notification": {"id": 1}, "unread": 1, "sent_at": 0},
    )

    message = await stream.receive_json_from(timeout=1)
    assert not slow_request.done()
    assert message["notification"] == {"id": 1}
    release.set()
    await slow_request
    await stream.disconnect()
