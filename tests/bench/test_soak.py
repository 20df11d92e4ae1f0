"""The soak at a tiny scale (a few clients, a few seconds), so that it cannot rot: every role's
requests are answered 200 by the served app, and the run reports its figures. Not timed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session

from api.models import ApiToken
from bench import soak
from bench.__main__ import parse_args
from bench.generate import generate_referrals
from tests.database_urls import this_test_database_url


@pytest.mark.django_db(transaction=True)  # the server is another process
def test_a_short_soak_answers_every_request_and_reports_its_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", this_test_database_url())
    generate_referrals(30, seed=4)

    result = soak.run(
        soak.SoakOptions(clients=6, seconds=3), server_name="uvicorn", results_dir=tmp_path
    )

    names = [call.name for round_ in soak.ROUNDS.values() for call in round_]
    assert [call.name for call in result.calls] == [*names, "all"]
    assert result.total.errors == 0, result.total.error_kinds
    assert result.ok
    assert all(call.requests > 0 and call.p99_ms is not None for call in result.calls)
    assert result.total.requests == sum(call.requests for call in result.calls[:-1])
    assert result.total.throughput_rps > 0
    assert not Session.objects.exists()  # the clients' sessions end with the run
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()
    written = json.loads(soak.write(result, tmp_path).read_text())
    assert written["ok"] is True and written["clients"] == 6
    assert "| all | `GET (the mix)` |" in soak.markdown(result)


def test_it_runs_only_when_named_with_its_own_options() -> None:
    args = parse_args(["--scenario", "soak", "--soak-clients", "20", "--soak-seconds", "5"])
    assert args.scenarios == ["soak"]
    assert (args.soak_clients, args.soak_seconds) == (20, 5)
    defaults = parse_args([])
    assert (defaults.soak_clients, defaults.soak_seconds) == (200, 300)
