"""Filters for the triage queue: a young person's age today and the time left to a deadline."""

from __future__ import annotations

from datetime import date, datetime

from django import template

from referrals.models import YoungPerson

register = template.Library()


@register.filter
def age_on(person: YoungPerson, day: date) -> int | None:
    return person.age_on(day)


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _span(seconds: float) -> str:
    """Days and hours, or hours and minutes: as precise as a coordinator needs."""
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return " ".join([_plural(days, "day"), *([_plural(hours, "hour")] if hours else [])])
    if hours:
        return " ".join(
            [_plural(hours, "hour"), *([_plural(minutes, "minute")] if minutes else [])]
        )
    return _plural(minutes, "minute")


@register.filter
def time_left(due: datetime | None, now: datetime) -> str:
    """'3 hours 20 minutes left' or 'Overdue by 1 day 2 hours', in elapsed (clock) time."""
    if due is None:
        return "No deadline"
    seconds = (due - now).total_seconds()
    if seconds < 0:
        return f"Overdue by {_span(-seconds)}"
    return f"{_span(seconds)} left"
