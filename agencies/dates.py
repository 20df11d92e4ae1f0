"""The range of dates a person could mean: the one check every date entered passes, on a
page, through the API, in an imported file and on the model, so that a slip of the keyboard
(9999 for 2026, 1066 for 2066) never reaches a record, a timer or the counts made from it.

Every date lies between EARLIEST and LATEST. A kind of date whose meaning bounds it more
closely (a date of birth, a date something is due by) says so with its own DateRange, counted
from today; docs/architecture.md lists them."""

from __future__ import annotations

from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


def _words(day: date, today: date) -> str:
    return "today" if day == today else f"{day:%-d %B %Y}"


def _as_date(value: date) -> date:
    """A moment's calendar day in England; a date as it is."""
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@deconstructible(path="agencies.dates.DateRange")
class DateRange:
    """The dates a kind of field accepts: within EARLIEST and LATEST always; within
    `years_back` before today and `years_ahead` after it where given (0: today at most); and
    from `earliest` to `latest` where a rule of the domain fixes them. Called with a date (or
    a moment) it raises ValidationError, so it serves as a form's, a serializer's or a model
    field's validator."""

    def __init__(
        self,
        *,
        years_back: int | None = None,
        years_ahead: int | None = None,
        earliest: date = EARLIEST,
        latest: date = LATEST,
    ) -> None:
        self.years_back, self.years_ahead = years_back, years_ahead
        self.earliest, self.latest = max(earliest, EARLIEST), min(latest, LATEST)

    def bounds(self, today: date) -> tuple[date, date]:
        first, last = self.earliest, self.latest
        if self.years_back is not None:
            first = max(first, today - relativedelta(years=self.years_back))
        if self.years_ahead is not None:
            last = min(last, today + relativedelta(years=self.years_ahead))
        return first, last

    def problem(self, value: date, *, today: date | None = None) -> str | None:
        """What is wrong with `value`, in words, or None when it is in range."""
        today = today or timezone.localdate()
        first, last = self.bounds(today)
        if first <= _as_date(value) <= last:
            return None
        return f"Enter a date from {_words(first, today)} to {_words(last, today)}"

    def __call__(self, value: date) -> None:
        if value is not None and (problem := self.problem(value)):
            raise ValidationError(problem, code="out_of_range")

    def __eq__(self, other: object) -> bool:  # migrations compare a field's validators
        return isinstance(other, DateRange) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[int | None, int | None, date, date]:
        return self.years_back, self.years_ahead, self.earliest, self.latest


# Any date at all: a record's own dates, periods, filters.
ANY_DATE = DateRange()
# A person's date of birth: nobody alive was born much longer ago.
BIRTH_DATE = DateRange(years_back=110)
# A date something is due, planned or reviewed by: plans look months ahead, not decades.
DUE_DATE = DateRange(years_ahead=5)
# The day an order or notice ends: some orders run for many years, none for a lifetime.
EXPIRY_DATE = DateRange(years_ahead=25)


def date_problems(**named: tuple[date | None, DateRange]) -> dict[str, str]:
    """For services: what is wrong with each named date (when given) that is out of its
    range, by name."""
    return {
        name: problem
        for name, (value, allowed) in named.items()
        if value is not None and (problem := allowed.problem(value))
    }


def check_dates(**named: tuple[date | None, DateRange]) -> None:
    """ValidationError naming each date out of its range, as date_problems finds them."""
    if errors := date_problems(**named):
        raise ValidationError(errors)
