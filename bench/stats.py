"""Latency percentiles and the per-scenario summary."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], pct: float) -> float:
    """The pct-th percentile, interpolating linearly between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= pct <= 100:
        raise ValueError(f"percentile must be between 0 and 100, not {pct}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    method: str
    path: str
    requests: int  # requests completed in the measured phase, successful or not
    errors: int
    p50_ms: float | None  # None when no request succeeded
    p95_ms: float | None
    p99_ms: float | None
    throughput_rps: float  # successful requests per second of wall time
    queries_per_request: int | None  # measured in-process; None if not measured
    elapsed_s: float
    error_kinds: dict[str, int] = field(default_factory=dict)


def summarise(
    *,
    name: str,
    method: str,
    path: str,
    latencies_ms: Sequence[float],
    errors: int,
    elapsed_s: float,
    queries_per_request: int | None,
    error_kinds: Mapping[str, int] | None = None,
) -> ScenarioResult:
    """Latencies are of successful requests only, so a fast error page cannot flatter them."""
    ok = len(latencies_ms)

    def pick(pct: float) -> float | None:
        return percentile(latencies_ms, pct) if ok else None

    return ScenarioResult(
        name=name,
        method=method,
        path=path,
        requests=ok + errors,
        errors=errors,
        p50_ms=pick(50),
        p95_ms=pick(95),
        p99_ms=pick(99),
        throughput_rps=ok / elapsed_s if elapsed_s > 0 else 0.0,
        queries_per_request=queries_per_request,
        elapsed_s=elapsed_s,
        error_kinds=dict(error_kinds or {}),
    )
