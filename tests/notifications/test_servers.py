"""Both ASGI servers the service runs under (uvicorn in production, daphne behind `make run`)
close a refused stream with the code the page acts on: SIGNED_OUT when no one is signed in,
LIVE_PAUSED while Redis is down. Daphne sends no close code but 1000 and 3000-4999, so any
other code reached the page as 1011, an error it retried for ever."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.typing import Origin

from config.launcher import ROOT
from notifications.consumers import LIVE_PAUSED, SIGNED_OUT
from tests.redis_server import redis_server, socket_url

START_TIMEOUT_S = 30.0
SERVERS = {
    "daphne": ["-m", "daphne", "-b", "127.0.0.1", "-p", "{port}", "config.asgi:application"],
    "uvicorn": [
        *("-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"),
        *("--port", "{port}", "--lifespan", "off"),
    ],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_listening(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the server exited with code {server.returncode}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"the server did not listen within {START_TIMEOUT_S:.0f} s")


@pytest.fixture(params=sorted(SERVERS))
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, Path]]:
    """The application served by each server as a process of its own, with Redis configured at
    an address where nothing answers yet; yields the port and where Redis will be."""
    folder = tmp_path_factory.mktemp("redis")
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.notifications.served_settings",
        "SERVED_REDIS_URL": socket_url(folder),
    }
    args = [arg.format(port=port) for arg in SERVERS[request.param]]
    server = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(port, server)
        yield port, folder
    finally:
        server.terminate()
        server.wait(timeout=10)


def close_code(port: int) -> int | None:
    """The code the server closes an anonymous stream with (accepted first, as the page sees)."""
    with connect(
        f"ws://127.0.0.1:{port}/ws/notifications/", origin=Origin(f"http://127.0.0.1:{port}")
    ) as stream:
        try:
            stream.recv(timeout=5)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
    return None


def test_a_refused_stream_is_closed_with_a_code_the_page_understands(
    served: tuple[int, Path],
) -> None:
    port, redis_folder = served
    assert close_code(port) == LIVE_PAUSED
    with redis_server(redis_folder):  # Redis returns: the same process serves streams again
        assert close_code(port) == SIGNED_OUT
