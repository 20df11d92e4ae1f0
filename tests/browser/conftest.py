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

from tests.browser.form_check import SubmissionRecorder

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


class Chromium:
    """One Chromium for each xdist worker, started by its first browser test. Playwright's sync
    API keeps an event loop set in this thread while it is open, which other tests' own loops
    (pytest-asyncio, Django's async-unsafe guard) cannot share: so it is stopped before any test
    that is not a browser test, and the browser modules are handed out before any other
    (`pytest_xdist_make_scheduler` in tests/conftest.py), so each worker starts it once."""

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None
        self._patch: pytest.MonkeyPatch | None = None

    def get(self) -> Any:
        if self._browser is None:
            self._patch = pytest.MonkeyPatch()
            # The ORM calls these tests make between page actions are ordinary synchronous ones.
            self._patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
            self._playwright = sync_playwright().start()
            try:
                self._browser = self._playwright.chromium.launch(
                    executable_path=chromium_executable(), args=CHROMIUM_ARGS
                )
            except Error as exc:
                self.stop()
                pytest.fail(
                    "No Chromium for the browser tests. Run `bin/ensure-chromium`, install "
                    f"Debian's 'chromium', or set CHROMIUM_PATH. ({str(exc).splitlines()[0]})"
                )
        return self._browser

    def stop(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None
        if self._patch is not None:
            self._patch.undo()
            self._patch = None


CHROMIUM = Chromium()


@pytest.fixture
def browser() -> Any:
    return CHROMIUM.get()


class InFlight:
    """Counts the requests and websockets the server is still answering: closing a browser does
    not wait for the server to finish what it was asked, and a view's reads racing the test
    database's flush can take their table locks in the opposite order to its emptying."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self._count = 0
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        with self._lock:
            self._count += 1
            self._idle.clear()
        try:
            await self.application(scope, receive, send)
        finally:
            with self._lock:
                self._count -= 1
                if not self._count:
                    self._idle.set()

    def wait_idle(self) -> None:
        assert self._idle.wait(timeout=10), (
            f"the ASGI server was still answering {self._count} requests 10 s after the test"
        )


@dataclass
class AsgiServer:
    """The whole application (pages and websockets) served by uvicorn on a free local port, on
    an event loop in a thread of the test process."""

    url: str
    loop: asyncio.AbstractEventLoop
    in_flight: InFlight

    def run(self, work: Callable[[], T]) -> T:
        """Run `work` (synchronous: a service call, say) inside the server, as a request's view
        would be run: in a worker thread of the server's loop, so that what it sends on commit
        goes through the channel layer the server's websockets listen on."""
        future = asyncio.run_coroutine_threadsafe(database_sync_to_async(work)(), self.loop)
        return future.result(timeout=10)


# Held while a test's database is emptied: the server's ticker (timed jobs, run in the server
# when there is no Redis) must not be inside a job then, or its reads and the flush's emptying
# of the tables can take their table locks in opposite orders and deadlock.
TICKER_JOBS = threading.Lock()


def _run_job_unless_flushing(run_job: Callable[[str], None]) -> Callable[[str], None]:
    def run(task_name: str) -> None:
        with TICKER_JOBS:
            run_job(task_name)

    return run


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """After every fixture's teardown, the test database's flush included: the ticker that
    `asgi_server`'s teardown stopped runs again."""
    try:
        return (yield)
    finally:
        if TICKER_JOBS.locked():
            TICKER_JOBS.release()


@pytest.fixture(scope="module")
def module_asgi_server() -> Iterator[AsgiServer]:
    """pytest-django's `live_server` speaks WSGI, which has no websockets; this one serves
    `config.asgi.application`, once for a module of browser tests. Requests and websockets
    share the server's event loop, so the in-memory channel layer carries a push from a request
    to another person's open page."""
    from config.asgi import application as served
    from notifications import ticker

    application = InFlight(SubmissionRecorder(served))  # SubmissionRecorder: the every-form check
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(ticker, "run_job", _run_job_unless_flushing(ticker.run_job))

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
    yield AsgiServer(url=f"http://{host}:{port}", loop=loop, in_flight=application)
    server.should_exit = True
    thread.join(timeout=10)
    # In a thread of its own: channels-redis closes its layers by running the loop once more,
    # which cannot happen in this thread, where Playwright's loop runs.
    closing = threading.Thread(target=loop.close)
    closing.start()
    closing.join(timeout=10)
    listening.close()
    monkeypatch.undo()


@pytest.fixture
def asgi_server(transactional_db: None, module_asgi_server: AsgiServer) -> Iterator[AsgiServer]:
    """The module's server, over a database that each test leaves empty: the server answers
    from connections of its own, which see only what a test commits."""
    yield module_asgi_server
    # Torn down after the test's pages (`open_page`) and before `transactional_db`: this waits
    # for a job under way, holding the next until after the flush (pytest_runtest_teardown),
    # and for what the closed pages had asked of the server.
    TICKER_JOBS.acquire()
    module_asgi_server.in_flight.wait_idle()


@pytest.fixture
def open_page(browser: Any, asgi_server: AsgiServer) -> Iterator[Callable[[], Any]]:
    """A new page in a browser context of its own (one person's browser) on the ASGI server;
    call it once per person."""
    contexts: list[Any] = []

    def new_page() -> Any:
        context = browser.new_context(base_url=asgi_server.url)
        context.base_url = asgi_server.url  # for cookies (`helpers.sign_in`)
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
