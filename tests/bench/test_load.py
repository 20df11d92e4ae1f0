from __future__ import annotations

import asyncio

import httpx
import pytest

from bench.load import drive
from bench.scenarios import Scenario

SCENARIO = Scenario("probe", "GET", "/probe", auth=True)
BASE = "http://127.0.0.1:9"


def _run(handler: object, **kwargs: object) -> object:
    transport = httpx.MockTransport(handler)  # type: ignore[arg-type]
    options: dict[str, object] = {"requests": 20, "concurrency": 4, "time_limit_s": 60.0}
    options.update(kwargs)
    return asyncio.run(drive(BASE, SCENARIO, transport=transport, **options))  # type: ignore[arg-type]


def test_sends_warmup_plus_exactly_the_requested_number() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    sample = _run(handler, headers={"Authorization": "Bearer x"})
    assert len(seen) == 4 + 20  # one warm-up request per worker
    assert all(r.url == f"{BASE}/probe" and r.headers["Authorization"] == "Bearer x" for r in seen)
    assert len(sample.latencies_ms) == 20  # type: ignore[attr-defined]
    assert sample.errors == 0  # type: ignore[attr-defined]
    assert sample.cut_short is False  # type: ignore[attr-defined]
    assert sample.elapsed_s > 0  # type: ignore[attr-defined]


def test_error_statuses_and_transport_failures_are_counted_not_timed() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls % 5 == 0:
            raise httpx.ConnectError("refused", request=request)
        if calls % 2 == 0:
            return httpx.Response(500)
        return httpx.Response(200)

    sample = _run(handler, warmup=0, requests=10, concurrency=1)
    # Calls 2, 4, 6, 8 are 500s; 5 and 10 fail to connect; the rest succeed.
    assert sample.errors == 6  # type: ignore[attr-defined]
    assert sample.error_kinds == {"HTTP 500": 4, "ConnectError": 2}  # type: ignore[attr-defined]
    assert len(sample.latencies_ms) == 4  # type: ignore[attr-defined]


def test_stops_at_the_time_limit() -> None:
    sample = _run(lambda request: httpx.Response(200), time_limit_s=0.0, warmup=0)
    assert sample.cut_short is True  # type: ignore[attr-defined]
    assert sample.latencies_ms == []  # type: ignore[attr-defined]


def test_refuses_a_server_that_is_not_on_this_machine() -> None:
    with pytest.raises(ValueError, match="only drive a server on this machine"):
        asyncio.run(
            drive(
                "http://example.invalid",
                SCENARIO,
                requests=1,
                concurrency=1,
                time_limit_s=1.0,
            )
        )
