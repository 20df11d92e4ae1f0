"""The dashboard's counts, kept as rollups by area and day and recounted from the records.

Every measure is defined once, in RECOUNT_SQL: a count of records by area, day and breakdown
key over a scope of (area, first day, day after the last). The same statement serves three
callers, so a rollup cannot drift from its definition:

- `rollups_refresh` recounts the days that changes have marked stale (database triggers,
  migration 0002, mark them in the change's own transaction) and replaces their rows;
- `rollups_recount` counts everything again, for `manage.py rollups_check`, which compares the
  result with the stored rows;
- `rollups_rebuild` replaces every row (after a bulk load that bypassed nothing but is large).

Each month's rows are also kept summed (MonthlyRollup), replaced with any of its days, so that
a board's year reads twelve rows per count rather than 365: `rollup_rows_sql` reads whole
months from those and the days either side from the daily rows.

Days are calendar days in England (Europe/London), as a board reads them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import DataError, connection, transaction

from .models import MonthlyRollup, Rollup, StaleDay

logger = logging.getLogger(__name__)

ZONE = "Europe/London"
EVER = (date(1900, 1, 1), date(2200, 1, 1))
# A stored count: (area, grain "day" or "month", its first day, measure, key).
Cell = tuple[int, str, date, str, str]


def _day(column: str) -> str:
    return f"(({column}) AT TIME ZONE '{ZONE}')::date"


# Age on the day the concern was submitted, from the date of birth or else the estimate.
_AGE = (
    "COALESCE(date_part('year', age(" + _day("r.submitted_at") + ", y.date_of_birth))::int,"
    " y.estimated_age)"
)
AGE_BAND_SQL = f"""CASE
    WHEN {_AGE} IS NULL THEN 'not_known'
    WHEN {_AGE} < 10 THEN 'under_10'
    WHEN {_AGE} < 13 THEN '10_to_12'
    WHEN {_AGE} < 16 THEN '13_to_15'
    WHEN {_AGE} < 18 THEN '16_to_17'
    ELSE '18_and_over' END"""
# The census's five groups: the first word of the recorded category.
ETHNICITY_GROUP_SQL = """CASE
    WHEN y.ethnicity IN ('', 'not_known') THEN 'not_known'
    ELSE split_part(y.ethnicity, '_', 1) END"""

AREA = "%(area)s::bigint"
LO_DAY, HI_DAY = "%(lo)s::date", "%(hi)s::date"
LO, HI = (f"({day}::timestamp AT TIME ZONE '{ZONE}')" for day in (LO_DAY, HI_DAY))

RECOUNT_SQL = f"""
-- One area and one span of days, written into each condition as values: the planner then
-- sizes a day's recount as a day's rows and walks the date indexes, where values it cannot
-- see (a table of spans) led it to hash every young person to recount one day.
WITH scope AS (SELECT 1),
raised AS MATERIALIZED (
    SELECT r.area_id, {_day("r.submitted_at")} AS day, ag.agency_type,
           {AGE_BAND_SQL} AS age_band,
           COALESCE(NULLIF(y.sex, ''), 'not_known') AS sex,
           {ETHNICITY_GROUP_SQL} AS ethnicity,
           COALESCE(NULLIF(r.risk_level, ''), 'not_assessed') AS risk,
           COALESCE(NULLIF(r.exploitation_type, ''), 'not_recorded') AS exploitation_type,
           r.exploitation_models,
           CASE WHEN EXISTS (
               SELECT 1 FROM referrals_referral p
               WHERE p.young_person_id = r.young_person_id AND p.id <> r.id
                 AND p.transferred_from_id IS NULL AND p.state <> 'merged'
                 AND p.submitted_at < r.submitted_at
                 AND p.submitted_at >= r.submitted_at - interval '12 months'
           ) THEN 'repeat' ELSE 'first' END AS repeat
    FROM scope s
    JOIN referrals_referral r
      ON r.area_id = {AREA} AND r.submitted_at >= {LO} AND r.submitted_at < {HI}
    JOIN referrals_youngperson y ON y.id = r.young_person_id
    JOIN agencies_agency ag ON ag.id = r.raised_by_agency_id
    WHERE r.transferred_from_id IS NULL AND r.state <> 'merged'
)
SELECT area_id, day, 'raised', '', count(*) FROM raised GROUP BY 1, 2
UNION ALL SELECT area_id, day, 'raised.agency_type', agency_type, count(*)
    FROM raised GROUP BY 1, 2, 4
UNION ALL SELECT area_id, day, 'raised.age_band', age_band, count(*) FROM raised GROUP BY 1, 2, 4
UNION ALL SELECT area_id, day, 'raised.sex', sex, count(*) FROM raised GROUP BY 1, 2, 4
UNION ALL SELECT area_id, day, 'raised.ethnicity', ethnicity, count(*) FROM raised GROUP BY 1, 2, 4
UNION ALL SELECT area_id, day, 'raised.risk', risk, count(*) FROM raised GROUP BY 1, 2, 4
UNION ALL SELECT area_id, day, 'raised.exploitation_type', exploitation_type, count(*)
    FROM raised GROUP BY 1, 2, 4
UNION ALL SELECT area_id, day, 'raised.repeat', repeat, count(*) FROM raised GROUP BY 1, 2, 4
UNION ALL SELECT area_id, day, 'raised.model', model, count(*)
    FROM raised, unnest(exploitation_models) AS model GROUP BY 1, 2, 4
UNION ALL
SELECT r.area_id, {_day("r.decided_at")}, m.measure, m.key, count(*)
FROM scope s
JOIN referrals_referral r
  ON r.area_id = {AREA} AND r.decided_at >= {LO} AND r.decided_at < {HI}
CROSS JOIN LATERAL (VALUES
    ('decided', ''),
    ('decided.decision', r.decision),
    ('decided.timeliness',
     CASE WHEN r.decided_at <= r.triage_due_at THEN 'in_time' ELSE 'late' END),
    -- Whole hours from submission to decision: the median is read from these groups.
    ('decided.hours',
     GREATEST(0, floor(extract(epoch FROM r.decided_at - r.submitted_at) / 3600))::int::text)
) AS m(measure, key)
-- A transferred-in copy keeps the sending area's decision time; only its own decision counts.
WHERE r.state <> 'merged' AND r.decided_at >= r.created_at
GROUP BY 1, 2, 3, 4
UNION ALL
SELECT r.area_id, {_day("r.closed_at")}, 'closed.outcome',
       COALESCE(NULLIF(r.outcome, ''), 'not_recorded'), count(*)
FROM scope s
JOIN referrals_referral r
  ON r.area_id = {AREA} AND r.closed_at >= {LO} AND r.closed_at < {HI}
WHERE r.state NOT IN ('merged', 'withdrawn')
GROUP BY 1, 2, 4
UNION ALL
-- Open cases are a running sum of these two: opened when it reached the area, and left.
SELECT r.area_id, {_day("GREATEST(r.submitted_at, r.created_at)")}, 'open', 'opened', count(*)
FROM scope s
JOIN referrals_referral r ON r.area_id = {AREA}
 AND GREATEST(r.submitted_at, r.created_at) >= {LO}
 AND GREATEST(r.submitted_at, r.created_at) < {HI}
WHERE r.submitted_at IS NOT NULL AND r.state NOT IN ('merged', 'withdrawn')
GROUP BY 1, 2
UNION ALL
SELECT r.area_id, {_day("r.closed_at")}, 'open', 'left', count(*)
FROM scope s
JOIN referrals_referral r
  ON r.area_id = {AREA} AND r.closed_at >= {LO} AND r.closed_at < {HI}
WHERE r.submitted_at IS NOT NULL AND r.state NOT IN ('merged', 'withdrawn')
GROUP BY 1, 2
UNION ALL
SELECT r.area_id, {_day("m.started_at")}, 'missing.started', '', count(*)
FROM scope s
JOIN referrals_missingepisode m ON m.started_at >= {LO} AND m.started_at < {HI}
JOIN referrals_referral r ON r.id = m.referral_id AND r.area_id = {AREA}
GROUP BY 1, 2
UNION ALL
SELECT r.area_id, {_day("m.ended_at")}, 'missing.returned',
       CASE WHEN m.interview = 'held' AND m.interview_on <= {_day("m.interview_due_at")}
            THEN 'within' ELSE 'not_within' END,
       count(*)
FROM scope s
JOIN referrals_missingepisode m ON m.ended_at >= {LO} AND m.ended_at < {HI}
JOIN referrals_referral r ON r.id = m.referral_id AND r.area_id = {AREA}
GROUP BY 1, 2, 4
UNION ALL
SELECT r.area_id, a.due_on, 'actions.due',
       CASE WHEN a.status <> 'done' THEN 'not_done'
            WHEN {_day("a.completed_at")} <= a.due_on THEN 'on_time'
            ELSE 'late' END,
       count(*)
FROM scope s
JOIN referrals_protectiveaction a ON a.due_on >= {LO_DAY} AND a.due_on < {HI_DAY}
JOIN referrals_referral r ON r.id = a.referral_id AND r.area_id = {AREA}
WHERE a.status <> 'cancelled'
GROUP BY 1, 2, 4
UNION ALL
SELECT d.area_id, d.day, m.measure, m.key, count(*)
FROM scope s
JOIN LATERAL (
    SELECT d.*, t.code, COALESCE(d.served_on, d.issued_on, {_day("d.created_at")}) AS day
    FROM disruption_disruptionactivity d JOIN disruption_disruptiontactic t ON t.id = d.tactic_id
    WHERE d.area_id = {AREA}
) d ON d.day >= {LO_DAY} AND d.day < {HI_DAY}
CROSS JOIN LATERAL (VALUES
    ('disruption', ''),
    ('disruption.tactic', d.code),
    ('disruption.status', d.status),
    ('prosecution',
     CASE WHEN d.status = 'done' AND d.code IN ('arrest', 'charge', 'conviction')
          THEN d.code END)
) AS m(measure, key)
WHERE m.key IS NOT NULL
GROUP BY 1, 2, 3, 4
UNION ALL
SELECT r.area_id, sd.held_on, 'strategy.held',
       CASE WHEN sd.section_47 THEN 'section_47' ELSE 'no_section_47' END, count(*)
FROM scope s
JOIN referrals_strategydiscussion sd ON sd.held_on >= {LO_DAY} AND sd.held_on < {HI_DAY}
JOIN referrals_referral r ON r.id = sd.referral_id AND r.area_id = {AREA}
GROUP BY 1, 2, 4
UNION ALL
SELECT r.area_id, e.started_on, 'section47.started',
       COALESCE(NULLIF(e.outcome, ''), 'in_progress'), count(*)
FROM scope s
JOIN referrals_section47enquiry e ON e.started_on >= {LO_DAY} AND e.started_on < {HI_DAY}
JOIN referrals_referral r ON r.id = e.referral_id AND r.area_id = {AREA}
GROUP BY 1, 2, 4
UNION ALL
-- An NRM referral counts on the day referred, and each decision on the day it was made.
SELECT r.area_id, d.day, d.measure, d.key, count(*)
FROM scope s
JOIN referrals_nrmreferral n ON n.referred_on < {HI_DAY} AND (
    n.referred_on >= {LO_DAY} OR n.reasonable_grounds_on >= {LO_DAY}
    OR n.conclusive_grounds_on >= {LO_DAY})
JOIN referrals_referral r ON r.id = n.referral_id AND r.area_id = {AREA}
CROSS JOIN LATERAL (VALUES
    (n.referred_on, 'nrm.referred', ''),
    (n.reasonable_grounds_on, 'nrm.reasonable_grounds', n.reasonable_grounds),
    (n.conclusive_grounds_on, 'nrm.conclusive_grounds', n.conclusive_grounds)
) AS d(day, measure, key)
WHERE d.day >= {LO_DAY} AND d.day < {HI_DAY}
GROUP BY 1, 2, 3, 4
"""  # noqa: S608 - built from constants; values are parameters

_INSERT = f"INSERT INTO reports_rollup (area_id, day, measure, key, count) {RECOUNT_SQL}"
_SUM_MONTHS = """
INSERT INTO reports_monthlyrollup (area_id, month, measure, key, count)
SELECT area_id, date_trunc('month', day)::date, measure, key, sum(count) FROM reports_rollup
WHERE area_id = %(area)s AND day >= %(lo)s AND day < %(hi)s
GROUP BY 1, 2, 3, 4
"""
# First key of the advisory lock held on an area while its months are summed again.
_MONTHS_LOCK = 0x726F6C6C


def _sources(lo: date, hi: date) -> list[tuple[str, str, date, date]]:
    """Where the counts of the days [lo, hi) are stored, as (table, date column, from, to):
    the whole months inside it summed, and the days either side of them, if any."""
    first = lo if lo.day == 1 else lo.replace(day=1) + relativedelta(months=1)
    last = hi.replace(day=1)
    if first >= last:
        return [("reports_rollup", "day", lo, hi)]
    found = [
        ("reports_rollup", "day", lo, first),
        ("reports_monthlyrollup", "month", first, last),
        ("reports_rollup", "day", last, hi),
    ]
    return [source for source in found if source[2] < source[3]]


def rollup_rows_sql(
    spans: Sequence[tuple[int, date, date]], *, area_id: int, where: str
) -> tuple[str, list[Any]]:
    """A query, and its parameters, for an area's stored rows (tag, day, measure, key, count)
    over each tagged span of days [lo, hi), where `where` (constant SQL) holds. A month row's
    day is the month's first."""
    parts, params = [], []
    for tag, lo, hi in spans:
        for table, column, first, after in _sources(lo, hi):
            parts.append(
                f"SELECT %s AS tag, {column} AS day, measure, key, count FROM {table}"  # noqa: S608 - built from constants
                f" WHERE area_id = %s AND {column} >= %s AND {column} < %s AND ({where})"
            )
            params += [tag, area_id, first, after]
    return " UNION ALL ".join(parts), params


def _spans(days: Iterable[tuple[int, date]]) -> list[tuple[int, date, date]]:
    """(area, first day, day after the last) for each run of consecutive days of an area."""
    spans: list[tuple[int, date, date]] = []
    for area_id, day in sorted(days):
        if spans and spans[-1][0] == area_id and spans[-1][2] == day:
            spans[-1] = (area_id, spans[-1][1], day + timedelta(days=1))
        else:
            spans.append((area_id, day, day + timedelta(days=1)))
    return spans


def rollups_refresh(*, batch: int = 1000) -> int:
    """Recount every stale day, `batch` days to a transaction; the number of days recounted.
    Two callers never take the same days (SKIP LOCKED), and a day marked again while it is
    recounted stays marked for the next call."""
    recounted = 0
    while True:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                days = _claim(cursor, batch)
                if not days:
                    return recounted
                _replace(cursor, _spans(days))
        except _BAD_DAY:
            # The failed batch gave its marks back: left there, they would fail every later
            # call (and every dashboard with it), so the batch is recounted day by day.
            days = _refresh_day_by_day(batch)
        recounted += len(days)


# What one day's rows can make a recount fail with: a date past what Python or PostgreSQL
# can hold (a row written past the date checks), a value the statement cannot take.
_BAD_DAY = (ArithmeticError, ValueError, DataError)


def _claim(cursor: Any, batch: int) -> list[tuple[int, date]]:
    cursor.execute(
        "DELETE FROM reports_staleday WHERE id IN ("
        " SELECT id FROM reports_staleday ORDER BY id FOR UPDATE SKIP LOCKED LIMIT %s"
        ") RETURNING area_id, day",
        [batch],
    )
    return cursor.fetchall()


def _refresh_day_by_day(batch: int) -> list[tuple[int, date]]:
    """Recount a batch one day at a time; a day whose recount fails is logged and skipped
    (its mark gone), so the rest are counted. The days recounted."""
    recounted = []
    with transaction.atomic(), connection.cursor() as cursor:
        for area_id, day in _claim(cursor, batch):
            try:
                with transaction.atomic():
                    _replace(cursor, _spans([(area_id, day)]))
            except _BAD_DAY:
                logger.exception("Rollups: day %s of area %s cannot be recounted", day, area_id)
            else:
                recounted.append((area_id, day))
    return recounted


def _replace(cursor: Any, spans: Sequence[tuple[int, date, date]]) -> None:
    """Recount the days of each span, then sum again the months that hold them. The days are
    this caller's alone (SKIP LOCKED), but a month may hold days another caller is recounting:
    an area's months are summed under a lock, so the later sum waits for the earlier commit
    and reads its days."""
    for area_id, lo, hi in spans:
        _put(cursor, "reports_rollup", "day", _INSERT, {"area": area_id, "lo": lo, "hi": hi})
    for area_id, lo, hi in _spans_of_months(spans):
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_MONTHS_LOCK, area_id])
        scope = {"area": area_id, "lo": lo, "hi": hi}
        _put(cursor, "reports_monthlyrollup", "month", _SUM_MONTHS, scope)


def _put(cursor: Any, table: str, column: str, insert: str, scope: dict[str, Any]) -> None:
    """Replace a table's rows of an area from `lo` up to `hi` by those `insert` writes."""
    cursor.execute(
        f"DELETE FROM {table}"  # noqa: S608 - built from constants
        f" WHERE area_id = %(area)s AND {column} >= %(lo)s AND {column} < %(hi)s",
        scope,
    )
    cursor.execute(insert, scope)


def _spans_of_months(spans: Sequence[tuple[int, date, date]]) -> list[tuple[int, date, date]]:
    """The spans widened to whole months, those that meet or overlap merged."""
    merged: list[tuple[int, date, date]] = []
    widened = (
        (a, lo.replace(day=1), (hi - timedelta(days=1)).replace(day=1) + relativedelta(months=1))
        for a, lo, hi in spans
    )
    for area_id, lo, hi in sorted(widened):
        if merged and merged[-1][0] == area_id and merged[-1][2] >= lo:
            merged[-1] = (area_id, merged[-1][1], max(hi, merged[-1][2]))
        else:
            merged.append((area_id, lo, hi))
    return merged


def rollups_recount(*, area_ids: Sequence[int]) -> dict[Cell, int]:
    """Every count, by day and by month, recounted from the records for these areas."""
    counts: dict[Cell, int] = {}
    with connection.cursor() as cursor:
        for area_id in area_ids:
            cursor.execute(RECOUNT_SQL, {"area": area_id, "lo": EVER[0], "hi": EVER[1]})
            for a, d, m, k, c in cursor.fetchall():
                counts[a, "day", d, m, k] = c
                month = (a, "month", d.replace(day=1), m, k)
                counts[month] = counts.get(month, 0) + c
    return counts


def rollups_stored(*, area_ids: Sequence[int]) -> dict[Cell, int]:
    """Every count stored for these areas, by day and by month."""
    counts: dict[Cell, int] = {}
    for grain, rows in (
        ("day", Rollup.objects.values_list("area_id", "day", "measure", "key", "count")),
        ("month", MonthlyRollup.objects.values_list("area_id", "month", "measure", "key", "count")),
    ):
        for a, d, m, k, c in rows.filter(area_id__in=area_ids):
            counts[a, grain, d, m, k] = c
    return counts


def rollups_rebuild(*, area_ids: Sequence[int]) -> None:
    """Recount these areas from scratch (after a bulk load, or if a check ever differs)."""
    with transaction.atomic(), connection.cursor() as cursor:
        StaleDay.objects.filter(area_id__in=area_ids).delete()
        _replace(cursor, [(a, *EVER) for a in area_ids])
