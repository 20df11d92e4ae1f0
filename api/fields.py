"""The API's date fields: DRF's, each checked against a range of agencies.dates (any date
unless the field's meaning narrows it), as the pages' fields and the models are."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from agencies.dates import ANY_DATE, DateRange


class DateField(serializers.DateField):
    def __init__(self, *, allowed: DateRange = ANY_DATE, **kwargs: Any) -> None:
        super().__init__(validators=[*kwargs.pop("validators", ()), allowed], **kwargs)


class DateTimeField(serializers.DateTimeField):
    def __init__(self, *, allowed: DateRange = ANY_DATE, **kwargs: Any) -> None:
        super().__init__(validators=[*kwargs.pop("validators", ()), allowed], **kwargs)
