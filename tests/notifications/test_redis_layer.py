"""The live stream through channels-redis and a real Redis server (REDIS_URL, or a throwaway
server the fixture starts), with each of its layers: the same scenarios as the in-memory
layer's."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from asgiref.sync import sync_to_async
from channels_redis.core import RedisChannelLayer

from agencies.models import Role
from notifications import live
from tests.factories import member

from . import live_scenarios
from .conftest import open_stream, session_cookie

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio,
    pytest.mark.usefixtures("redis_layer"),
]


def _listeners(url: str, *, group_key: bytes | None = None, topic: str | None = None) -> int:
    """How many channels listen to a group, as Redis itself records it: members of the core
    layer's group key, or subscribers of the Pub/Sub layer's group topic."""
    with redis.Redis.from_url(url) as client:
        if group_key is not None:
            return int(client.zcard(group_key))
        [(_, count)] = client.pubsub_numsub(topic)
        return int(count)


async def test_a_stream_listens_to_its_group_in_redis(redis_layer: Any, redis_url: str) -> None:
    alice = await sync_to_async(member)(Role.COORDINATOR)
    group = live.user_group(alice.pk)
    where = (
        {"group_key": redis_layer._group_key(group)}
        if isinstance(redis_layer, RedisChannelLayer)
        else {"topic": redis_layer._get_group_channel_name(group)}
    )
    stream = await open_stream(await sync_to_async(session_cookie)(alice))

    assert await sync_to_async(_listeners)(redis_url, **where) == 1
    await stream.disconnect()
    assert await sync_to_async(_listeners)(redis_url, **where) == 0


async def test_the_recipient_hears_it_and_nobody_else_does() -> None:
    await live_scenarios.only_the_recipient_hears_it()


async def test_a_reconnecting_page_catches_up_without_duplicates() -> None:
    await live_scenarios.a_reconnecting_page_catches_up_without_duplicates()
