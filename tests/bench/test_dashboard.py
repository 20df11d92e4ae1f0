"""The dashboard benchmark's correctness: the hand-written SQL and the dashboard agree on a
generated dataset, and a difference between them stops the run. Nothing here is timed."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from bench import dashboard
from bench.generate import ensure_cast, generate_referrals
from reports.models import MonthlyRollup, StaleDay
from reports.periods import PeriodKind


@pytest.fixture
def loaded(db: None) -> dashboard.Period:
    generate_referrals(3000, seed=11)
    return dashboard.last_year(timezone.localdate())


def test_the_hand_written_sql_returns_the_dashboards_counts(loaded: dashboard.Period) -> None:
    cast = ensure_cast()
    checked = dashboard.check(cast.board_member, cast.area, loaded)
    assert checked["dashboard"] == checked["raw_sql"] == checked["rollup_sql"]

    # Every part of the dashboard is exercised, in both years.
    counts = dashboard.raw_counts(cast.area, [loaded, loaded.previous()])
    for period in (0, 1):
        measures = {m for p, m, _ in counts if p == period}
        assert measures >= {
            "raised", "raised.agency_type", "raised.age_band", "raised.sex", "raised.ethnicity",
            "raised.risk", "raised.exploitation_type", "raised.model", "raised.repeat", "month",
            "decided", "decided.decision", "decided.timeliness", "closed.outcome", "open",
            "missing.started", "missing.returned", "actions.due", "disruption",
            "disruption.tactic", "disruption.status",
        }  # fmt: skip
        keys = {(m, k) for p, m, k in counts if p == period}
        assert len([k for m, k in keys if m == "raised.agency_type"]) == 8
        assert {("decided.timeliness", "in_time"), ("decided.timeliness", "late")} <= keys
        assert {("raised.repeat", "repeat"), ("raised.repeat", "first")} <= keys
        assert len([k for m, k in keys if m == "month"]) == 12


def test_a_rollup_that_drifts_from_the_records_stops_the_run(loaded: dashboard.Period) -> None:
    cast = ensure_cast()
    cell = MonthlyRollup.objects.filter(
        area=cast.area, measure="raised.sex", month__gte=loaded.start, month__lte=loaded.end
    ).first()
    assert cell is not None
    with connection.cursor() as cursor:
        # Behind the rollups' back, as a faulty refresh would leave them.
        cursor.execute(
            "UPDATE reports_monthlyrollup SET count = count + 1 WHERE id = %s", [cell.pk]
        )
    with pytest.raises(dashboard.Mismatch, match=rf"raised\.sex\[{cell.key}\]"):
        dashboard.check(cast.board_member, cast.area, loaded)


def test_a_shown_figure_that_differs_from_the_hand_count_is_named(
    loaded: dashboard.Period,
) -> None:
    cast = ensure_cast()
    periods = [loaded, loaded.previous()]
    counts = dashboard.raw_counts(cast.area, periods)
    shown = dashboard.render(cast.board_member, cast.area, loaded)
    assert json.loads(shown)["period"]["label"] == loaded.label
    board = dashboard.selectors.area_dashboard(
        user=cast.board_member, ons_code=cast.area.ons_code, period=loaded
    )
    assert dashboard.shown_differences(board, counts) == []
    counts[0, "raised", ""] += 1
    assert any("summary raised period 0" in d for d in dashboard.shown_differences(board, counts))


def test_a_run_times_the_page_and_the_rest_and_writes_its_figures(
    loaded: dashboard.Period, tmp_path
) -> None:
    cast = ensure_cast()
    result = dashboard.run(board_member=cast.board_member, area=cast.area, runs=2)
    assert [t.name for t in result.timings] == [
        "dashboard_page",
        "dashboard_dashboard",
        "dashboard_dashboard_after_change",
        "dashboard_raw_sql",
        "dashboard_rollup_sql",
    ]
    assert all(t.requests == 2 and t.p95_ms for t in result.timings)
    assert not StaleDay.objects.exists()  # each marked day was recounted by the next read
    assert result.ratio_raw_p95 and result.ratio_rollup_p95
    assert result.table_sizes["referrals_referral"]["bytes"] > 0
    path = dashboard.write(result, tmp_path, None)
    assert json.loads(path.read_text())["period"] == loaded.label
    assert "Dashboard page / raw SQL at p95" in dashboard.markdown(result)


def test_the_hand_written_rollup_sums_refuse_a_period_of_part_months(db: None) -> None:
    part = dashboard.Period(PeriodKind.CUSTOM, date(2025, 4, 2), date(2025, 5, 31))
    with pytest.raises(ValueError, match="whole months"):
        dashboard.rollup_counts(ensure_cast().area, [part])
