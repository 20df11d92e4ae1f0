"""Start the app in its own process on a free loopback port, and stop it afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
ASGI_APP = "config.asgi:application"
# Longer than any client or load balancer keeps an idle connection (60 s is the usual proxy
# default): with uvicorn's 5 s, a busy client sending on a connection the server had just timed
# out got a reset (httpx ReadError) instead of an answer. docker-compose.yml and the Dockerfile
# use the same value (tests/deploy/test_topology.py).
KEEP_ALIVE_SECONDS = 75

# Command lines by server name, for a port and an ASGI app; the interpreter is this one so the
# venv's packages are used.
SERVERS: dict[str, Callable[[int, str], list[str]]] = {
    "uvicorn": lambda port, app: [
        *(sys.executable, "-m", "uvicorn", app, "--host", HOST, "--port", str(port)),
        *("--lifespan", "off", "--no-access-log", "--log-level", "warning"),
        *("--timeout-keep-alive", str(KEEP_ALIVE_SECONDS)),
    ],
    "daphne": lambda port, app: [
        *(sys.executable, "-m", "daphne", "-b", HOST, "-p", str(port), "-v", "0", app),
    ],
}


class ServerError(Exception):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait_until_up(proc: subprocess.Popen[bytes], base_url: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base_url, timeout=1.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ServerError(f"the server exited with code {proc.returncode}:\n{_tail(log)}")
            try:
                if client.get("/healthz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass  # not listening yet
            time.sleep(0.1)
    raise ServerError(f"the server did not answer /healthz within {timeout:.0f} s:\n{_tail(log)}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def running_server(
    name: str = "uvicorn",
    *,
    log_path: Path,
    startup_timeout: float = 30.0,
    app: str = ASGI_APP,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
) -> Iterator[str]:
    """Yield the base URL of `app` served by `name`, with this process's environment and
    `env` over it, on `port` (a free one if not given)."""
    port = port or free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(  # noqa: S603 - fixed command line built above
            SERVERS[name](port, app),
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=log,
        )
        try:
            base_url = f"http://{HOST}:{port}"
            _wait_until_up(proc, base_url, log_path, startup_timeout)
            yield base_url
        finally:
            _stop(proc)
