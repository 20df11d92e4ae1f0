"""The shared cache (Redis) that degrades instead of failing.

While Redis cannot be reached, each process keeps its own cache in memory, so everything that
uses the cache (the API's throttles, the dashboards' cluster counts) keeps answering; after
`RETRY_AFTER` seconds the next call tries Redis again, and uses it as soon as it answers, with no
restart. What the cache holds must therefore be safe to lose or to hold per process for a while:
throttle histories, and values under keys that carry their own version (a stale entry is then
never read). Errors that are not about reaching Redis are raised as before.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 5.0
# When each Redis address may be tried again (monotonic time), for the whole process: Django
# makes a cache object per thread or request, and none should pay a failed connection again
# to learn what another has just found.
_down_until: dict[str, float] = {}


class FallbackRedisCache(RedisCache):
    """Django's Redis cache, falling back to this process's memory while Redis is unreachable.

    OPTIONS as for Django's RedisCache, plus RETRY_AFTER (seconds between attempts to reach
    Redis again during an outage)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        self.retry_after = float(options.pop("RETRY_AFTER", RETRY_AFTER_SECONDS))
        super().__init__(server, {**params, "OPTIONS": options})
        local_params = {k: v for k, v in params.items() if k != "OPTIONS"}
        self._local = LocMemCache(f"fallback:{server}", local_params)
        self._address = server

    @property
    def reachable(self) -> bool:
        """False while an outage is known and its retry time has not come."""
        return time.monotonic() >= _down_until.get(self._address, 0.0)

    def _either(self, name: str, *args: Any) -> Any:
        if self.reachable:
            try:
                result = getattr(super(), name)(*args)
            except UNREACHABLE as exc:
                self._went_down(exc)
            else:
                if self._address in _down_until:
                    self._came_back()
                return result
        return getattr(self._local, name)(*args)

    def _went_down(self, exc: Exception) -> None:
        if self._address not in _down_until:
            logger.warning(
                "the shared cache (Redis) cannot be reached (%s): this process uses its own "
                "memory until it answers again",
                exc,
            )
        _down_until[self._address] = time.monotonic() + self.retry_after

    def _came_back(self) -> None:
        if _down_until.pop(self._address, None) is not None:
            logger.warning("the shared cache (Redis) answers again")
        # What was kept during the outage is not read again, and must not be at the next one.
        self._local.clear()

    def add(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        return bool(self._either("add", key, value, timeout, version))

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._either("get", key, default, version)

    def set(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        self._either("set", key, value, timeout, version)

    def touch(
        self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return bool(self._either("touch", key, timeout, version))

    def delete(self, key: Any, version: int | None = None) -> bool:
        return bool(self._either("delete", key, version))

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        found: dict[Any, Any] = self._either("get_many", keys, version)
        return found

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return bool(self._either("has_key", key, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return int(self._either("incr", key, delta, version))

    def set_many(
        self,
        data: dict[Any, Any],
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> list[Any]:
        failed: list[Any] = self._either("set_many", data, timeout, version)
        return failed

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._either("delete_many", keys, version)

    def clear(self) -> None:
        self._either("clear")
