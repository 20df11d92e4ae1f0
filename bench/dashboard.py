"""The area dashboard at scale: its server-side time beside hand-written SQL for the same numbers.

`python -m bench --scenario dashboard` times, in this process and interleaved round by round so
that the machine's load falls on each alike:

- the dashboard a board member reads for the last whole reporting year beside the year before
  (`reports.selectors.area_dashboard` and its JSON, the API's and the page's payload);
- RAW_SQL, a GROUP BY written by hand over the records (referrals, young people, agencies,
  missing episodes, protective actions, disruption) returning every count the dashboard shows
  for both years;
- ROLLUP_SQL, the same counts summed by hand from the monthly rollups.

Before timing anything it checks that both hand-written answers equal the dashboard's own
counts before suppression, and every figure the dashboard shows unsuppressed; a difference stops
the run. It also times a rebuild of the bench area's rollups and `manage.py rollups_check`.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from agencies.models import Area
from reports import selectors
from reports.models import StaleDay
from reports.periods import Period, period_from
from reports.rollups import ZONE, rollups_rebuild

from .fanout import devices_for, signed_in_session
from .generate import GenerateResult
from .stats import ScenarioResult, summarise

NAME = "dashboard"
WARMUP = 3
# Counts keyed as the dashboard's selector keys them: (period index, measure, key).
Counts = dict[tuple[int, str, str], int]

# The periods, as (index, first day, day after the last) and their instants in England.
_PERIODS = f"""
periods AS (
    SELECT i - 1 AS period, lo_day, hi_day,
           lo_day::timestamp AT TIME ZONE '{ZONE}' AS lo,
           hi_day::timestamp AT TIME ZONE '{ZONE}' AS hi
    FROM unnest(%(los)s::date[], %(his)s::date[]) WITH ORDINALITY AS p(lo_day, hi_day, i)
)"""  # noqa: S608 - no user input in the text

# Written from the dashboard's definitions (docs and reports.selectors), not from the rollups'
# SQL, so that each checks the other.
RAW_SQL = f"""
WITH {_PERIODS},
concerns AS MATERIALIZED (
    SELECT p.period,
           ag.agency_type,
           CASE
               WHEN y.date_of_birth IS NULL AND y.estimated_age IS NULL THEN 'not_known'
               WHEN COALESCE(extract(year FROM age((r.submitted_at AT TIME ZONE '{ZONE}')::date,
                                                   y.date_of_birth)), y.estimated_age) < 10
                   THEN 'under_10'
               WHEN COALESCE(extract(year FROM age((r.submitted_at AT TIME ZONE '{ZONE}')::date,
                                                   y.date_of_birth)), y.estimated_age) < 13
                   THEN '10_to_12'
               WHEN COALESCE(extract(year FROM age((r.submitted_at AT TIME ZONE '{ZONE}')::date,
                                                   y.date_of_birth)), y.estimated_age) < 16
                   THEN '13_to_15'
               WHEN COALESCE(extract(year FROM age((r.submitted_at AT TIME ZONE '{ZONE}')::date,
                                                   y.date_of_birth)), y.estimated_age) < 18
                   THEN '16_to_17'
               ELSE '18_and_over'
           END AS age_band,
           CASE WHEN y.sex = '' THEN 'not_known' ELSE y.sex END AS sex,
           CASE WHEN y.ethnicity IN ('', 'not_known') THEN 'not_known'
                ELSE split_part(y.ethnicity, '_', 1) END AS ethnicity,
           CASE WHEN r.risk_level = '' THEN 'not_assessed' ELSE r.risk_level END AS risk,
           CASE WHEN r.exploitation_type = '' THEN 'not_recorded'
                ELSE r.exploitation_type END AS exploitation_type,
           CASE WHEN earlier.found IS NULL THEN 'first' ELSE 'repeat' END AS repeat,
           to_char(r.submitted_at AT TIME ZONE '{ZONE}', 'YYYY-MM') AS month,
           r.exploitation_models
    FROM periods p
    JOIN referrals_referral r ON r.submitted_at >= p.lo AND r.submitted_at < p.hi
    JOIN referrals_youngperson y ON y.id = r.young_person_id
    JOIN agencies_agency ag ON ag.id = r.raised_by_agency_id
    LEFT JOIN LATERAL (
        SELECT 1 AS found FROM referrals_referral e
        WHERE e.young_person_id = r.young_person_id AND e.id <> r.id
          AND e.transferred_from_id IS NULL AND e.state <> 'merged'
          AND e.submitted_at < r.submitted_at
          AND e.submitted_at >= r.submitted_at - interval '12 months'
        LIMIT 1
    ) earlier ON true
    WHERE r.area_id = %(area)s AND r.transferred_from_id IS NULL AND r.state <> 'merged'
)
SELECT period,
       CASE WHEN GROUPING(agency_type) = 0 THEN 'raised.agency_type'
            WHEN GROUPING(age_band) = 0 THEN 'raised.age_band'
            WHEN GROUPING(sex) = 0 THEN 'raised.sex'
            WHEN GROUPING(ethnicity) = 0 THEN 'raised.ethnicity'
            WHEN GROUPING(risk) = 0 THEN 'raised.risk'
            WHEN GROUPING(exploitation_type) = 0 THEN 'raised.exploitation_type'
            WHEN GROUPING(repeat) = 0 THEN 'raised.repeat'
            WHEN GROUPING(month) = 0 THEN 'month'
            ELSE 'raised' END,
       COALESCE(agency_type, age_band, sex, ethnicity, risk, exploitation_type, repeat, month, ''),
       count(*)
FROM concerns
GROUP BY GROUPING SETS ((period), (period, agency_type), (period, age_band), (period, sex),
    (period, ethnicity), (period, risk), (period, exploitation_type), (period, repeat),
    (period, month))
UNION ALL
SELECT period, 'raised.model', model, count(*)
FROM concerns, unnest(exploitation_models) AS model GROUP BY 1, 3
UNION ALL
SELECT period,
       CASE WHEN GROUPING(decision) = 0 THEN 'decided.decision'
            WHEN GROUPING(timeliness) = 0 THEN 'decided.timeliness'
            WHEN GROUPING(hours) = 0 THEN 'decided.hours' ELSE 'decided' END,
       COALESCE(decision, timeliness, hours::text, ''),
       count(*)
FROM (
    SELECT p.period, r.decision,
           CASE WHEN r.decided_at <= r.triage_due_at THEN 'in_time' ELSE 'late' END AS timeliness,
           -- whole hours to the decision, from which the median is read
           GREATEST(0, floor(extract(epoch FROM r.decided_at - r.submitted_at) / 3600))::int
               AS hours
    FROM periods p
    JOIN referrals_referral r ON r.decided_at >= p.lo AND r.decided_at < p.hi
    WHERE r.area_id = %(area)s AND r.state <> 'merged' AND r.decided_at >= r.created_at
) decisions
GROUP BY GROUPING SETS ((period), (period, decision), (period, timeliness), (period, hours))
UNION ALL
SELECT p.period, 'closed.outcome',
       CASE WHEN r.outcome = '' THEN 'not_recorded' ELSE r.outcome END, count(*)
FROM periods p
JOIN referrals_referral r ON r.closed_at >= p.lo AND r.closed_at < p.hi
WHERE r.area_id = %(area)s AND r.state NOT IN ('merged', 'withdrawn')
GROUP BY 1, 3
UNION ALL
SELECT p.period, 'open', '', count(r.id)
FROM periods p
LEFT JOIN referrals_referral r
  ON r.area_id = %(area)s AND r.submitted_at IS NOT NULL
 AND r.state NOT IN ('merged', 'withdrawn')
 AND GREATEST(r.submitted_at, r.created_at) < p.hi AND (r.closed_at IS NULL OR r.closed_at >= p.hi)
GROUP BY 1
UNION ALL
SELECT p.period, 'missing.started', '', count(*)
FROM periods p
JOIN referrals_missingepisode m ON m.started_at >= p.lo AND m.started_at < p.hi
JOIN referrals_referral r ON r.id = m.referral_id
WHERE r.area_id = %(area)s
GROUP BY 1
UNION ALL
SELECT p.period, 'missing.returned',
       CASE WHEN m.interview = 'held'
                 AND m.interview_on <= (m.interview_due_at AT TIME ZONE '{ZONE}')::date
            THEN 'within' ELSE 'not_within' END,
       count(*)
FROM periods p
JOIN referrals_missingepisode m ON m.ended_at >= p.lo AND m.ended_at < p.hi
JOIN referrals_referral r ON r.id = m.referral_id
WHERE r.area_id = %(area)s
GROUP BY 1, 3
UNION ALL
SELECT p.period, 'actions.due',
       CASE WHEN a.status <> 'done' THEN 'not_done'
            WHEN (a.completed_at AT TIME ZONE '{ZONE}')::date <= a.due_on THEN 'on_time'
            ELSE 'late' END,
       count(*)
FROM periods p
JOIN referrals_protectiveaction a ON a.due_on >= p.lo_day AND a.due_on < p.hi_day
JOIN referrals_referral r ON r.id = a.referral_id
WHERE r.area_id = %(area)s AND a.status <> 'cancelled'
GROUP BY 1, 3
UNION ALL
SELECT period,
       CASE WHEN GROUPING(code) = 0 THEN 'disruption.tactic'
            WHEN GROUPING(status) = 0 THEN 'disruption.status' ELSE 'disruption' END,
       COALESCE(code, status, ''),
       count(*)
FROM (
    SELECT p.period, t.code, d.status
    FROM periods p
    JOIN disruption_disruptionactivity d
      ON COALESCE(d.served_on, d.issued_on, (d.created_at AT TIME ZONE '{ZONE}')::date)
         >= p.lo_day
     AND COALESCE(d.served_on, d.issued_on, (d.created_at AT TIME ZONE '{ZONE}')::date)
         < p.hi_day
    JOIN disruption_disruptiontactic t ON t.id = d.tactic_id
    WHERE d.area_id = %(area)s
) activities
GROUP BY GROUPING SETS ((period), (period, code), (period, status))
UNION ALL
SELECT p.period, 'prosecution', t.code, count(*)
FROM periods p
JOIN disruption_disruptionactivity d
  ON COALESCE(d.served_on, d.issued_on, (d.created_at AT TIME ZONE '{ZONE}')::date) >= p.lo_day
 AND COALESCE(d.served_on, d.issued_on, (d.created_at AT TIME ZONE '{ZONE}')::date) < p.hi_day
JOIN disruption_disruptiontactic t ON t.id = d.tactic_id
WHERE d.area_id = %(area)s AND d.status = 'done' AND t.code IN ('arrest', 'charge', 'conviction')
GROUP BY 1, 3
"""  # noqa: S608 - no user input in the text

# The same counts from the monthly rollups (the bench's periods are whole months): sums over
# each period's months, and open cases as the running balance of cases opened and left up to
# each period's end.
ROLLUP_SQL = f"""
WITH {_PERIODS}
SELECT p.period, r.measure, r.key, sum(r.count)
FROM periods p JOIN reports_monthlyrollup r ON r.month >= p.lo_day AND r.month < p.hi_day
WHERE r.area_id = %(area)s AND r.measure <> 'open'
GROUP BY 1, 2, 3
UNION ALL
SELECT p.period, 'month', to_char(r.month, 'YYYY-MM'), r.count
FROM periods p JOIN reports_monthlyrollup r ON r.month >= p.lo_day AND r.month < p.hi_day
WHERE r.area_id = %(area)s AND r.measure = 'raised' AND r.key = ''
UNION ALL
SELECT p.period, 'open', '',
       COALESCE(sum(CASE WHEN r.key = 'opened' THEN r.count ELSE -r.count END), 0)
FROM periods p
LEFT JOIN reports_monthlyrollup r
  ON r.area_id = %(area)s AND r.measure = 'open' AND r.month < p.hi_day
GROUP BY 1
"""  # noqa: S608 - no user input in the text


def _counts(sql: str, area: Area, periods: Sequence[Period]) -> Counts:
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "area": area.pk,
                "los": [p.start for p in periods],
                "his": [p.after for p in periods],
            },
        )
        return {(i, m, k): int(c) for i, m, k, c in cursor.fetchall() if c}


def raw_counts(area: Area, periods: Sequence[Period]) -> Counts:
    """Every count of the dashboard for each period, by hand from the records."""
    return _counts(RAW_SQL, area, periods)


def rollup_counts(area: Area, periods: Sequence[Period]) -> Counts:
    """Every count of the dashboard for each period of whole months, by hand from the monthly
    rollups."""
    if any(p.start.day != 1 or p.after.day != 1 for p in periods):
        raise ValueError("the hand-written rollup sums read whole months only")
    return _counts(ROLLUP_SQL, area, periods)


def dashboard_counts(area: Area, periods: Sequence[Period]) -> Counts:
    """The counts the dashboard publishes from, before disclosure control: the selector's
    own sums and monthly series."""
    found: Counts = {}
    for i, sums in enumerate(selectors._sums(area, periods)):
        found.update({(i, m, k): c for (m, k), c in sums.items() if c})
    for i, monthly in enumerate(selectors._monthly(area, periods)):
        found.update({(i, "month", k): c for k, c in monthly.items() if c})
    return found


class Mismatch(AssertionError):
    pass


def differences(expected: Counts, found: Counts) -> list[str]:
    return [
        f"period {i} {m}[{k}]: dashboard {expected.get((i, m, k), 0)}, "
        f"hand SQL {found.get((i, m, k), 0)}"
        for i, m, k in sorted(expected.keys() | found.keys())
        if expected.get((i, m, k), 0) != found.get((i, m, k), 0)
    ]


def _figure_key(row_key: str) -> tuple[str, str] | None:
    """(measure, key) of a dashboard row that shows a count; None for rates and measures."""
    totals = {"raised", "decided", "open", "missing.started", "disruption"}
    if row_key in totals:
        return row_key, ""
    if ":" in row_key:
        measure, key = row_key.split(":", 1)
        return measure, key
    if len(row_key) == 7 and row_key[4] == "-":  # a month of the series, YYYY-MM
        return "month", row_key
    return None


def shown_differences(dashboard: selectors.Dashboard, counts: Counts) -> list[str]:
    """Every unsuppressed count the dashboard shows that differs from `counts`. Sums of
    several measures (returns, closures, actions due) are recomputed from their parts."""
    sums = {"returned": "missing.returned", "closed": "closed.outcome", "actions": "actions.due"}
    found = []
    for table in dashboard.all_tables():
        for row in [*table.rows, *([table.total] if table.total else [])]:
            for i, figure in ((0, row.current), (1, row.previous)):
                if not isinstance(figure.value, int) or (table.slug == "raised_by_month" and i):
                    continue  # suppressed, a rate, or the earlier year's months (keyed apart)
                if row.key in sums:
                    want = sum(
                        c for (p, m, _), c in counts.items() if p == i and m == sums[row.key]
                    )
                elif (cell := _figure_key(row.key)) is not None:
                    want = counts.get((i, *cell), 0)
                else:
                    continue
                if figure.value != want:
                    found.append(f"{table.slug} {row.key} period {i}: shown {figure.value}, "
                                 f"hand SQL {want}")  # fmt: skip
    return found


def check(board_member: Any, area: Area, period: Period) -> dict[str, int]:
    """Raise Mismatch unless both hand-written answers equal the dashboard's counts and every
    figure it shows; the number of counts compared, by source."""
    periods = [period, period.previous()]
    expected = dashboard_counts(area, periods)
    raw, rolled = raw_counts(area, periods), rollup_counts(area, periods)
    problems = [
        *(f"raw: {d}" for d in differences(expected, raw)),
        *(f"rollups: {d}" for d in differences(expected, rolled)),
    ]
    if not problems:  # only then are the counts consistent enough to publish
        shown = selectors.area_dashboard(user=board_member, ons_code=area.ons_code, period=period)
        problems = shown_differences(shown, raw)
    if problems:
        raise Mismatch("\n".join(problems[:30]))
    return {"dashboard": len(expected), "raw_sql": len(raw), "rollup_sql": len(rolled)}


def page_client(board_member: Any) -> Client:
    """A browser signed in as the board member, second factor done: what the page serves it
    is timed through every middleware, the view and its template."""
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])  # the bench serves its own host
    device = devices_for([board_member])[board_member.pk]
    client.cookies[settings.SESSION_COOKIE_NAME] = signed_in_session(board_member, device)
    return client


def page(client: Client, area: Area, period: Period) -> bytes:
    response = client.get(f"/reports/{area.ons_code}/", period.as_query())
    if response.status_code != 200:
        raise Mismatch(f"the dashboard page answered {response.status_code}")
    return response.content


def render(board_member: Any, area: Area, period: Period) -> str:
    """What the server does for one dashboard read, bar the template: the selector (refresh,
    reads, disclosure control) and the JSON the API returns."""
    dashboard = selectors.area_dashboard(user=board_member, ons_code=area.ons_code, period=period)
    return json.dumps(dashboard.as_json())


@dataclass(frozen=True)
class DashboardResult:
    area: str
    period: str
    runs: int
    checked: dict[str, int]
    rebuild_s: float
    check_s: float
    ratio_raw_p95: float | None  # the page's p95 over the hand-written raw SQL's p95
    ratio_rollup_p95: float | None
    load_average: tuple[float, float]  # 1-minute load average before and after the timings
    table_sizes: dict[str, dict[str, int]]
    timings: list[ScenarioResult]


# A job: something to do untimed first (or None), then what is timed.
Job = tuple[Callable[[], object] | None, Callable[[], object]]


def _timed(jobs: dict[str, Job], runs: int) -> dict[str, list[float]]:
    """Milliseconds per timed call of each job, round by round, after WARMUP rounds."""
    found: dict[str, list[float]] = {name: [] for name in jobs}
    for round_ in range(WARMUP + runs):
        for name, (before, job) in jobs.items():
            if before is not None:
                before()
            started = time.perf_counter()
            job()
            if round_ >= WARMUP:
                found[name].append((time.perf_counter() - started) * 1000)
    return found


def mark_one_day(area: Area, period: Period, rng: random.Random) -> None:
    """Mark a day of the period stale, as one change to a record does (a trigger in the
    change's transaction): the next dashboard read recounts it first."""
    day = period.start + timedelta(days=rng.randrange((period.after - period.start).days))
    StaleDay.objects.get_or_create(area=area, day=day)


TABLES = (
    "referrals_referral",
    "referrals_referralevent",
    "referrals_youngperson",
    "referrals_missingepisode",
    "referrals_protectiveaction",
    "disruption_disruptionactivity",
    "reports_rollup",
    "reports_monthlyrollup",
)


def table_sizes() -> dict[str, dict[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint, pg_total_relation_size(oid) FROM pg_class"
            " WHERE relname = ANY(%s) AND relkind = 'r'",
            [list(TABLES)],
        )
        return {name: {"rows": rows, "bytes": size} for name, rows, size in cursor.fetchall()}


def settle() -> None:
    """Vacuum and analyse the tables read, as autovacuum leaves a long-lived database after a
    bulk load (index-only scans need the visibility map). Outside any transaction."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) " + ", ".join(TABLES))


def last_year(today: date) -> Period:
    """The last whole reporting year (April to March), as a board reads it by default."""
    return period_from(kind="year", on=None, start=None, end=None, today=today)


def run(*, board_member: Any, area: Area, runs: int) -> DashboardResult:
    period = last_year(timezone.localdate())
    started = time.perf_counter()
    rollups_rebuild(area_ids=[area.pk])
    rebuild_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        # As autovacuum soon would after a rebuild.
        cursor.execute("ANALYZE reports_rollup, reports_monthlyrollup")
    started = time.perf_counter()
    call_command("rollups_check", area=[area.ons_code], stdout=open(os.devnull, "w"))  # noqa: SIM115
    check_s = time.perf_counter() - started
    checked = check(board_member, area, period)
    periods = [period, period.previous()]
    rng = random.Random(1)
    browser = page_client(board_member)
    before = os.getloadavg()[0]
    latencies = _timed(
        {
            "page": (None, lambda: page(browser, area, period)),
            "dashboard": (None, lambda: render(board_member, area, period)),
            "dashboard_after_change": (
                lambda: mark_one_day(area, period, rng),
                lambda: render(board_member, area, period),
            ),
            "raw_sql": (None, lambda: raw_counts(area, periods)),
            "rollup_sql": (None, lambda: rollup_counts(area, periods)),
        },
        runs,
    )
    after = os.getloadavg()[0]
    paths = {
        "page": f"GET /reports/{area.ons_code}/ (middleware, view, template), signed in",
        "dashboard": f"area_dashboard() + as_json() of {period.label} beside the year before",
        "dashboard_after_change": "the same, after a change has marked one day stale",
        "raw_sql": "hand-written GROUP BY over the records, both years",
        "rollup_sql": "hand-written sums over reports_monthlyrollup, both years",
    }
    timings = [
        summarise(
            name=f"{NAME}_{name}",
            method="CALL",
            path=paths[name],
            latencies_ms=values,
            errors=0,
            elapsed_s=sum(values) / 1000,
            queries_per_request=None,
        )
        for name, values in latencies.items()
    ]
    p95 = {t.name: t.p95_ms for t in timings}

    def ratio(other: str) -> float | None:
        mine, theirs = p95[f"{NAME}_page"], p95[f"{NAME}_{other}"]
        return mine / theirs if mine and theirs else None

    return DashboardResult(
        area=area.ons_code,
        period=period.label,
        runs=runs,
        checked=checked,
        rebuild_s=rebuild_s,
        check_s=check_s,
        ratio_raw_p95=ratio("raw_sql"),
        ratio_rollup_p95=ratio("rollup_sql"),
        load_average=(before, after),
        table_sizes=table_sizes(),
        timings=timings,
    )


def markdown(result: DashboardResult) -> str:
    def ms(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1f}"

    def times(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}x"

    rows = [
        f"Dashboard of {result.area}, {result.period} beside the year before; {result.runs} "
        f"runs each after {WARMUP} warm-up rounds, interleaved; 1-minute load average "
        f"{result.load_average[0]:.1f} before, {result.load_average[1]:.1f} after.",
        "",
        "| Measured | p50 ms | p95 ms | p99 ms |",
        "|---|--:|--:|--:|",
        *(
            f"| {t.path} | {ms(t.p50_ms)} | {ms(t.p95_ms)} | {ms(t.p99_ms)} |"
            for t in result.timings
        ),
        "",
        f"- Dashboard page / raw SQL at p95: {times(result.ratio_raw_p95)}; page / rollup SQL: "
        f"{times(result.ratio_rollup_p95)}",
        f"- Counts checked equal: {result.checked}",
        f"- Rollup rebuild of the area: {result.rebuild_s:.1f} s; rollups_check: "
        f"{result.check_s:.1f} s",
        "",
        "| Table | Rows (estimate) | Size MB |",
        "|---|--:|--:|",
        *(
            f"| {name} | {size['rows']:,} | {size['bytes'] / 2**20:,.0f} |"
            for name, size in sorted(result.table_sizes.items())
        ),
    ]
    return "\n".join(rows) + "\n"


def write(result: DashboardResult, directory: Path, generated: GenerateResult | None) -> Path:
    """Write `dashboard.json` (with what this run generated, if anything) into `directory`;
    returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{NAME}.json"
    record = {"generated": asdict(generated) if generated else None, **asdict(result)}
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path
