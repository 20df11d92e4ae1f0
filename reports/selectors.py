"""Reads for board reports: an area's dashboard, with every figure through disclosure control.

A dashboard is a list of tables. Each row holds the current period's figure, the previous
period's and the change; every count in both periods goes through reports.disclosure in one
call per period, with the lines that say which counts add up to which, so a suppressed count
cannot be recovered from a total, a breakdown or the other period. Nothing identifying ever
reaches this module: it reads rollups (counts by area and day) and, for the median time to a
decision, durations only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from agencies.models import AgencyType, Area, Membership
from agencies.rules import REPORT_ROLES
from agencies.selectors import active_memberships
from disruption.models import DisruptionStatus, DisruptionTactic
from disruption.network import clusters_found
from referrals.models import (
    ClosureOutcome,
    Decision,
    ExploitationModel,
    ExploitationType,
    NRMDecision,
    RiskLevel,
    Section47Outcome,
    Sex,
)

from .disclosure import (
    NOT_APPLICABLE,
    SUPPRESSION_NOTE,
    Figure,
    Line,
    change,
    measure,
    percentage,
    publish,
)
from .key_messages import incomplete_warning, key_messages
from .models import LinkGraphVersion
from .periods import Period
from .rollups import EVER, rollup_rows_sql, rollups_refresh

# How long a cluster count is kept while its area's links stay as they are.
CLUSTER_CACHE_SECONDS = 24 * 60 * 60

AGE_BANDS = {
    "under_10": "Under 10",
    "10_to_12": "10 to 12",
    "13_to_15": "13 to 15",
    "16_to_17": "16 to 17",
    "18_and_over": "18 and over",
    "not_known": "Not known",
}
ETHNIC_GROUPS = {
    "asian": "Asian or Asian British",
    "black": "Black, Black British, Caribbean or African",
    "mixed": "Mixed or multiple ethnic groups",
    "white": "White",
    "other": "Other ethnic group",
    "not_known": "Not known",
}
NOT_KNOWN = {"not_known": "Not known"}


def _choices(choices: Iterable[tuple[str, str]], **extra: str) -> dict[str, str]:
    return {**dict(choices), **extra}


@dataclass(frozen=True)
class Breakdown:
    """One table of the dashboard: a rollup measure by its keys. `adds_up` says the rows are
    a partition of `total` (each record in exactly one row); where a record can fall in several
    rows (exploitation models) there is no such line, and the note says so."""

    slug: str
    title: str
    measure: str
    labels: dict[str, str]
    total: str | None = None
    total_label: str = "Total"
    chart: str = "bar"
    note: str = ""


def _breakdowns() -> list[Breakdown]:
    tactics = dict(DisruptionTactic.objects.values_list("code", "label"))
    return [
        Breakdown(
            "agency_type",
            "Concerns raised by referring agency type",
            "raised.agency_type",
            _choices(AgencyType.choices),
            "raised",
            "Concerns raised",
        ),
        Breakdown(
            "age_band",
            "Concerns raised by age band",
            "raised.age_band",
            AGE_BANDS,
            "raised",
            "Concerns raised",
            note="Age on the day the concern was submitted.",
        ),
        Breakdown(
            "sex",
            "Concerns raised by sex",
            "raised.sex",
            _choices(Sex.choices),
            "raised",
            "Concerns raised",
        ),
        Breakdown(
            "ethnicity",
            "Concerns raised by ethnic group",
            "raised.ethnicity",
            ETHNIC_GROUPS,
            "raised",
            "Concerns raised",
        ),
        Breakdown(
            "risk_level",
            "Concerns raised by risk level",
            "raised.risk",
            _choices(RiskLevel.choices, not_assessed="Not yet assessed"),
            "raised",
            "Concerns raised",
            note="The coordinator's current assessment.",
        ),
        Breakdown(
            "exploitation_type",
            "Concerns raised by exploitation type",
            "raised.exploitation_type",
            _choices(ExploitationType.choices, not_recorded="Not recorded"),
            "raised",
            "Concerns raised",
        ),
        Breakdown(
            "exploitation_model",
            "Concerns raised by model of exploitation",
            "raised.model",
            _choices(ExploitationModel.choices),
            note="A concern can name more than one model, or none, so these rows do not "
            "add up to the concerns raised.",
        ),
        Breakdown(
            "decision",
            "Decisions",
            "decided.decision",
            _choices(Decision.choices),
            "decided",
            "Decisions made",
        ),
        Breakdown(
            "timeliness",
            "Decisions within one working day",
            "decided.timeliness",
            {"in_time": "Within one working day", "late": "Later"},
            "decided",
            "Decisions made",
            note="Measured against each area's triage timescale, in working time.",
        ),
        Breakdown(
            "outcome",
            "Outcomes at closure",
            "closed.outcome",
            _choices(ClosureOutcome.choices, not_recorded="Not recorded"),
            "closed",
            "Referrals closed",
        ),
        Breakdown(
            "repeat",
            "Repeat referrals within 12 months",
            "raised.repeat",
            {"repeat": "Repeat referral", "first": "No referral in the 12 months before"},
            "raised",
            "Concerns raised",
        ),
        Breakdown(
            "return_home_interview",
            "Return home interviews",
            "missing.returned",
            {"within": "Held within 72 hours", "not_within": "Not held within 72 hours"},
            "returned",
            "Returns from missing",
        ),
        Breakdown(
            "actions",
            "Protective actions due",
            "actions.due",
            {"on_time": "Completed on time", "late": "Completed late", "not_done": "Not completed"},
            "actions",
            "Protective actions due",
        ),
        Breakdown(
            "strategy_discussions",
            "Strategy discussions",
            "strategy.held",
            {
                "section_47": "A section 47 enquiry followed",
                "no_section_47": "No section 47 enquiry",
            },
            "strategy",
            "Strategy discussions held",
        ),
        Breakdown(
            "section_47",
            "Section 47 enquiries by what they found",
            "section47.started",
            _choices(Section47Outcome.choices, in_progress="Not yet concluded"),
            "section47",
            "Section 47 enquiries started",
            note="Counted on the day each enquiry started, by what it has found so far.",
        ),
        Breakdown(
            "nrm_reasonable_grounds",
            "National Referral Mechanism: reasonable grounds decisions",
            "nrm.reasonable_grounds",
            _choices(NRMDecision.choices),
            "nrm.reasonable",
            "Reasonable grounds decisions",
        ),
        Breakdown(
            "nrm_conclusive_grounds",
            "National Referral Mechanism: conclusive grounds decisions",
            "nrm.conclusive_grounds",
            _choices(NRMDecision.choices),
            "nrm.conclusive",
            "Conclusive grounds decisions",
        ),
        Breakdown(
            "disruption_tactic",
            "Disruption activity by tactic",
            "disruption.tactic",
            tactics,
            "disruption",
            "Disruption activities",
        ),
        Breakdown(
            "disruption_status",
            "Disruption activity by status",
            "disruption.status",
            _choices(DisruptionStatus.choices),
            "disruption",
            "Disruption activities",
        ),
        Breakdown(
            "prosecution",
            "Arrests, charges and convictions",
            "prosecution",
            {code: tactics.get(code, code) for code in ("arrest", "charge", "conviction")},
            note="Each is counted when recorded as done; one person can be arrested, "
            "charged and convicted.",
        ),
    ]


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    current: Figure
    previous: Figure
    change: Figure

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "current": self.current.as_json(),
            "previous": self.previous.as_json(),
            "change": self.change.as_json(),
        }


@dataclass(frozen=True)
class Table:
    slug: str
    title: str
    rows: list[Row]
    total: Row | None = None
    chart: str = "bar"
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "note": self.note,
            "chart": self.chart,
            "rows": [row.as_json() for row in self.rows],
            "total": self.total.as_json() if self.total else None,
        }


@dataclass(frozen=True)
class Dashboard:
    area: Area
    period: Period
    previous: Period
    summary: Table
    series: Table
    tables: list[Table] = field(default_factory=list)
    # Sentences from the summary's figures, and why the period is not yet whole ("" if it is).
    key_messages: list[str] = field(default_factory=list)
    incomplete: str = ""

    def all_tables(self) -> list[Table]:
        return [self.summary, self.series, *self.tables]

    def as_json(self) -> dict[str, Any]:
        return {
            "area": {"ons_code": self.area.ons_code, "name": self.area.name},
            "period": _period_json(self.period),
            "previous_period": _period_json(self.previous),
            "incomplete_period": self.incomplete or None,
            "key_messages": self.key_messages,
            "suppression": SUPPRESSION_NOTE,
            "tables": [table.as_json() for table in self.all_tables()],
        }


def _period_json(period: Period) -> dict[str, str]:
    return {
        "kind": period.kind.value,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "label": period.label,
    }


def report_areas(*, user: Any) -> QuerySet[Area]:
    """The areas whose dashboard the user may read."""
    ids = {m.area_id for m in active_memberships(user=user) if m.role in REPORT_ROLES}
    return Area.objects.filter(pk__in=ids)


def report_membership(*, user: Any, area: Area) -> Membership | None:
    """The membership through which `user` reads `area`'s reports: the one its audit names."""
    mine = (m for m in active_memberships(user=user) if m.role in REPORT_ROLES)
    return next((m for m in mine if m.area_id == area.pk), None)


def report_area(*, user: Any, ons_code: str) -> Area:
    area = report_areas(user=user).filter(ons_code=ons_code).first()
    if area is None:
        raise Http404("No such area in your reports")
    return area


def _sums(area: Area, periods: Sequence[Period]) -> list[dict[tuple[str, str], int]]:
    """Each period's rollup counts by (measure, key), and the open cases at its end (everything
    opened before it less everything that left); one query for them all."""
    counted, params = rollup_rows_sql(
        [(i, p.start, p.after) for i, p in enumerate(periods)],
        area_id=area.pk,
        where="measure <> 'open'",
    )
    ends, end_params = rollup_rows_sql(
        [(i, EVER[0], p.after) for i, p in enumerate(periods)],
        area_id=area.pk,
        where="measure = 'open'",
    )
    found: list[dict[tuple[str, str], int]] = [defaultdict(int) for _ in periods]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tag, measure, key, sum(count) FROM ({counted} UNION ALL {ends}) AS r"  # noqa: S608 - built from constants
            " GROUP BY 1, 2, 3",
            [*params, *end_params],
        )
        for period, name, key, count in cursor.fetchall():
            found[period][name, key] = count
    for sums in found:
        sums["open", ""] = sums.pop(("open", "opened"), 0) - sums.pop(("open", "left"), 0)
    return found


def median_hours(sums: dict[tuple[str, str], int]) -> float | None:
    """The median hours from submission to decision, from the decisions grouped by whole hour
    (the rollups keep no finer times): within the hour that holds the middle decision, its
    decisions are taken as spread evenly, the usual median of grouped figures."""
    groups = sorted((int(k), n) for (m, k), n in sums.items() if m == "decided.hours" and n)
    half, before = sum(n for _, n in groups) / 2, 0
    for hour, count in groups:
        if before + count >= half:
            return hour + (half - before) / count
        before += count
    return None


def _month_key(month: date) -> str:
    return f"{month:%Y-%m}"


def _counts(
    sums: dict[tuple[str, str], int],
    rows: dict[str, list[tuple[str, str]]],
    breakdowns: list[Breakdown],
    months: list[date],
    monthly: dict[str, int],
) -> tuple[dict[str, int], list[Line]]:
    """One period's counts, keyed for disclosure control, and the lines they form."""
    counts: dict[str, int] = {}
    for name in ("raised", "decided", "disruption", "open", "missing.started"):
        counts[name] = sums.get((name, ""), 0)
    counts["returned"] = sum(c for (m, _), c in sums.items() if m == "missing.returned")
    counts["closed"] = sum(c for (m, _), c in sums.items() if m == "closed.outcome")
    counts["actions"] = sum(c for (m, _), c in sums.items() if m == "actions.due")
    for total, counted in (
        ("strategy", "strategy.held"),
        ("section47", "section47.started"),
        ("nrm.reasonable", "nrm.reasonable_grounds"),
        ("nrm.conclusive", "nrm.conclusive_grounds"),
    ):
        counts[total] = sum(c for (m, _), c in sums.items() if m == counted)
    counts["nrm.referred"] = sums.get(("nrm.referred", ""), 0)
    lines = []
    for b in breakdowns:
        keys = [key for key, _ in rows[b.slug]]
        parts = tuple(f"{b.measure}:{k}" for k in keys)
        for key, part in zip(keys, parts, strict=True):
            counts[part] = sums.get((b.measure, key), 0)
        if b.total:
            lines.append(Line(b.total, parts))
    series = tuple(f"month:{_month_key(m)}" for m in months)
    for month, key in zip(months, series, strict=True):
        counts[key] = monthly.get(_month_key(month), 0)
    lines.append(Line("raised", series))
    return counts, lines


def _monthly(area: Area, periods: Sequence[Period]) -> list[dict[str, int]]:
    """Each period's concerns raised by calendar month."""
    rows, params = rollup_rows_sql(
        [(i, p.start, p.after) for i, p in enumerate(periods)],
        area_id=area.pk,
        where="measure = 'raised' AND key = ''",
    )
    found: list[dict[str, int]] = [{} for _ in periods]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tag, to_char(day, 'YYYY-MM'), sum(count) FROM ({rows}) AS r GROUP BY 1, 2",  # noqa: S608 - built from constants
            params,
        )
        for period, month, count in cursor.fetchall():
            found[period][month] = count
    return found


def _clusters_found(area: Area, ends: list[date]) -> list[int]:
    """Clusters at each end, from the cache while the area's links are unchanged: finding them
    reads every link of the area, which a busy partnership's dashboard cannot pay on each view.
    The version comes from a trigger in each link change's own transaction."""
    version = (
        LinkGraphVersion.objects.filter(area=area).values_list("version", flat=True).first() or 0
    )
    keys = [f"reports:clusters:{area.pk}:{version}:{end.isoformat()}" for end in ends]
    cached = cache.get_many(keys)
    missing = [end for end, key in zip(ends, keys, strict=True) if key not in cached]
    if missing:
        found = dict(zip(keys, clusters_found(area=area, ends=ends), strict=True))
        cache.set_many(found, timeout=CLUSTER_CACHE_SECONDS)
        cached |= found
    return [cached[key] for key in keys]


def area_dashboard(*, user: Any, ons_code: str, period: Period) -> Dashboard:
    """The area's dashboard for the period, beside the one before. Http404 for an area the
    user may not report on."""
    area = report_area(user=user, ons_code=ons_code)
    rollups_refresh()
    previous = period.previous()
    breakdowns = _breakdowns()
    current_sums, previous_sums = _sums(area, [period, previous])
    now_monthly, then_monthly = _monthly(area, [period, previous])
    now_months, then_months = period.months(), previous.months()
    rows = {b.slug: _labelled(b, current_sums, previous_sums) for b in breakdowns}
    now_counts, now_lines = _counts(current_sums, rows, breakdowns, now_months, now_monthly)
    then_counts, then_lines = _counts(previous_sums, rows, breakdowns, then_months, then_monthly)
    # A count of its own, in no line: primary suppression alone keeps it safe.
    now_counts["clusters"], then_counts["clusters"] = _clusters_found(
        area, [period.end, previous.end]
    )
    now, then = publish(now_counts, now_lines), publish(then_counts, then_lines)

    def row(
        key: str,
        label: str,
        current: Figure | None = None,
        before: Figure | None = None,
        counted: bool = True,
    ) -> Row:
        a, b = current or now[key], before or then[key]
        return Row(key, label, a, b, change(a, b) if counted else Figure(NOT_APPLICABLE))

    def rate(key: str, label: str, numerator: str, denominator: str) -> Row:
        return row(
            key,
            label,
            percentage(now[numerator], now[denominator]),
            percentage(then[numerator], then[denominator]),
            counted=False,
        )

    summary = Table(
        "summary",
        "Summary",
        chart="",
        rows=[
            row("raised", "Concerns raised"),
            row("decided", "Decisions made"),
            rate(
                "decided_in_time",
                "Decided within one working day",
                "decided.timeliness:in_time",
                "decided",
            ),
            row(
                "median_hours",
                "Median time to decision (hours)",
                measure(median_hours(current_sums), of=now["decided"]),
                measure(median_hours(previous_sums), of=then["decided"]),
                counted=False,
            ),
            row("open", "Open cases at the end of the period"),
            row("raised.repeat:repeat", "Repeat referrals within 12 months"),
            rate(
                "repeat_rate",
                "Repeat referrals as a share of concerns raised",
                "raised.repeat:repeat",
                "raised",
            ),
            row("missing.started", "Missing episodes"),
            row("returned", "Returns from missing"),
            rate(
                "rhi_rate",
                "Return home interviews within 72 hours",
                "missing.returned:within",
                "returned",
            ),
            row("actions", "Protective actions due"),
            rate(
                "actions_rate",
                "Protective actions completed on time",
                "actions.due:on_time",
                "actions",
            ),
            row("strategy", "Strategy discussions held"),
            row("section47", "Section 47 enquiries started"),
            row("nrm.referred", "National Referral Mechanism referrals"),
            row("disruption", "Disruption activities"),
            row("clusters", "Link clusters found"),
            row("closed", "Referrals closed"),
        ],
    )
    series = Table(
        "raised_by_month",
        "Concerns raised by month",
        chart="line",
        note=f"Each month beside the same month of {previous.label}.",
        rows=[
            Row(
                _month_key(m),
                f"{m:%B %Y}",
                now[f"month:{_month_key(m)}"],
                then[f"month:{_month_key(p)}"] if p else Figure(NOT_APPLICABLE),
                change(now[f"month:{_month_key(m)}"], then[f"month:{_month_key(p)}"])
                if p
                else Figure(NOT_APPLICABLE),
            )
            for m, p in zip(now_months, _padded(then_months, len(now_months)), strict=True)
        ],
        total=row("raised", "Concerns raised"),
    )
    tables = []
    for b in breakdowns:
        total = row(b.total, b.total_label) if b.total else None
        shown = [row(f"{b.measure}:{k}", label) for k, label in rows[b.slug]]
        tables.append(Table(b.slug, b.title, shown, total, b.chart, b.note))
    today = timezone.localdate()
    return Dashboard(
        area,
        period,
        previous,
        summary,
        series,
        tables,
        key_messages=key_messages(
            {r.key: (r.current, r.previous) for r in summary.rows}, period, today=today
        ),
        incomplete=incomplete_warning(period, today=today),
    )


def _padded(months: list[date], length: int) -> list[date | None]:
    return [*months[:length], *([None] * (length - len(months)))]


def _labelled(b: Breakdown, *sums: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    extra = sorted({k for s in sums for (m, k) in s if m == b.measure and k not in b.labels})
    return [*b.labels.items(), *((k, k.replace("_", " ").capitalize()) for k in extra)]
