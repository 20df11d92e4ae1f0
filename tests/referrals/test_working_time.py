from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referrals.working_time import (
    LONDON,
    add_working_days,
    add_working_hours,
    is_working_day,
    working_time_between,
)


def london(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # Thursday before Easter 2026: Good Friday, the weekend and Easter Monday do not count.
        (london(2026, 4, 2, 16, 0), london(2026, 4, 7, 16, 0)),
        # An ordinary Tuesday.
        (london(2026, 11, 24, 10, 30), london(2026, 11, 25, 10, 30)),
        # Friday: due on Monday.
        (london(2026, 11, 27, 14, 0), london(2026, 11, 30, 14, 0)),
        # Saturday: counts from 09:00 on Monday, due 09:00 on Tuesday.
        (london(2026, 11, 28, 11, 0), london(2026, 12, 1, 9, 0)),
        # Evening: counts from 09:00 next morning.
        (london(2026, 11, 24, 19, 0), london(2026, 11, 26, 9, 0)),
        # Christmas Eve 2026 (Thursday): Christmas Day, the weekend and Boxing Day observed.
        (london(2026, 12, 24, 12, 0), london(2026, 12, 29, 12, 0)),
        # Across the clocks going forward (29 March 2026): the same wall-clock time.
        (london(2026, 3, 27, 16, 0), london(2026, 3, 30, 16, 0)),
    ],
)
def test_one_working_day(received: datetime, due: datetime) -> None:
    assert add_working_days(received, 1) == due


def test_utc_input_is_read_as_london_time() -> None:
    # 15:00 UTC in summer is 16:00 in London.
    due = add_working_days(datetime(2026, 4, 2, 15, 0, tzinfo=UTC), 1)
    assert due == london(2026, 4, 7, 16, 0)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (london(2026, 11, 24, 10, 0), 4, london(2026, 11, 24, 14, 0)),  # Red, same day
        (london(2026, 11, 27, 15, 0), 4, london(2026, 11, 30, 11, 0)),  # Red over a weekend
        (london(2026, 11, 24, 7, 0), 4, london(2026, 11, 24, 13, 0)),  # before opening
        (london(2026, 11, 24, 9, 0), 24, london(2026, 11, 26, 17, 0)),  # Amber: three days
        (london(2026, 4, 2, 16, 0), 4, london(2026, 4, 7, 12, 0)),  # Easter
    ],
)
def test_working_hours(start: datetime, hours: int, due: datetime) -> None:
    assert add_working_hours(start, hours) == due


def test_bank_holidays_and_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 4, 3))  # Good Friday
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day observed
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert is_working_day(date(2026, 11, 25))


def test_negative_timescales_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(london(2026, 1, 5, 9, 0), -1)
    with pytest.raises(ValueError):
        add_working_hours(london(2026, 1, 5, 9, 0), -1)


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(LONDON)
)


@given(moments, st.integers(min_value=0, max_value=30))
def test_a_due_day_is_a_working_day_never_before_the_start(start: datetime, days: int) -> None:
    due = add_working_days(start, days)
    assert is_working_day(due.date())
    assert due >= start


@given(moments, moments, st.integers(min_value=1, max_value=5))
def test_a_later_start_is_never_due_earlier(a: datetime, b: datetime, days: int) -> None:
    early, late = sorted([a, b])
    assert add_working_days(early, days) <= add_working_days(late, days)


@given(moments, st.floats(min_value=0, max_value=200))
def test_working_hours_land_inside_working_hours(start: datetime, hours: float) -> None:
    due = add_working_hours(start, hours).astimezone(LONDON)
    assert is_working_day(due.date())
    assert 9 <= due.hour + due.minute / 60 <= 17
    assert due >= start


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        # Friday before the late May bank holiday to Tuesday: 2 hours on Friday, 2 on Tuesday.
        (london(2026, 5, 22, 15, 0), london(2026, 5, 26, 11, 0), 4),
        # From a Saturday: nothing counts until Tuesday 09:00 (Monday is a bank holiday).
        (london(2026, 5, 23, 10, 0), london(2026, 5, 26, 10, 30), 1.5),
        # Within one working day; an evening end counts to 17:00 only.
        (london(2026, 11, 24, 10, 0), london(2026, 11, 24, 12, 15), 2.25),
        (london(2026, 11, 24, 16, 0), london(2026, 11, 24, 21, 0), 1),
        # An end before the start, or at it, is no time at all.
        (london(2026, 11, 24, 12, 0), london(2026, 11, 24, 11, 0), 0),
        (london(2026, 11, 24, 12, 0), london(2026, 11, 24, 12, 0), 0),
    ],
)
def test_working_time_between(start: datetime, end: datetime, hours: float) -> None:
    assert working_time_between(start, end) == timedelta(hours=hours)


@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    minutes=st.integers(min_value=0, max_value=60 * 200),
)
def test_working_time_between_undoes_adding_working_hours(start: datetime, minutes: int) -> None:
    begin = start.replace(tzinfo=UTC)
    assert working_time_between(begin, add_working_hours(begin, minutes / 60)) == timedelta(
        minutes=minutes
    )
