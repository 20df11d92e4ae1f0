"""Drive one scenario over HTTP with a bounded number of requests in a bounded time."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from .scenarios import Scenario

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
REQUEST_TIMEOUT_S = 10.0


@dataclass
class Sample:
    latencies_ms: list[float] = field(default_factory=list)  # expected answers only
    errors: int = 0
    error_kinds: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0
    cut_short: bool = False  # the time limit stopped it before every request was sent


async def drive(
    base_url: str,
    scenario: Scenario,
    *,
    requests: int,
    concurrency: int,
    time_limit_s: float,
    headers: Mapping[str, str] | None = None,
    warmup: int | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Sample:
    """Send `requests` requests from `concurrency` workers; stop early at `time_limit_s`.

    `warmup` unmeasured requests (default: one per worker) open the connections first.
    """
    if httpx.URL(base_url).host not in LOOPBACK_HOSTS:
        raise ValueError(f"benchmarks only drive a server on this machine, not {base_url}")
    if requests < 1 or concurrency < 1:
        raise ValueError("requests and concurrency must be at least 1")
    sample = Sample()
    async with httpx.AsyncClient(
        base_url=base_url,
        headers=dict(headers or {}),
        timeout=REQUEST_TIMEOUT_S,
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        trust_env=False,  # never through a proxy from the environment
        transport=transport,
    ) as client:

        async def send() -> str | None:
            """Returns what went wrong, or None on success."""
            try:
                response = await client.request(scenario.method, scenario.path)
            except httpx.HTTPError as exc:
                return type(exc).__name__
            if response.status_code == scenario.expected_status:
                return None
            return f"HTTP {response.status_code}"

        await asyncio.gather(*(send() for _ in range(concurrency if warmup is None else warmup)))

        loop = asyncio.get_running_loop()
        deadline = loop.time() + time_limit_s
        sent = 0

        async def worker() -> None:
            nonlocal sent
            while sent < requests:
                if loop.time() >= deadline:
                    sample.cut_short = True
                    return
                sent += 1
                started = time.perf_counter()
                problem = await send()
                elapsed_ms = (time.perf_counter() - started) * 1000
                if problem is None:
                    sample.latencies_ms.append(elapsed_ms)
                else:
                    sample.errors += 1
                    sample.error_kinds[problem] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(min(concurrency, requests))))
        sample.elapsed_s = time.perf_counter() - started
    return sample
