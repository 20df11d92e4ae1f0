"""A cap on the HTTP requests one server process handles at once.

Under ASGI every request runs its synchronous view in a thread of its own with a database
connection of its own, so a burst of requests opens as many connections as it has requests,
until PostgreSQL refuses one ("too many clients") and that request fails with a 500. Here a
request waits briefly for one of a fixed number of places, sized so that every process of the
deployment together stays inside the database's connection budget; a request that finds no
place in time is answered 503 with Retry-After, which a browser or API client can act on.
The wait is long enough for a full queue to be served at a process's pace, because a late
answer serves a practitioner better than an error; the queue itself is bounded, so a flood
beyond it is refused at once rather than held in memory.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable, HTTPScope
from django.template.loader import get_template

from api.errors import API_PREFIX, error_body

# Liveness must answer under load (it touches no database), or the orchestrator would restart
# a process for being busy.
UNLIMITED_PATHS = frozenset({"/healthz"})
BUSY_TITLE = "Sorry, the service is busy"
BUSY_MESSAGE = "Too many people are using the service at the moment. Try again in a moment."


class ConcurrencyLimit:
    """ASGI middleware: at most `limit` HTTP requests inside `app` at once; up to `queue_limit`
    more wait, each up to `wait_seconds`, for a place; the others get 503 with
    `Retry-After: retry_after`."""

    def __init__(
        self, app: Any, *, limit: int, queue_limit: int, wait_seconds: float, retry_after: int
    ) -> None:
        if limit < 1 or queue_limit < 0:
            raise ValueError("the concurrency limit must be at least 1, the queue at least 0")
        self.app = app
        self.limit = limit
        self.queue_limit = queue_limit
        self.wait_seconds = wait_seconds
        self.retry_after = retry_after
        self._waiting = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._places = asyncio.Semaphore(limit)

    def _places_here(self) -> asyncio.Semaphore:
        """The places of the running event loop. A server runs one loop, but the same app may
        be served from several, one after another (the browser tests' servers), and a
        semaphore that has made a request wait belongs to its loop."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._places = loop, asyncio.Semaphore(self.limit)
        return self._places

    async def __call__(
        self, scope: HTTPScope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        places = self._places_here()
        if places.locked() and self._waiting >= self.queue_limit:
            await self._busy(scope, send)
            return
        self._waiting += 1
        try:
            await asyncio.wait_for(places.acquire(), timeout=self.wait_seconds)
        except TimeoutError:
            await self._busy(scope, send)
            return
        finally:
            self._waiting -= 1
        try:
            # Django's handler returns once the response is sent and the request's database
            # connection is closed, so the place is freed only when its connection is.
            await self.app(scope, receive, send)
        finally:
            places.release()

    async def _busy(self, scope: HTTPScope, send: ASGISendCallable) -> None:
        if scope["path"].startswith(API_PREFIX):
            body = json.dumps(error_body("service_busy", BUSY_MESSAGE)).encode()
            content_type = b"application/json"
        else:
            # The page server errors use (frontend.views.server_error), rendered without the
            # request: its context processors would query the database this request must not.
            context = {"title": BUSY_TITLE, "message": BUSY_MESSAGE}
            body = get_template("frontend/error.html").render(context).encode()
            content_type = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(self.retry_after).encode()),
                    (b"cache-control", b"no-store"),
                ],
                "trailers": False,
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})
