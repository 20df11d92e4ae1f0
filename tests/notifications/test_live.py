"""The live stream through the embedded default, the in-memory channel layer: only its
signed-in owner hears a notification; catch-up after a drop."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer

from agencies.models import Role
from tests.factories import member

from . import live_scenarios

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_the_suite_runs_the_embedded_layer() -> None:
    assert isinstance(get_channel_layer(), InMemoryChannelLayer)


async def test_the_recipient_hears_it_and_nobody_else_does() -> None:
    await live_scenarios.only_the_recipient_hears_it()


async def test_a_reconnecting_page_catches_up_without_duplicates() -> None:
    await live_scenarios.a_reconnecting_page_catches_up_without_duplicates()


async def test_telling_twice_of_one_event_is_one_notification() -> None:
    alice = await sync_to_async(member)(Role.COORDINATOR)
    assert len(await sync_to_async(live_scenarios.tell)(alice, "same")) == 1
    assert await sync_to_async(live_scenarios.tell)(alice, "same") == []
