"""`make run`'s launcher end to end: migrate, demo data, serve over ASGI, stop everything."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from agencies.models import Area
from tests.database_urls import this_test_database_url

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


pytestmark = pytest.mark.services


@pytest.mark.django_db(transaction=True)  # the launcher's server reads what the test commits
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_run_serves_the_app_then_stops_its_server(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    port = free_port()
    log = tmp_path / "run.log"
    env = {**os.environ, "DATABASE_URL": this_test_database_url()}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with log.open("w") as out:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "config.launcher", "run", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while not port_open(port):
            assert launcher.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as response:
            assert response.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert b"Safeguard Hub" in response.read()
    finally:
        launcher.send_signal(stop_signal)  # to the launcher alone, not its process group
        launcher.wait(timeout=30)
    output = log.read_text()
    assert f"http://127.0.0.1:{port}/" in output
    assert "northmoor-coordinator" in output
    assert Area.objects.filter(ons_code="E99000001").exists()  # the demo data was loaded
    # The server child went with the launcher: nothing is left holding the port.
    assert not port_open(port)
