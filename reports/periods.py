"""Reporting periods: a month, a quarter, a year (April to March, as partnerships report) or
custom dates, each compared with the period of the same length just before it.

Differencing: two published periods a day apart would give, by subtraction, the figures of
that one day, often one child, whatever each figure's own suppression. So every period a
figure is published for is made of whole calendar months: a custom period runs from the first
day of a month to the last day of a month (and is compared with as many whole months before
it). The difference of any two periods is then itself whole months, never less than one
calendar month, which the dashboard publishes as a period of its own under the same
disclosure control (property-tested in tests/reports/test_periods.py). Record-level exports
(an area's national return) are not figures and may use any dates (`whole_months=False`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError

from agencies.dates import DateRange

# The longest custom period: a dashboard compares two, and a board reads years, not decades.
LONGEST_DAYS = 366 * 3
EARLIEST = date(2000, 1, 1)
# A day whose figures can be reported: from EARLIEST, and not yet to come.
REPORTED = DateRange(earliest=EARLIEST, years_ahead=0)


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Period:
    """From `start` up to and including `end`."""

    kind: PeriodKind
    start: date
    end: date

    @property
    def after(self) -> date:
        return self.end + timedelta(days=1)

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.start:%B %Y}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start:%B} to {self.end:%B %Y}"
        if self.kind is PeriodKind.YEAR:
            return f"April {self.start.year} to March {self.end.year}"
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"

    def previous(self) -> Period:
        if self.kind is PeriodKind.CUSTOM and not _whole_months(self.start, self.end):
            days = (self.after - self.start).days
            return Period(
                self.kind, self.start - timedelta(days=days), self.start - timedelta(days=1)
            )
        start = self.start - relativedelta(months=len(self.months()))
        return Period(self.kind, start, self.start - timedelta(days=1))

    def as_query(self) -> dict[str, str]:
        """The query parameters `period_from` reads back as this period."""
        if self.kind is PeriodKind.CUSTOM:
            return {
                "kind": self.kind.value,
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
            }
        return {"kind": self.kind.value, "on": self.start.isoformat()}

    def months(self) -> list[date]:
        """The first day of each calendar month the period touches."""
        first, found = self.start.replace(day=1), []
        while first <= self.end:
            found.append(first)
            first += relativedelta(months=1)
        return found


def _month_end(day: date) -> date:
    return day.replace(day=1) + relativedelta(months=1, days=-1)


def _whole_months(start: date, end: date) -> bool:
    return start.day == 1 and (end + timedelta(days=1)).day == 1


def period_containing(kind: PeriodKind, day: date) -> Period:
    if kind is PeriodKind.MONTH:
        start = day.replace(day=1)
        return Period(kind, start, start + relativedelta(months=1, days=-1))
    if kind is PeriodKind.QUARTER:
        start = day.replace(day=1, month=(day.month - 1) // 3 * 3 + 1)
        return Period(kind, start, start + relativedelta(months=3, days=-1))
    if kind is PeriodKind.YEAR:
        start = date(day.year if day.month >= 4 else day.year - 1, 4, 1)
        return Period(kind, start, start + relativedelta(years=1, days=-1))
    raise ValueError("a custom period needs its dates")


def period_from(
    *,
    kind: str,
    on: date | None,
    start: date | None,
    end: date | None,
    today: date,
    whole_months: bool = True,
) -> Period:
    """The period a reader asked for: `kind` with a day inside it (default: the last whole
    period before today), or custom `start` and `end`, in whole months unless `whole_months`
    is False (see the module's note on differencing). ValidationError, by field, if not."""
    try:
        chosen = PeriodKind(kind or PeriodKind.YEAR)
    except ValueError:
        raise ValidationError({"period": "Choose a month, quarter, year or custom dates"}) from None
    if chosen is PeriodKind.CUSTOM:
        errors = {}
        if start is None:
            errors["start"] = "Enter the first day of the period"
        if end is None:
            errors["end"] = "Enter the last day of the period"
        if start is None or end is None:
            raise ValidationError(errors)
        # In whole months, this month is the last a custom period may take in, as the month
        # period does; record-level exports are of days that have happened.
        latest = _month_end(today) if whole_months else today
        if start < EARLIEST or end > latest:
            last = "the end of this month" if whole_months else "today"
            raise ValidationError(
                {"start": f"Dates must be between {EARLIEST:%-d %B %Y} and {last}"}
            )
        if end < start:
            raise ValidationError({"end": "The last day must be on or after the first day"})
        if (end - start).days >= LONGEST_DAYS:
            raise ValidationError({"end": "A custom period can be at most 3 years long"})
        if whole_months:
            _check_whole_months(start, end)
        return Period(chosen, start, end)
    if on is None:
        return period_containing(chosen, today).previous()
    if on < EARLIEST or on > today:
        raise ValidationError({"on": f"Choose a date between {EARLIEST:%-d %B %Y} and today"})
    return period_containing(chosen, on)


def _check_whole_months(start: date, end: date) -> None:
    errors = {}
    if start.day != 1:
        errors["start"] = "A custom period starts on the first day of a month"
    if (end + timedelta(days=1)).day != 1:
        errors["end"] = "A custom period ends on the last day of a month"
    if errors:
        raise ValidationError(errors)


def period_from_query(query: Mapping[str, str], *, today: date) -> Period:
    """The period a page's or an API call's query string names: `kind`, and `on` or `start`
    and `end` as YYYY-MM-DD. ValidationError, by field, if not."""
    dates: dict[str, date | None] = {}
    errors = {}
    for name in ("on", "start", "end"):
        text = (query.get(name) or "").strip()
        try:
            dates[name] = datetime.strptime(text, "%Y-%m-%d").date() if text else None
        except ValueError:
            errors[name] = "Enter a real date as YYYY-MM-DD, for example 2026-03-31"
    if errors:
        raise ValidationError(errors)
    return period_from(
        kind=query.get("kind") or "",
        on=dates["on"],
        start=dates["start"],
        end=dates["end"],
        today=today,
    )
