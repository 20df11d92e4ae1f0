"""Forms for the pages of raising a concern: one question (or a few close ones) per page.

They check the shape of what was typed; the services check the rules (a real NHS number, no
date in the future) and say which field is at fault.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from agencies.dates import BIRTH_DATE
from referrals.models import (
    Consent,
    Ethnicity,
    ExploitationModel,
    ExploitationType,
    LawfulBasis,
    Referral,
    ScreeningCategory,
    ScreeningIndicator,
    Sex,
)

from .form_fields import date_field

NOT_GIVEN = "Not given"


class LinesField(forms.CharField):
    """A list of short texts, typed one to a line."""

    widget = forms.Textarea

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return [line.strip() for line in str(value or "").splitlines() if line.strip()]


class YesNoField(forms.TypedChoiceField):
    """Yes or no as radios, stored as a boolean."""

    def __init__(self, *, required_message: str = "", **kwargs: Any) -> None:
        super().__init__(
            choices=[("yes", "Yes"), ("no", "No")],
            coerce=lambda value: value == "yes",
            empty_value=None,  # not answered
            widget=forms.RadioSelect,
            error_messages={"required": required_message},
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        return {True: "yes", False: "no"}.get(value, value)


def _radios(choices: Any, required_message: str | None, **kwargs: Any) -> forms.ChoiceField:
    """Radios; `required_message` is the message when none is chosen (None: optional)."""
    return forms.ChoiceField(
        choices=choices,
        widget=forms.RadioSelect,
        required=required_message is not None,
        error_messages={"required": required_message or ""},
        **kwargs,
    )


def _text(label: str, max_length: int, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False, **kwargs)


# A cap on what may be typed in any box of the form: pages of text, never a flood.
LONG_TEXT_CAP = 20000


def _long_text(label: str, **kwargs: Any) -> forms.CharField:
    kwargs.setdefault("max_length", LONG_TEXT_CAP)
    return forms.CharField(label=label, widget=forms.Textarea, required=False, **kwargs)


class ConcernPageForm(forms.Form):
    """One page's questions, filled in from the draft (the referral or its young person).

    `saves` says which record the answers are written to."""

    saves = "referral"

    def __init__(self, *args: Any, referral: Referral | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.referral: Any = referral  # None on the first page, before there is a draft
        if referral is not None:
            self.fields.update(self.questions_for(referral))
            for name in self.fields:
                self.initial.setdefault(name, self.current(name))

    def questions_for(self, referral: Referral) -> dict[str, forms.Field]:
        """Questions that depend on the draft (none, unless a page says otherwise)."""
        return {}

    def record(self) -> Any:
        return self.referral.young_person if self.saves == "young_person" else self.referral

    def current(self, name: str) -> Any:
        return getattr(self.record(), name)

    def changes(self) -> dict[str, Any]:
        """What to write: the answers, named as the record's fields (unanswered dates,
        numbers and yes-or-no questions are None, texts and choices blank)."""
        return dict(self.cleaned_data)

    def answers(self) -> list[tuple[str, str]]:
        """Each question and the draft's answer, for "Check your answers"."""
        return [
            (str(field.label or ""), _shown(field, self.initial[name]))
            for name, field in self.fields.items()
        ]


def _shown(field: forms.Field, value: Any) -> str:
    if value in (None, "", []):
        return NOT_GIVEN
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.strftime("%-d %B %Y")
    labels = dict(getattr(field, "choices", []))
    if isinstance(value, list):
        return "\n".join(str(labels.get(item, item)) for item in value)
    return str(labels.get(value, value))


class NameForm(ConcernPageForm):
    saves = "young_person"
    given_name = forms.CharField(
        label="First name",
        max_length=100,
        error_messages={"required": "Enter the young person's first name"},
    )
    family_name = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={"required": "Enter the young person's last name"},
    )
    aliases = LinesField(
        label="Other names they are known by (optional)",
        required=False,
        help_text="Nicknames, street names or names used online. Put each on its own line.",
    )


class AgeForm(ConcernPageForm):
    saves = "young_person"
    date_of_birth = date_field(
        "Date of birth",
        required=None,
        invalid="Date of birth must be a real date, like 27 3 2012",
        hint="For example, 27 3 2012. Leave blank if not known.",
        allowed=BIRTH_DATE,
    )
    estimated_age = forms.IntegerField(
        label="If you do not know their date of birth, how old do you think they are?",
        required=False,
        min_value=0,
        max_value=25,
        error_messages={
            "invalid": "Estimated age must be a whole number, like 14",
            "min_value": "Estimated age must be 0 or more",
            "max_value": "Estimated age must be 25 or less",
        },
    )

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if not self.errors and not (
            self.cleaned_data.get("date_of_birth") or self.cleaned_data.get("estimated_age")
        ):
            self.add_error(
                "date_of_birth", "Enter their date of birth, or how old you think they are"
            )
        return cleaned


class AboutForm(ConcernPageForm):
    saves = "young_person"
    sex = _radios(Sex.choices, None, label="Sex (optional)")
    gender = _text("Gender (optional)", 100, help_text="In their own words")
    ethnicity = forms.ChoiceField(
        label="Ethnicity",
        choices=[("", "Choose one"), *Ethnicity.choices],
        required=False,
        help_text="The 2021 census groups",
    )
    nhs_number = _text("NHS number (optional)", 20, help_text="10 digits, like 943 476 5919")
    languages = LinesField(
        label="Languages they speak (optional)", required=False, help_text="One to a line"
    )
    send = _long_text(
        "Special educational needs or disability (optional)",
        max_length=500,
    )


class HomeForm(ConcernPageForm):
    saves = "young_person"
    address = _long_text("Address (optional)")
    postcode = _text("Postcode (optional)", 10)
    school = _text("School or college (optional)", 200)
    looked_after = YesNoField(label="Are they a looked-after child? (optional)", required=False)
    placement = _text(
        "Placement (optional)", 200, help_text="Where they are placed, if looked after"
    )
    phone_numbers = LinesField(
        label="Phone numbers they use (optional)", required=False, help_text="One to a line"
    )
    online_handles = LinesField(
        label="Online accounts or handles (optional)",
        required=False,
        help_text="The app and the name, one to a line, like Snapchat: example_handle",
    )


class WhatHappenedForm(ConcernPageForm):
    narrative = forms.CharField(
        label="What was seen or disclosed?",
        widget=forms.Textarea,
        max_length=LONG_TEXT_CAP,
        help_text="Say what you saw or heard, in the words used where you can.",
        error_messages={"required": "Enter what was seen or disclosed"},
    )
    concern_date = date_field(
        "When was it seen or disclosed?",
        required="Enter when it was seen or disclosed",
        invalid="The date it was seen or disclosed must be a real date, like 14 11 2026",
        hint="For example, 14 11 2026",
    )


class IndicatorsForm(ConcernPageForm):
    """The screening indicators of the draft's tool, one group of checkboxes per category."""

    def questions_for(self, referral: Referral) -> dict[str, forms.Field]:
        indicators = list(ScreeningIndicator.objects.filter(tool_id=referral.screening_tool_id))
        return {
            f"indicators_{category.value}": forms.MultipleChoiceField(
                label=category.label,
                choices=[(i.code, i.label) for i in indicators if i.category == category],
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
            for category in ScreeningCategory
            if any(i.category == category for i in indicators)
        }

    def current(self, name: str) -> Any:
        chosen = {i.code for i in self.record().screening_indicators.all()}
        return [code for code, _ in self.fields[name].choices if code in chosen]  # type: ignore[attr-defined]

    def changes(self) -> dict[str, Any]:
        return {
            "screening_indicators": [code for codes in self.cleaned_data.values() for code in codes]
        }


class ModelsForm(ConcernPageForm):
    exploitation_type = forms.ChoiceField(
        label="What kind of exploitation do you suspect?",
        choices=[("", "Not known"), *ExploitationType.choices],
        widget=forms.RadioSelect,
        required=False,
    )
    exploitation_models = forms.MultipleChoiceField(
        label="Which models of exploitation do you suspect?",
        choices=ExploitationModel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply, or none if you do not know.",
    )


class MentionedForm(ConcernPageForm):
    places_mentioned = _long_text(
        "Places (optional)", help_text="Addresses, hotels, takeaways, parks, taxi ranks"
    )
    people_mentioned = _long_text(
        "People (optional)", help_text="Names, nicknames, descriptions, phone numbers"
    )
    vehicles_mentioned = _long_text(
        "Vehicles (optional)", help_text="Registration numbers, makes, colours, taxi firms"
    )


class DangerForm(ConcernPageForm):
    immediate_danger = YesNoField(
        label="Is the young person in immediate danger?",
        required_message="Select yes if the young person is in immediate danger",
    )


class LawfulBasisForm(ConcernPageForm):
    lawful_basis = _radios(
        LawfulBasis.choices,
        "Choose the lawful basis for sharing this information",
        label="What is your lawful basis for sharing this information?",
        help_text="Sharing to safeguard a child rarely rests on consent.",
    )


class ConsentForm(ConcernPageForm):
    consent = _radios(
        Consent.choices,
        "Say whether consent was sought",
        label="Did you seek consent to share this information?",
    )
    consent_details = _long_text(
        "Details (optional)",
        help_text="Who was asked and what they said. If consent was refused, why you are "
        "sharing anyway.",
    )


class ContactForm(ConcernPageForm):
    contact_phone = forms.CharField(
        label="Your phone number",
        max_length=40,
        help_text="The coordinator may call you about this concern.",
        error_messages={"required": "Enter your phone number"},
    )
    contact_email = forms.EmailField(
        label="Your email address",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )

    def current(self, name: str) -> Any:
        if name == "contact_email":
            referral = self.record()
            return referral.contact_email or referral.raised_by.email
        return super().current(name)
