"""The live stream through channels-redis and a real Redis server (REDIS_URL, or a throwaway
server the fixture starts): the same scenarios as the in-memory layer's."""

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
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio,
    pytest.mark.usefixtures("redis_layer"),
]


def _group_members(url: str, key: str) -> int:
    with redis.Redis.from_url(url) as client:
        return int(client.zcard(key))


async def test_a_stream_joins_its_group_in_redis(redis_layer: Any, redis_url: str) -> None:
    assert isinstance(redis_layer, RedisChannelLayer)
    alice = await sync_to_async(member)(Role.COORDINATOR)
    stream = await open_stream(await sync_to_async(session_cookie)(alice))
    key = redis_layer._group_key(live.user_group(alice.pk)).decode()

    assert await sync_to_async(_group_members)(redis_url, key) == 1
    await stream.disconnect()
    assert await sync_to_async(_group_members)(redis_url, key) == 0


async def test_the_recipient_hears_it_and_nobody_else_does() -> None:
    await live_scenarios.only_the_recipient_hears_it()


async def test_a_reconnecting_page_catches_up_without_duplicates() -> None:
    await live_scenarios.a_reconnecting_page_catches_up_without_duplicates()
