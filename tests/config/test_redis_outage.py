"""With Redis down the API and the dashboards keep answering from each process's own memory,
throttles still hold, and the shared cache is used again as soon as Redis answers."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
import redis
from django.core.cache import cache, caches
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from agencies.models import Role
from config.caches import RETRY_AFTER_SECONDS, FallbackRedisCache
from config.settings.base import REDIS_TIMEOUT_SECONDS
from tests.factories import AreaFactory, member, sign_in
from tests.redis_server import RedisOutage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_down")]


def api(user: Any) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def test_the_api_answers_while_redis_is_down() -> None:
    response = api(member(Role.COORDINATOR)).get("/api/v1/me/")
    assert response.status_code == 200, response.content


def test_a_dashboard_is_counted_without_the_cache() -> None:
    area = AreaFactory.create()
    board = api(member(Role.BOARD_MEMBER, area=area))
    response = board.get(f"/api/v1/reports/areas/{area.ons_code}/dashboard/")
    assert response.status_code == 200, response.content
    assert response.json()["tables"]


class _OncePerMinute(UserRateThrottle):
    rate = "1/minute"


class _ThrottledView(APIView):
    throttle_classes = [_OncePerMinute]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


def test_throttles_still_hold_from_this_process_memory() -> None:
    user = member(Role.COORDINATOR)

    def call() -> int:
        request = APIRequestFactory().get("/api/v1/x/")
        request.user = user
        return int(_ThrottledView.as_view()(request).status_code)

    assert [call(), call()] == [200, 429]


def test_the_shared_cache_is_used_again_once_redis_answers(
    redis_down: RedisOutage, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr("config.caches.time", SimpleNamespace(monotonic=lambda: now[0]))
    cache.set("kept-in-memory", "during the outage")
    assert cache.get("kept-in-memory") == "during the outage"

    with redis_down.back() as url:
        # Until the retry time comes, Redis is not asked again (no cost per call in an outage).
        cache.set("shared", "not yet")
        now[0] += RETRY_AFTER_SECONDS
        cache.set("shared", "in redis")
        with redis.Redis.from_url(url) as client:
            assert client.keys("*shared") != []
            assert client.keys("*kept-in-memory") == []
        assert cache.get("shared") == "in redis"
        assert cache.get("kept-in-memory") is None  # memory is not read once Redis is back


def test_an_outage_found_by_one_cache_object_spares_the_others_the_attempt() -> None:
    """Django makes a cache object per thread (and per request under ASGI)."""
    first, second = (caches.create_connection("default") for _ in range(2))
    assert isinstance(first, FallbackRedisCache) and isinstance(second, FallbackRedisCache)
    assert first.reachable and second.reachable
    first.get("anything")
    assert not second.reachable


@pytest.mark.usefixtures("redis_hung")
def test_a_redis_that_never_answers_holds_an_api_call_about_a_second() -> None:
    client = api(member(Role.COORDINATOR))
    started = time.monotonic()
    assert client.get("/api/v1/me/").status_code == 200
    assert time.monotonic() - started < 3 * REDIS_TIMEOUT_SECONDS
