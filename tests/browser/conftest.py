"""Real Chromium through Playwright, on the application served over ASGI (websockets included).
The browser comes from `bin/ensure-chromium` (run by
`make test`); a missing browser fails the run with the way to get one, never a skip."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import uvicorn
from channels.db import database_sync_to_async
from playwright.sync_api import Error, sync_playwright

T = TypeVar("T")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_executable() -> str | None:
    """CHROMIUM_PATH, else Debian's chromium; None means Playwright's own download."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium"):
        if candidate and shutil.which(candidate):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Playwright's sync API keeps an event loop running in this thread while it is open, so it
    # lives only as long as a module of browser tests: other tests start their own loops.
    # The ORM calls these tests make between page actions are ordinary synchronous ones.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        try:
            browser = playwright.chromium.launch(
                executable_path=chromium_executable(), args=CHROMIUM_ARGS
            )
        except Error as exc:
            pytest.fail(
                "No Chromium for the browser tests. Run `bin/ensure-chromium`, install Debian's "
                f"'chromium', or set CHROMIUM_PATH. ({str(exc).splitlines()[0]})"
            )
        yield browser
        browser.close()


@dataclass
class AsgiServer:
    """The whole application (pages and websockets) served by uvicorn on a free local port, on
    an event loop in a thread of the test process."""

    url: str
    loop: asyncio.AbstractEventLoop

    def run(self, work: Callable[[], T]) -> T:
        """Run `work` (synchronous: a service call, say) inside the server, as a request's view
        would be run: in a worker thread of the server's loop, so that what it sends on commit
        goes through the channel layer the server's websockets listen on."""
        future = asyncio.run_coroutine_threadsafe(database_sync_to_async(work)(), self.loop)
        return future.result(timeout=10)


@pytest.fixture
def asgi_server(transactional_db: None) -> Iterator[AsgiServer]:
    """pytest-django's `live_server` speaks WSGI, which has no websockets; this one serves
    `config.asgi.application`. Requests and websockets share the server's event loop, so the
    in-memory channel layer carries a push from a request to another person's open page."""
    from config.asgi import application

    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    host, port = listening.getsockname()
    server = uvicorn.Server(
        uvicorn.Config(
            application, lifespan="off", log_level="warning", timeout_graceful_shutdown=2
        )
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(
        target=loop.run_until_complete, args=(server.serve(sockets=[listening]),), daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the ASGI server did not start"
        time.sleep(0.02)
    yield AsgiServer(url=f"http://{host}:{port}", loop=loop)
    server.should_exit = True
    thread.join(timeout=10)
    loop.close()
    listening.close()


@pytest.fixture
def open_page(browser: Any, asgi_server: AsgiServer) -> Iterator[Callable[[], Any]]:
    """A new page in a browser context of its own (one person's browser) on the ASGI server;
    call it once per person."""
    contexts: list[Any] = []

    def new_page() -> Any:
        context = browser.new_context(base_url=asgi_server.url)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        return page

    yield new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page: Callable[[], Any]) -> Any:
    return open_page()
