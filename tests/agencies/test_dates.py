"""The one range check every date entered passes: its bounds and words, and every date field
of the API's serializers and the pages' forms routed through it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework import serializers

import api
import frontend
from agencies.dates import (
    ANY_DATE,
    BIRTH_DATE,
    DUE_DATE,
    EXPIRY_DATE,
    DateRange,
    check_dates,
)

TODAY = timezone.localdate()


@pytest.mark.parametrize(
    ("allowed", "first", "last"),
    [
        (ANY_DATE, date(1900, 1, 1), date(2100, 12, 31)),
        (BIRTH_DATE, TODAY - relativedelta(years=110), date(2100, 12, 31)),
        (DUE_DATE, date(1900, 1, 1), TODAY + relativedelta(years=5)),
        (EXPIRY_DATE, date(1900, 1, 1), TODAY + relativedelta(years=25)),
        (DateRange(earliest=date(2000, 1, 1), years_ahead=0), date(2000, 1, 1), TODAY),
    ],
)
def test_each_range_takes_its_first_and_last_day_and_nothing_beyond(
    allowed: DateRange, first: date, last: date
) -> None:
    for inside in (first, last):
        allowed(inside)
    for outside in (first - timedelta(days=1), last + timedelta(days=1)):
        with pytest.raises(ValidationError) as caught:
            allowed(outside)
        assert caught.value.code == "out_of_range"


def test_the_message_names_the_range_in_words() -> None:
    assert ANY_DATE.problem(date.max) == "Enter a date from 1 January 1900 to 31 December 2100"
    assert DateRange(earliest=date(2000, 1, 1), years_ahead=0).problem(date(1999, 12, 31)) == (
        "Enter a date from 1 January 2000 to today"
    )


def test_a_moment_is_judged_by_its_day_in_england() -> None:
    with pytest.raises(ValidationError):
        ANY_DATE(timezone.make_aware(datetime(2101, 1, 1, 0, 30)))
    ANY_DATE(timezone.make_aware(datetime(2100, 12, 31, 23, 30)))


def test_a_service_hears_of_every_date_out_of_range_by_name() -> None:
    with pytest.raises(ValidationError) as caught:
        check_dates(
            due_on=(date(9999, 12, 31), DUE_DATE),
            born_on=(TODAY, BIRTH_DATE),
            nothing=(None, DUE_DATE),
        )
    assert set(caught.value.message_dict) == {"due_on"}


def _classes(package: Any, base: type) -> Iterator[type]:
    for module in pkgutil.iter_modules(package.__path__):
        loaded = importlib.import_module(f"{package.__name__}.{module.name}")
        for _, found in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(found, base) and found.__module__ == loaded.__name__:
                yield found


def _ranged(validators: list[Any]) -> bool:
    return any(isinstance(v, DateRange) for v in validators)


def test_every_date_field_of_the_api_checks_its_range() -> None:
    """Declared fields; a model serializer's own fields carry the model field's range."""
    checked = {
        f"{serializer.__name__}.{name}": _ranged(field.validators)
        for serializer in _classes(api, serializers.Serializer)
        for name, field in serializer._declared_fields.items()  # type: ignore[attr-defined]
        if isinstance(field, serializers.DateField | serializers.DateTimeField)
    }
    assert {name for name, ranged in checked.items() if not ranged} == set()
    assert {"ActionCreateSerializer.due_on", "DecisionSerializer.next_review_on"} <= set(checked)


def test_every_date_field_of_the_pages_checks_its_range() -> None:
    checked = {
        f"{form.__name__}.{name}": _ranged(field.validators)
        for form in _classes(frontend, forms.BaseForm)
        for name, field in form.base_fields.items()  # type: ignore[attr-defined]
        if isinstance(field, forms.DateField | forms.DateTimeField)
    }
    assert {name for name, ranged in checked.items() if not ranged} == set()
    assert {"ActionAddForm.due_on", "MissingStartForm.started_at"} <= set(checked)
