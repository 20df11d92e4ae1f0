"""Forms of the strategy profile pages. They check the shape of what was sent; the services in
reports.profiles and reports.profile_imports check the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from agencies.models import Agency, AgencyType, Area
from reports.models import (
    ActivityStatus,
    Audience,
    CoordinatorStatus,
    DeliveryStatus,
    DocumentKind,
    ProtocolStatus,
    ServiceStatus,
    SessionKind,
    StrategyProfile,
    TrainingTopic,
    YesNoNotKnown,
)
from reports.profiles import ANSWER_FIELDS, QUESTIONS

from .concern_forms import YesNoField
from .form_fields import date_field

CHOICES: dict[str, Any] = {
    "protocol": ProtocolStatus.choices,
    "protocol_reviewed_since_guidance": YesNoNotKnown.choices,
    "coordinator": CoordinatorStatus.choices,
    "specialist_service": ServiceStatus.choices,
    "awareness_professionals": DeliveryStatus.choices,
    "awareness_young_people": DeliveryStatus.choices,
    "awareness_parents_and_carers": DeliveryStatus.choices,
    "training_identification": DeliveryStatus.choices,
    "training_protection": DeliveryStatus.choices,
    "training_evidence_gathering": DeliveryStatus.choices,
    "disruption_activity": ActivityStatus.choices,
}
DATE_INVALID = "Enter a real date, for example 31 3 2026"


def _question_field(field: str, text: str) -> forms.Field:
    required = f"Answer: {text[0].lower()}{text[1:].rstrip('?')}"
    if field == "protocol_reviewed_on":
        return date_field(text, required=None, invalid=DATE_INVALID, hint="For example, 31 3 2026")
    if field == "lead_professional_agencies":
        return forms.MultipleChoiceField(
            label=text,
            choices=AgencyType.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="Leave all unticked if none have.",
        )
    if field in ("sub_group", "local_data_collection"):
        return YesNoField(label=text, required_message=required)
    return forms.ChoiceField(
        label=text,
        choices=CHOICES[field],
        widget=forms.RadioSelect,
        error_messages={"required": required, "invalid_choice": required},
    )


class StrategyProfileForm(forms.Form):
    """Every questionnaire item, in the order the study asked them."""

    def __init__(self, *args: Any, profile: StrategyProfile | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.field] = _question_field(question.field, question.text)
        if profile is not None and profile.responded:
            self.initial = {field: getattr(profile, field) for field in ANSWER_FIELDS}

    def answers(self) -> dict[str, Any]:
        return {field: self.cleaned_data.get(field) for field in ANSWER_FIELDS}


class DocumentForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=200,
        error_messages={"required": "Enter a title"},
        help_text="For example, Child exploitation protocol 2026",
    )
    kind = forms.ChoiceField(
        label="What kind of document is it?",
        choices=DocumentKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of document this is"},
    )
    file = forms.FileField(
        label="Upload a file",
        help_text="PDF, DOCX, ODT or TXT, smaller than 10 MB",
        error_messages={"required": "Select a file", "empty": "The selected file is empty"},
    )


class SessionForm(forms.Form):
    kind = forms.ChoiceField(
        label="What was the session?",
        choices=SessionKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose awareness raising or training"},
    )
    audience = forms.ChoiceField(
        label="Awareness raising: who was it for?",
        choices=Audience.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    topic = forms.ChoiceField(
        label="Training: what was it on?",
        choices=TrainingTopic.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    held_on = date_field(
        "When was it held?",
        required="Enter the date the session was held",
        invalid=DATE_INVALID,
        hint="For example, 31 3 2026",
    )
    agency = forms.TypedChoiceField(
        label="Which agency held it?",
        coerce=int,
        error_messages={"required": "Choose the agency", "invalid_choice": "Choose the agency"},
    )
    attending = forms.IntegerField(
        label="How many people attended?",
        min_value=1,
        max_value=100_000,
        error_messages={
            "required": "Enter how many people attended",
            "invalid": "Enter how many people attended as a number, like 25",
            "min_value": "Enter how many people attended, 1 or more",
            "max_value": "Enter a number of people up to 100,000",
        },
    )

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agencies = {agency.pk: agency for agency in agencies}
        self.fields["agency"].choices = [  # type: ignore[attr-defined]
            ("", "Choose one"),
            *((agency.pk, agency.name) for agency in agencies),
        ]

    def clean_agency(self) -> Agency:
        return self.agencies[self.cleaned_data["agency"]]


class LibrarySearchForm(forms.Form):
    text = forms.CharField(label="Title contains", max_length=200, required=False)
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Any kind"), *DocumentKind.choices]
    )
    area = forms.ChoiceField(label="Area", required=False)

    def __init__(self, *args: Any, areas: list[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [  # type: ignore[attr-defined]
            ("", "Any area"),
            *((area.ons_code, area.name) for area in areas),
        ]

    def search(self) -> dict[str, str]:
        """The search asked for; a value the form does not offer is shown as an error and
        ignored, so the library still shows."""
        self.is_valid()
        chosen = self.cleaned_data
        return {
            "text": chosen.get("text", ""),
            "kind": chosen.get("kind", ""),
            "ons_code": chosen.get("area", ""),
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Upload a CSV or XLSX file",
        help_text="One row per area, with the columns of the template",
        error_messages={"required": "Select a file", "empty": "The selected file is empty"},
    )
