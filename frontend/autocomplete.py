"""Pickers for long lists (docs/design.md, "Autocomplete"): a record of an area (a young
person, person of concern, location, vehicle, phone or online identifier) chosen by typing
part of its name.

Without scripts the page shows a GOV.UK select of the area's records, grouped by kind, the
first FALLBACK_LIMIT of each in natural order. With them, GOV.UK's accessible autocomplete
(static/frontend/autocomplete.js) replaces it and asks `frontend:autocomplete` for
suggestions as the user types. Either way the value posted is "kind:id", and RecordField
reads it back through the need-to-know selectors: a record the user may not see is never a
choice, and whether it exists is not said."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from agencies.ordering import natural
from disruption.models import Location, NodeKind, OnlineIdentifier, PersonOfConcern, Vehicle
from disruption.selectors import entity_list, intelligence_area_ids
from referrals.audited_reads import records_seen
from referrals.selectors import young_people_list

FALLBACK_LIMIT = 200  # of each kind, in the select shown without scripts
SUGGESTIONS = 20
SEARCH_MAX = 100


def _young_people(user: Any, search: str) -> QuerySet[Any]:
    rows = young_people_list(user=user)
    for word in search.split():
        rows = rows.filter(Q(given_name__icontains=word) | Q(family_name__icontains=word))
    return rows


def _entities(model: type[Model]) -> Callable[[Any, str], QuerySet[Any]]:
    return lambda user, search: entity_list(user=user, model=model, search=search)


@dataclass(frozen=True)
class Pickable:
    heading: str  # the group of the select
    rows: Callable[[Any, str], QuerySet[Any]]  # (user, search): what the user may see
    order: tuple[str, ...]


PICKABLE = {
    NodeKind.YOUNG_PERSON.value: Pickable(
        "Young people", _young_people, ("family_name", "given_name")
    ),
    NodeKind.PERSON.value: Pickable("Persons of concern", _entities(PersonOfConcern), ("name",)),
    NodeKind.LOCATION.value: Pickable("Locations", _entities(Location), ("name",)),
    NodeKind.VEHICLE.value: Pickable("Vehicles", _entities(Vehicle), ("registration",)),
    NodeKind.IDENTIFIER.value: Pickable(
        "Phones and online identifiers", _entities(OnlineIdentifier), ("value",)
    ),
}
ENTITY_KINDS = ("person", "location", "vehicle", "identifier")
ALL_KINDS = ("young_person", *ENTITY_KINDS)


def _rows(*, user: Any, area_id: int, kind: str, search: str = "") -> QuerySet[Any]:
    spec = PICKABLE[kind]
    keys = [natural(name) for name in spec.order]
    return spec.rows(user, search).filter(area_id=area_id).order_by(*keys, *spec.order, "pk")


def value_of(kind: str, record: Model) -> str:
    return f"{kind}:{record.pk}"


def label_of(kind: str, record: Model, *, with_kind: bool) -> str:
    return f"{record} ({NodeKind(kind).label.lower()})" if with_kind else str(record)


def grouped_choices(
    *, user: Any, area_id: int, kinds: Sequence[str], exclude: str = ""
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The select shown without scripts: each kind's records, naturally ordered, under its
    heading; kinds with none are left out."""
    groups = []
    for kind in kinds:
        rows = _rows(user=user, area_id=area_id, kind=kind)[:FALLBACK_LIMIT]
        options = [(value_of(kind, r), str(r)) for r in rows if value_of(kind, r) != exclude]
        if options:
            groups.append((PICKABLE[kind].heading, options))
    return groups


def record_for(*, user: Any, area_id: int, kinds: Sequence[str], value: str) -> Model | None:
    """The record a posted "kind:id" names, if it is one of `kinds` of the area that the user
    may see; None otherwise."""
    kind, _, pk = str(value).partition(":")
    if kind not in kinds or not pk.isdigit():
        return None
    return _rows(user=user, area_id=area_id, kind=kind).filter(pk=int(pk)).first()


def suggestions(
    *, user: Any, area_id: int, kinds: Sequence[str], search: str
) -> list[tuple[str, Model]]:
    """Up to SUGGESTIONS records matching `search`, kind by kind, each naturally ordered."""
    found: list[tuple[str, Model]] = []
    for kind in kinds:
        left = SUGGESTIONS - len(found)
        if left <= 0:
            break
        found += [
            (kind, r) for r in _rows(user=user, area_id=area_id, kind=kind, search=search)[:left]
        ]
    return found


@login_required
@require_GET
def autocomplete_view(request: HttpRequest) -> JsonResponse:
    """Suggestions for a picker: `?kinds=person,vehicle&area=<id>&q=<typed>`. Only for
    those who work the area's intelligence (404 for anyone else); every record suggested is
    recorded as seen."""
    kinds = [k for k in request.GET.get("kinds", "").split(",") if k in PICKABLE]
    area = request.GET.get("area", "")
    if not kinds or not area.isdigit() or int(area) not in intelligence_area_ids(user=request.user):
        raise Http404("No such list")
    search = request.GET.get("q", "").strip()[:SEARCH_MAX]
    found = suggestions(user=request.user, area_id=int(area), kinds=kinds, search=search)
    records_seen(actor=request.user, records=[record for _, record in found], request=request)
    several = len(kinds) > 1
    results = [
        {"value": value_of(kind, r), "label": label_of(kind, r, with_kind=several)}
        for kind, r in found
    ]
    return JsonResponse({"results": results})


class OptionsPicker(forms.Select):
    """A select of a list bounded by the partnership's staff (people, agencies, areas), whole
    in the page: autocomplete.js turns it into an autocomplete over its own options once it
    holds more than a few (includes/select_field.html)."""


class RecordPicker(forms.Select):
    """A RecordField's select (includes/autocomplete_field.html): grouped options, and the
    address of its suggestions for the script that turns it into an autocomplete."""

    url = ""
    groups: tuple[tuple[str, list[tuple[str, str]]], ...] = ()  # set by RecordField.offer


class RecordField(forms.Field):
    """A record of an area picked from a long list; cleaned to the record itself. Call
    `offer` in the form's __init__ with the user and the area."""

    widget = RecordPicker

    def __init__(self, *, kinds: Sequence[str], required_message: str, **kwargs: Any) -> None:
        super().__init__(error_messages={"required": required_message}, **kwargs)
        self.kinds = tuple(kinds)
        self.required_message = required_message
        self.user: Any = None
        self.area_id = 0

    def offer(
        self,
        *,
        user: Any,
        area_id: int,
        chosen: Any = "",
        exclude: str = "",
        first: Collection[str] = (),
        first_heading: str = "",
    ) -> None:
        """Bind the field to `user` and `area_id`; `chosen` (the value posted or the initial
        one) is kept among the options shown without scripts even past the limit. The
        records of `first` ("kind:id" values) are listed before the others, under
        `first_heading`."""
        self.user, self.area_id = user, area_id
        widget: RecordPicker = self.widget  # type: ignore[assignment]
        groups = grouped_choices(user=user, area_id=area_id, kinds=self.kinds, exclude=exclude)
        if first:
            leading = [
                (value, f"{label} ({NodeKind(value.partition(':')[0]).label.lower()})")
                for _, options in groups
                for value, label in options
                if value in first
            ]
            groups = [
                (heading, rest)
                for heading, options in groups
                if (rest := [option for option in options if option[0] not in first])
            ]
            if leading:
                groups.insert(0, (first_heading, leading))
        widget.url = (
            reverse("frontend:autocomplete")
            + "?"
            + urlencode({"kinds": ",".join(self.kinds), "area": area_id})
        )
        shown = {value for _, options in groups for value, _ in options}
        record = self._record(chosen) if chosen and chosen not in shown else None
        if record is not None:
            groups.insert(0, ("Chosen", [(str(chosen), str(record))]))
        widget.groups = tuple(groups)

    def _record(self, value: Any) -> Model | None:
        return record_for(user=self.user, area_id=self.area_id, kinds=self.kinds, value=value)

    def to_python(self, value: Any) -> Model | None:
        if value in self.empty_values:
            return None
        record = self._record(value)
        if record is None:
            raise forms.ValidationError(self.required_message, code="invalid_choice")
        return record
