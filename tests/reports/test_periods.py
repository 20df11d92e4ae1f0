"""Differencing, proved by search: no two periods a figure can be published for differ by
less than whole calendar months, so subtracting one from the other never isolates a few days
(often one child). Every period is generated from what a reader may type, wrong or not."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.periods import EARLIEST, Period, PeriodKind, period_from
from tests.strength import examples

TODAY = date(2026, 12, 6)


def _month_end(first: date) -> date:
    return (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)


days_in_range = st.dates(min_value=EARLIEST, max_value=TODAY)
first_days = days_in_range.map(lambda day: day.replace(day=1))
last_days = first_days.map(_month_end)


@st.composite
def asked(draw: st.DrawFn) -> dict[str, object]:
    """What a reader may ask for: any kind, a day in it, or custom dates, month-aligned or not."""
    kind = draw(st.sampled_from([*PeriodKind, ""]))
    return {
        "kind": str(kind),
        "on": draw(st.none() | days_in_range),
        "start": draw(st.none() | days_in_range | first_days),
        "end": draw(st.none() | days_in_range | last_days),
    }


def published(request: dict[str, object]) -> list[Period]:
    """The periods the dashboard publishes figures for, asked this: it and the one before."""
    try:
        period = period_from(today=TODAY, **request)  # type: ignore[arg-type]
    except ValidationError:
        return []
    return [period, period.previous()]


def days_of(period: Period) -> set[date]:
    return {period.start + timedelta(days=n) for n in range((period.after - period.start).days)}


def months_of(days: set[date]) -> set[date]:
    return {day.replace(day=1) for day in days}


@settings(max_examples=examples(500), deadline=None)
@given(asked(), asked())
def test_two_published_periods_differ_by_whole_months_only(
    one: dict[str, object], other: dict[str, object]
) -> None:
    for first in published(one):
        for second in published(other):
            differ = days_of(first) ^ days_of(second)
            # Every month the difference touches, it holds whole.
            whole = {
                day
                for month in months_of(differ)
                for day in days_of(Period(PeriodKind.CUSTOM, month, _month_end(month)))
            }
            assert differ == whole
            assert not differ or len(differ) >= 28


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2026, 3, 1), date(2026, 3, 30), "end"),  # a day short: the day it leaves out
        (date(2026, 3, 2), date(2026, 3, 31), "start"),
        (date(2026, 3, 2), date(2026, 3, 30), "start"),
    ],
)
def test_a_custom_period_of_part_months_is_refused(start: date, end: date, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        period_from(kind="custom", on=None, start=start, end=end, today=TODAY)
    assert field in refused.value.message_dict


def test_a_custom_period_of_whole_months_is_compared_with_as_many_months_before() -> None:
    period = period_from(
        kind="custom", on=None, start=date(2026, 1, 1), end=date(2026, 3, 31), today=TODAY
    )
    assert period.previous() == Period(PeriodKind.CUSTOM, date(2025, 10, 1), date(2025, 12, 31))


def test_a_record_level_export_may_use_any_dates() -> None:
    period = period_from(
        kind="custom",
        on=None,
        start=date(2026, 3, 2),
        end=date(2026, 3, 8),
        today=TODAY,
        whole_months=False,
    )
    assert (period.start, period.end) == (date(2026, 3, 2), date(2026, 3, 8))
