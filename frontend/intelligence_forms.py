"""Forms for the intelligence pages. The services check the rules; these check the shape."""

from __future__ import annotations

from typing import Any

from django import forms

from agencies.dates import BIRTH_DATE
from disruption.models import (
    HandlingCode,
    IntelligenceAssessment,
    LinkNature,
    LocationType,
    NodeKind,
    PersonStatus,
    Platform,
    SourceEvaluation,
)

from .autocomplete import ALL_KINDS, OptionsPicker, RecordField
from .form_fields import date_field

SEARCH_KINDS = [
    ("", "Everything"),
    (NodeKind.PERSON.value, "Persons of concern"),
    (NodeKind.LOCATION.value, "Locations"),
    (NodeKind.VEHICLE.value, "Vehicles"),
    (NodeKind.IDENTIFIER.value, "Phone numbers and online identifiers"),
]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _optional(label: str, *, max_length: int = 200, hint: str = "", long: bool = False) -> Any:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        help_text=hint,
        widget=forms.Textarea if long else forms.TextInput,
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Name, registration, phone number or handle", required=False, max_length=200
    )
    kind = forms.ChoiceField(
        label="Show", choices=SEARCH_KINDS, required=False, initial="", widget=forms.RadioSelect
    )


class PersonForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=200,
        help_text="Or what they are called",
        error_messages={"required": "Enter the person's name, or what they are called"},
    )
    aliases = _optional("Other names they use", max_length=2000, hint="One per line", long=True)
    date_of_birth = date_field("Date of birth (if known)", required=None, allowed=BIRTH_DATE)
    approximate_age = forms.IntegerField(
        label="Approximate age", required=False, min_value=0, max_value=120
    )
    description = _optional("Appearance and anything distinctive", max_length=5000, long=True)
    addresses = _optional("Addresses", max_length=5000, hint="One per line", long=True)
    police_references = _optional(
        "Police references", max_length=2000, hint="One per line", long=True
    )
    status = forms.ChoiceField(label="Status", choices=PersonStatus.choices)

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("aliases", "police_references"):
            data[name] = _lines(data[name])
        data.pop("confirm_new", None)
        return data


class PersonCreateForm(PersonForm):
    confirm_new = forms.BooleanField(
        label="None of these is the same person: record a new one", required=False
    )


class LocationForm(forms.Form):
    name = forms.CharField(
        label="Name of the place",
        max_length=200,
        error_messages={"required": "Enter the place's name"},
    )
    location_type = forms.ChoiceField(label="Kind of place", choices=LocationType.choices)
    address = _optional("Address", max_length=2000, long=True)
    postcode = _optional("Postcode", max_length=10)
    is_hotspot = forms.BooleanField(
        label="It is a hotspot (young people are groomed or exploited here)", required=False
    )
    description = _optional("Description", max_length=5000, long=True)


class VehicleForm(forms.Form):
    registration = forms.CharField(
        label="Registration",
        max_length=30,
        help_text="For example, AB12 CDE",
        error_messages={"required": "Enter the registration, for example AB12 CDE."},
    )
    make = _optional("Make", max_length=60)
    model = _optional("Model", max_length=60)
    colour = _optional("Colour", max_length=40)
    notes = _optional("Notes", max_length=5000, long=True)


class IdentifierForm(forms.Form):
    platform = forms.ChoiceField(label="Phone number or platform", choices=Platform.choices)
    value = forms.CharField(
        label="Phone number or handle",
        max_length=200,
        help_text="For example, 07700 900123 or @name",
        error_messages={"required": "Enter the phone number or handle"},
    )
    notes = _optional("Notes", max_length=5000, long=True)


class GradingForm(forms.Form):
    source_evaluation = forms.ChoiceField(
        label="Source evaluation", choices=SourceEvaluation.choices, initial="2"
    )
    intelligence_assessment = forms.ChoiceField(
        label="Intelligence assessment", choices=IntelligenceAssessment.choices, initial="C"
    )
    handling_code = forms.ChoiceField(
        label="Handling code", choices=HandlingCode.choices, initial="P"
    )


class LinkForm(GradingForm):
    other = RecordField(
        label="Link to",
        kinds=ALL_KINDS,
        help_text="Start typing a name, registration, phone number or handle",
        required_message="Choose the record to link to",
    )
    nature = forms.ChoiceField(label="How are they linked?", choices=LinkNature.choices)
    referral = forms.ChoiceField(
        label="Referral it came from",
        required=False,
        choices=(),
        help_text="If there is one: start typing its reference or the young person's name",
        widget=OptionsPicker,
    )
    source = forms.CharField(
        label="Who or what the information came from",
        max_length=200,
        error_messages={"required": "Enter who or what the information came from"},
    )
    observed_on = date_field(
        "When it happened or was seen", required="Enter when it happened or was seen"
    )
    detail = _optional("Detail", max_length=5000, long=True)

    field_order = [
        "other",
        "nature",
        "referral",
        "source",
        "source_evaluation",
        "intelligence_assessment",
        "handling_code",
        "observed_on",
        "detail",
    ]

    def __init__(
        self,
        *args: Any,
        user: Any,
        area_id: int,
        own: str,
        referrals: list[tuple[str, str]],
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        other: RecordField = self.fields["other"]  # type: ignore[assignment]
        chosen = self.data.get(self.add_prefix("other"), "") if self.is_bound else ""
        other.offer(user=user, area_id=area_id, chosen=chosen, exclude=own)
        self.fields["referral"].choices = [("", "None"), *referrals]  # type: ignore[attr-defined]


class ShareForm(forms.Form):
    reason = forms.CharField(
        label="Why do the lead professionals need to know this?",
        max_length=2000,
        widget=forms.Textarea,
        error_messages={"required": "Enter why the lead professionals need to know this"},
    )


NEW_RECORD = "new"


class MentionForm(GradingForm):
    """One line of the concern's mentions: one of the area's records like it, or a new one."""

    record = forms.ChoiceField(
        label="Is this already recorded?",
        widget=forms.RadioSelect,
        choices=(),
        error_messages={"required": "Choose the record it is, or create a new record"},
    )
    name = _optional(
        "Name or registration, for a new record",
        hint="Leave blank to use the words of the concern",
    )

    field_order = [
        "record",
        "name",
        "source_evaluation",
        "intelligence_assessment",
        "handling_code",
    ]

    def __init__(self, *args: Any, matches: list[tuple[str, str]], noun: str, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["record"].choices = [  # type: ignore[attr-defined]
            *matches,
            (NEW_RECORD, f"No, create a new record of this {noun}"),
        ]
        # Nothing like it is recorded: there is nothing to choose, and a new record it is.
        self.fields["record"].required = bool(matches)
