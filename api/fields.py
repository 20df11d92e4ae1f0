"""The API's fields, read as the schema describes them: dates checked against a range of
agencies.dates (any date unless the field's meaning narrows it), as the pages' fields and the
models are; coordinates only as the schema's pattern says; text no longer than its maximum
as sent; and text, numbers and yes/no values of a JSON body only as their JSON types. Every
serializer of the API takes its fields from here (`tests/api/test_fields.py` walks them)."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from django.db import models
from django.utils.datastructures import MultiValueDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.dates import ANY_DATE, DateRange


class DateField(serializers.DateField):
    def __init__(self, *, allowed: DateRange = ANY_DATE, **kwargs: Any) -> None:
        super().__init__(validators=[*kwargs.pop("validators", ()), allowed], **kwargs)


class DateTimeField(serializers.DateTimeField):
    def __init__(self, *, allowed: DateRange = ANY_DATE, **kwargs: Any) -> None:
        super().__init__(validators=[*kwargs.pop("validators", ()), allowed], **kwargs)


class JSONTyped:
    """A value in a JSON body must have the type the schema gives it: DRF would read 5 as the
    text "5", or 1 as true, where the schema says a string or a boolean. Form and query data
    arrive only as text, so they are read as DRF reads them."""

    json_types: tuple[type, ...]

    def to_internal_value(self, data: Any) -> Any:
        if _from_json(self) and (
            isinstance(data, bool) is not (bool in self.json_types)
            or not isinstance(data, self.json_types)
        ):
            self.fail("invalid")  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]


def _from_json(field: Any) -> bool:
    data = getattr(field.root, "initial_data", None)
    return data is not None and not isinstance(data, MultiValueDict)


class _Coordinate(JSONTyped, serializers.DecimalField):
    """Degrees to 6 places within ±`limit`, as a decimal string matching `pattern`, blank or
    null for none: DRF's DecimalField would also read ' 5 ', '+5', '1e1' or a JSON number,
    which the schema's type and pattern refuse."""

    json_types = (str,)
    limit: int
    pattern: str

    def __init__(self, **kwargs: Any) -> None:
        digits = len(str(self.limit)) + 6
        super().__init__(
            max_digits=digits,
            decimal_places=6,
            min_value=-self.limit,
            max_value=self.limit,
            allow_null=True,
            required=False,
            **kwargs,
        )
        self.error_messages["invalid"] = (
            f"Give degrees from -{self.limit} to {self.limit}, to at most 6 places."
        )

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not re.fullmatch(self.pattern, str(data)):
            self.fail("invalid")
        return super().to_internal_value(data)


def _coordinate_schema(pattern: str) -> dict[str, Any]:
    return {"type": "string", "format": "decimal", "pattern": pattern, "nullable": True}


LATITUDE = r"^(?:-?(?:90(?:\.0{1,6})?|[1-8]?\d(?:\.\d{1,6})?))?$"
LONGITUDE = r"^(?:-?(?:180(?:\.0{1,6})?|(?:1[0-7]|[1-9])?\d(?:\.\d{1,6})?))?$"


@extend_schema_field(_coordinate_schema(LATITUDE))
class LatitudeField(_Coordinate):
    limit, pattern = 90, LATITUDE


@extend_schema_field(_coordinate_schema(LONGITUDE))
class LongitudeField(_Coordinate):
    limit, pattern = 180, LONGITUDE


class LengthAsSent:
    """Text no longer than its maximum as it was sent, as the schema's maxLength says: DRF
    measures it after trimming the spaces around it, so 300 characters of which 100 are
    spaces would pass a maximum of 200."""

    max_length: int | None

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]


class CharField(LengthAsSent, JSONTyped, serializers.CharField):
    json_types = (str,)


class SlugField(LengthAsSent, JSONTyped, serializers.SlugField):
    json_types = (str,)


class EmailField(LengthAsSent, JSONTyped, serializers.EmailField):
    json_types = (str,)


class URLField(LengthAsSent, JSONTyped, serializers.URLField):
    json_types = (str,)


class IntegerField(JSONTyped, serializers.IntegerField):
    """As text (a query or a form), only the digits of an integer, as the schema's type says:
    DRF would also read " 5", "5.0" or other scripts' digits."""

    json_types = (int,)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and not re.fullmatch(r"-?[0-9]+", data):
            self.fail("invalid")
        return super().to_internal_value(data)


class BooleanField(JSONTyped, serializers.BooleanField):
    json_types = (bool,)


_M = TypeVar("_M", bound=models.Model)


# DRF's, with the model's text, number and yes/no fields read as their JSON types. (A comment:
# the schema would show a docstring as every serializer's description.)
class ModelSerializer(serializers.ModelSerializer[_M]):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CharField,
        models.TextField: CharField,
        models.SlugField: SlugField,
        models.EmailField: EmailField,
        models.URLField: URLField,
        models.IntegerField: IntegerField,
        models.SmallIntegerField: IntegerField,
        models.BigIntegerField: IntegerField,
        models.PositiveIntegerField: IntegerField,
        models.PositiveSmallIntegerField: IntegerField,
        models.PositiveBigIntegerField: IntegerField,
        models.BooleanField: BooleanField,
    }
