"""Working time for timescales: weekdays 09:00 to 17:00 in England, less bank holidays.

Statutory timescales count working days (a triage decision within one working day); many areas
also rate urgency with clocks in working hours (Red 4, Amber 24, Green 72). England and Wales
share their bank holidays, which the `holidays` package keeps as data.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
WORKDAY_START = time(9)
WORKDAY_END = time(17)


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_days_after(day: date, days: int) -> date:
    """The `days`-th working day after `day` (a date-only timescale)."""
    for _ in range(days):
        day = next_working_day(day)
    return day


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=LONDON)


def _first_working_moment(start: datetime) -> datetime:
    """`start` itself during working hours, else the next start of a working day."""
    local = start.astimezone(LONDON)
    day, moment = local.date(), local.timetz().replace(tzinfo=None)
    if is_working_day(day) and WORKDAY_START <= moment < WORKDAY_END:
        return local
    if is_working_day(day) and moment < WORKDAY_START:
        return _at(day, WORKDAY_START)
    return _at(next_working_day(day), WORKDAY_START)


def is_working_time(moment: datetime) -> bool:
    """Inside working hours on a working day, in England."""
    return _first_working_moment(moment) == moment.astimezone(LONDON)


def add_working_days(start: datetime, days: int) -> datetime:
    """The same time of day `days` working days later. Something received outside working
    hours counts as received when the next working day starts."""
    if days < 0:
        raise ValueError("days must not be negative")
    received = _first_working_moment(start)
    day = received.date()
    for _ in range(days):
        day = next_working_day(day)
    return _at(day, received.timetz().replace(tzinfo=None))


def add_working_hours(start: datetime, hours: float) -> datetime:
    """The moment `hours` of working time after `start`."""
    if hours < 0:
        raise ValueError("hours must not be negative")
    remaining = timedelta(hours=hours)
    cursor = _first_working_moment(start)
    while True:
        left_today = _at(cursor.date(), WORKDAY_END) - cursor
        if remaining <= left_today:
            return cursor + remaining
        remaining -= left_today
        cursor = _at(next_working_day(cursor.date()), WORKDAY_START)


def working_time_between(start: datetime, end: datetime) -> timedelta:
    """How much working time passes from `start` to `end` (nothing when `end` is not later)."""
    total = timedelta()
    cursor = _first_working_moment(start)
    while cursor < end:
        total += min(_at(cursor.date(), WORKDAY_END), end) - cursor
        cursor = _at(next_working_day(cursor.date()), WORKDAY_START)
    return total
