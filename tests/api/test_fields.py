"""A JSON body's values must have the types the schema gives them; form and query data, which
arrive only as text, are read as before. And no field the API reads is left to DRF's
coercion."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from django.http import QueryDict
from rest_framework import serializers

import api
from api import fields as checked
from tests.api.test_concerns import practitioner, raise_concern  # noqa: F401 (a fixture)


class Sample(serializers.Serializer[Any]):
    note = checked.CharField(required=False)
    handle = checked.CharField(max_length=5, required=False)
    count = checked.IntegerField(required=False)
    urgent = checked.BooleanField(required=False)
    codes = serializers.ListField(child=checked.SlugField(), required=False)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"note": 0}, "note"),
        ({"note": 1.5}, "note"),
        ({"note": True}, "note"),
        ({"count": "5"}, "count"),
        ({"count": True}, "count"),
        ({"urgent": 1}, "urgent"),
        ({"urgent": "true"}, "urgent"),
        ({"codes": ["going_missing", 7]}, "codes"),
    ],
)
def test_a_json_value_of_another_type_is_refused(body: dict[str, Any], field: str) -> None:
    sample = Sample(data=body)
    assert not sample.is_valid()
    assert set(sample.errors) == {field}


def test_json_values_of_their_types_are_read() -> None:
    body = {"note": "Seen", "count": 5, "urgent": False, "codes": ["going_missing"]}
    sample = Sample(data=body)
    assert sample.is_valid(), sample.errors
    assert sample.validated_data == body


@pytest.mark.parametrize("count", [" 5", "5.0", "\u0665", "1e0", "+5"])
def test_a_number_in_text_is_its_digits_only(count: str) -> None:
    sample = Sample(data=QueryDict(mutable=True))
    sample.initial_data.update({"count": count})
    assert not sample.is_valid()
    assert set(sample.errors) == {"count"}


def test_form_data_is_text_and_read_as_its_type() -> None:
    sample = Sample(data=QueryDict("note=Seen&count=5&urgent=true&codes=going_missing"))
    assert sample.is_valid(), sample.errors
    assert sample.validated_data == {
        "note": "Seen",
        "count": 5,
        "urgent": True,
        "codes": ["going_missing"],
    }


@pytest.mark.parametrize("data", [{"handle": "  abcd  "}, QueryDict("handle=+abcd+")])
def test_text_is_held_to_its_maximum_as_sent_not_once_trimmed(data: Any) -> None:
    sample = Sample(data=data)
    assert not sample.is_valid()
    assert sample.errors == {"handle": ["Ensure this field has no more than 5 characters."]}
    assert Sample(data={"handle": " abc "}).is_valid()


@pytest.mark.django_db
def test_a_concern_with_a_number_for_its_vehicles_is_refused(practitioner: Any) -> None:  # noqa: F811
    refused = raise_concern(practitioner, vehicles_mentioned=0)
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"vehicles_mentioned"}
    assert raise_concern(practitioner, vehicles_mentioned="Silver Audi").status_code == 201


# What DRF would coerce from a JSON value of another type: checked's fields refuse it.
COERCING = (serializers.CharField, serializers.IntegerField, serializers.BooleanField)


def _serializers() -> list[type[serializers.Serializer[Any]]]:
    for module in pkgutil.iter_modules(api.__path__):
        importlib.import_module(f"api.{module.name}")
    found: list[type[Any]] = []
    pending: list[type[Any]] = [serializers.Serializer]
    while pending:
        subclasses = pending.pop().__subclasses__()
        pending += subclasses
        found += [sub for sub in subclasses if sub.__module__.startswith("api.")]
    return [serializer for serializer in found if _concrete(serializer)]


def _concrete(serializer: type[Any]) -> bool:
    """Not a base such as a ModelSerializer without its model."""
    return not issubclass(serializer, serializers.ModelSerializer) or hasattr(serializer, "Meta")


def _writable(field: Any, path: str) -> list[tuple[str, Any]]:
    if field.read_only:
        return []
    if isinstance(field, serializers.ListField):
        return _writable(field.child, f"{path}[]")
    if isinstance(field, serializers.BaseSerializer):
        inner: Any = getattr(field, "child", field)  # a list of them, or one
        return [
            item for name, sub in inner.fields.items() for item in _writable(sub, f"{path}.{name}")
        ]
    return [(path, field)]


def test_every_field_the_api_reads_is_held_to_its_json_type() -> None:
    found = _serializers()
    assert len(found) > 100  # every module's serializers were found
    loose = [
        f"{serializer.__module__}.{serializer.__qualname__}{path}"
        for serializer in found
        for name, field in _fields(serializer).items()
        for path, leaf in _writable(field, f".{name}")
        if isinstance(leaf, COERCING) and not isinstance(leaf, checked.JSONTyped)
    ]
    assert loose == []


def _fields(serializer: type[serializers.Serializer[Any]]) -> dict[str, Any]:
    return dict(serializer().fields)
