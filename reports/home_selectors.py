"""What the home page shows of reports: a board member's key figures (the dashboard's own,
disclosure-controlled) and the national returns a national analyst has to work with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from agencies.models import Area, Role
from agencies.selectors import active_memberships

from .models import NationalReturn
from .periods import Period, PeriodKind, period_containing
from .selectors import Row, area_dashboard

# The dashboard's summary rows a board member sees first.
KEY_FIGURES = ("raised", "decided_in_time", "open", "rhi_rate", "disruption")


@dataclass(frozen=True)
class KeyFigures:
    area: Area
    period: Period
    rows: list[Row]


def last_whole_quarter(*, today: date) -> Period:
    """The latest quarter that has ended: a quarter still running is never compared with a
    whole one."""
    return period_containing(PeriodKind.QUARTER, today).previous()


def board_key_figures(*, user: Any, today: date) -> list[KeyFigures]:
    """For each partnership whose figures the user reads as a board member: the key figures of
    the last whole quarter beside the quarter before, as the area dashboard publishes them
    (small counts suppressed)."""
    period = last_whole_quarter(today=today)
    areas = sorted(
        {m.area for m in active_memberships(user=user) if m.role == Role.BOARD_MEMBER and m.area},
        key=lambda area: area.name,
    )
    found = []
    for area in areas:
        summary = area_dashboard(user=user, ons_code=area.ons_code, period=period).summary
        rows = {row.key: row for row in summary.rows}
        found.append(KeyFigures(area, period, [rows[key] for key in KEY_FIGURES]))
    return found


@dataclass(frozen=True)
class ReturnsImported:
    total: int
    latest: list[NationalReturn]


def national_returns_imported(*, user: Any, limit: int) -> ReturnsImported:
    """The national returns imported, latest first; nothing for anyone but a national analyst."""
    if not user.has_perm("reports.analyse_national_returns"):
        return ReturnsImported(0, [])
    rows = NationalReturn.objects.select_related("area").order_by("-imported_at", "-id")
    latest = list(rows[:limit])
    return ReturnsImported(rows.count() if len(latest) == limit else len(latest), latest)
