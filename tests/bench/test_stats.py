from __future__ import annotations

import pytest

from bench.stats import percentile, summarise

ONE_TO_HUNDRED = [float(n) for n in range(1, 101)]


@pytest.mark.parametrize(
    ("pct", "expected"),
    [(0, 1.0), (50, 50.5), (95, 95.05), (99, 99.01), (100, 100.0)],
)
def test_percentile_interpolates_between_closest_ranks(pct: float, expected: float) -> None:
    assert percentile(ONE_TO_HUNDRED, pct) == pytest.approx(expected)


def test_percentile_ignores_input_order() -> None:
    assert percentile([30.0, 10.0, 20.0], 50) == 20.0
    assert percentile([40.0, 10.0, 30.0, 20.0], 50) == 25.0


def test_percentile_of_one_value_is_that_value() -> None:
    assert percentile([7.0], 99) == 7.0


@pytest.mark.parametrize(("values", "pct"), [([], 50), ([1.0], -1), ([1.0], 100.5)])
def test_percentile_rejects_no_values_or_a_bad_rank(values: list[float], pct: float) -> None:
    with pytest.raises(ValueError):
        percentile(values, pct)


def test_summary_counts_errors_apart_from_successful_latencies() -> None:
    result = summarise(
        name="s",
        method="GET",
        path="/x",
        latencies_ms=[10.0, 20.0, 30.0, 40.0],
        errors=1,
        elapsed_s=2.0,
        queries_per_request=3,
        error_kinds={"HTTP 500": 1},
    )
    assert result.requests == 5
    assert result.errors == 1
    assert result.p50_ms == pytest.approx(25.0)
    assert result.p95_ms == pytest.approx(38.5)
    assert result.p99_ms == pytest.approx(39.7)
    assert result.throughput_rps == pytest.approx(2.0)  # successful requests only
    assert result.queries_per_request == 3
    assert result.error_kinds == {"HTTP 500": 1}


def test_summary_without_a_success_has_no_percentiles_and_no_throughput() -> None:
    result = summarise(
        name="s",
        method="GET",
        path="/x",
        latencies_ms=[],
        errors=3,
        elapsed_s=0.5,
        queries_per_request=None,
    )
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (None, None, None)
    assert result.throughput_rps == 0.0
    assert result.requests == 3


def test_summary_of_zero_elapsed_time_does_not_divide_by_zero() -> None:
    result = summarise(
        name="s",
        method="GET",
        path="/x",
        latencies_ms=[1.0],
        errors=0,
        elapsed_s=0.0,
        queries_per_request=0,
    )
    assert result.throughput_rps == 0.0
