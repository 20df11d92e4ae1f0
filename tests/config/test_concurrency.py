"""The concurrency cap as an ASGI middleware, driven directly (tests/config/test_capacity.py
drives it through a real server)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from config.concurrency import ConcurrencyLimit


class App:
    """Holds each request until released; counts how many were inside at once."""

    def __init__(self) -> None:
        self.inside = 0
        self.most_inside = 0
        self.go = asyncio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        try:
            await self.go.wait()
            if scope["path"] == "/fails/":
                raise RuntimeError("the view failed")
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
        finally:
            self.inside -= 1


async def call(app: Any, path: str, kind: str = "http") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": kind, "path": path}, receive, send)
    return sent


def status(sent: list[dict[str, Any]]) -> int:
    return int(sent[0]["status"])


@pytest.mark.asyncio
async def test_requests_beyond_the_limit_wait_then_are_served() -> None:
    inner = App()
    app = ConcurrencyLimit(inner, limit=2, queue_limit=10, wait_seconds=5, retry_after=2)
    calls = [asyncio.create_task(call(app, "/triage/")) for _ in range(6)]
    await asyncio.sleep(0.05)
    assert inner.inside == 2
    inner.go.set()
    assert [status(sent) for sent in await asyncio.gather(*calls)] == [200] * 6
    assert inner.most_inside == 2


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/triage/", b"text/html; charset=utf-8"), ("/api/v1/referrals/", b"application/json")],
)
async def test_a_request_finding_no_place_in_time_gets_503_with_retry_after(
    path: str, content_type: bytes
) -> None:
    inner = App()
    app = ConcurrencyLimit(inner, limit=1, queue_limit=10, wait_seconds=0.01, retry_after=3)
    first = asyncio.create_task(call(app, path))
    await asyncio.sleep(0.01)
    refused = await call(app, path)
    headers = dict(refused[0]["headers"])
    assert status(refused) == 503
    assert headers[b"retry-after"] == b"3"
    assert headers[b"content-type"] == content_type
    assert b"Too many people are using the service" in refused[1]["body"]
    inner.go.set()
    assert status(await first) == 200


@pytest.mark.asyncio
async def test_a_request_beyond_a_full_queue_is_refused_at_once() -> None:
    inner = App()
    app = ConcurrencyLimit(inner, limit=1, queue_limit=2, wait_seconds=60, retry_after=2)
    held = [asyncio.create_task(call(app, "/triage/")) for _ in range(3)]  # one in, two wait
    await asyncio.sleep(0.01)
    refused = await asyncio.wait_for(call(app, "/triage/"), timeout=1)
    assert status(refused) == 503
    inner.go.set()
    assert [status(sent) for sent in await asyncio.gather(*held)] == [200] * 3
    assert inner.most_inside == 1
    # The queue empties as it is served: the next request waits again rather than being refused.
    assert status(await call(app, "/triage/")) == 200


@pytest.mark.asyncio
async def test_a_failed_request_gives_its_place_back() -> None:
    inner = App()
    inner.go.set()
    app = ConcurrencyLimit(inner, limit=1, queue_limit=10, wait_seconds=0.01, retry_after=2)
    with pytest.raises(RuntimeError):
        await call(app, "/fails/")
    assert status(await call(app, "/triage/")) == 200


@pytest.mark.asyncio
@pytest.mark.parametrize(("path", "kind"), [("/healthz", "http"), ("/ws/", "lifespan")])
async def test_liveness_and_other_protocols_are_not_held(path: str, kind: str) -> None:
    inner = App()
    app = ConcurrencyLimit(inner, limit=1, queue_limit=10, wait_seconds=0.01, retry_after=2)
    held = asyncio.create_task(call(app, "/triage/"))
    await asyncio.sleep(0.01)
    other = asyncio.create_task(call(app, path, kind))
    await asyncio.sleep(0.01)
    assert inner.inside == 2  # let in beside the held request, not refused
    inner.go.set()
    await asyncio.gather(held, other)


def test_the_app_can_be_served_from_one_event_loop_after_another() -> None:
    """As the browser tests' servers do: a request made to wait in the first loop must not
    tie the places to it."""
    app = ConcurrencyLimit(App(), limit=1, queue_limit=10, wait_seconds=0.01, retry_after=2)

    async def two_at_once() -> list[int]:
        inner = app.app
        inner.go = asyncio.Event()
        held = asyncio.create_task(call(app, "/triage/"))
        await asyncio.sleep(0.01)
        refused = await call(app, "/triage/")
        inner.go.set()
        return [status(await held), status(refused)]

    assert asyncio.run(two_at_once()) == [200, 503]
    assert asyncio.run(two_at_once()) == [200, 503]
