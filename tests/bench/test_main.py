from __future__ import annotations

import pytest

from bench.__main__ import parse_args


def test_defaults() -> None:
    args = parse_args([])
    assert (args.referrals, args.requests, args.concurrency) == (1000, 200, 8)
    assert args.skip_generate is False
    assert args.scenarios is None
    assert args.server == "uvicorn"
    assert args.dashboard_runs == 50


def test_options() -> None:
    args = parse_args(
        [
            "--referrals",
            "100000",
            "--requests",
            "50",
            "--concurrency",
            "2",
            "--seed",
            "7",
            "--skip-generate",
            "--scenario",
            "healthz",
            "--scenario",
            "referral_list_api",
            "--scenario",
            "dashboard",
            "--dashboard-runs",
            "20",
        ]
    )
    assert (args.referrals, args.requests, args.concurrency, args.seed) == (100000, 50, 2, 7)
    assert args.skip_generate is True
    assert args.scenarios == ["healthz", "referral_list_api", "dashboard"]
    assert args.dashboard_runs == 20


def test_counts_must_be_positive() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--requests", "0"])
