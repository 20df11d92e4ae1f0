"""Forms for the pages. Validation of business rules stays in the services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from agencies.models import Agency
from referrals.inputs import STEP_INPUTS, StepInput, input_choices
from referrals.models import QUEUE_STATES, Rag, Referral
from referrals.selectors import Taken, TriageFilters
from referrals.services import BREAK_GLASS_MIN_REASON


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names, else above it."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class BreakGlassForm(forms.Form):
    reference = forms.CharField(
        label="Referral reference", max_length=20, help_text="For example, R26-000123"
    )
    reason = forms.CharField(
        label="Why do you need to see this referral now?",
        min_length=BREAK_GLASS_MIN_REASON,
        max_length=2000,
        widget=forms.Textarea,
        help_text="Your reason is recorded and reviewed by the area's coordinators.",
        error_messages={
            "required": "Enter why you need to see this referral now",
            "min_length": "Give a reason of at least %(limit_value)d characters",
        },
    )

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip().upper()


class BreakGlassReviewForm(forms.Form):
    note = forms.CharField(
        label="Review note",
        max_length=2000,
        widget=forms.Textarea,
        error_messages={"required": "Enter what you found when you reviewed this access"},
    )


class TransitionForm(forms.Form):
    """The inputs one workflow step declares (referrals.inputs), as form fields."""

    def __init__(
        self, *args: object, inputs: tuple[str, ...], referral: Referral, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name in inputs:
            self.fields[name] = _step_field(STEP_INPUTS[name], input_choices(name, referral))


def _step_field(spec: StepInput, choices: list[tuple[str, str]]) -> forms.Field:
    common: dict[str, Any] = {
        "label": spec.label,
        "help_text": spec.hint,
        "required": spec.required,
    }
    if choices:
        return forms.ChoiceField(
            choices=[("", "Choose one"), *choices],
            error_messages={"required": f"Choose the {spec.label.lower()}"},
            **common,
        )
    if spec.kind == "date":
        return forms.CharField(
            max_length=10,
            error_messages={"required": f"Enter the date: {spec.label.lower()}"},
            **common,
        )
    widget = forms.Textarea if spec.kind == "text" else forms.TextInput
    return forms.CharField(
        max_length=2000,
        widget=widget,
        error_messages={"required": f"Enter the {spec.label.lower()}"},
        **common,
    )


class TriageFiltersForm(forms.Form):
    """The triage queue's filters, read from the query string."""

    rag = forms.ChoiceField(
        label="RAG rating", required=False, choices=[("", "Any rating"), *Rag.choices]
    )
    state = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Submitted or in triage"), *((s.value, s.label) for s in QUEUE_STATES)],
    )
    taken = forms.ChoiceField(
        label="Taken by",
        required=False,
        choices=[("", "Anyone or nobody"), (Taken.BY_ME, "Me"), (Taken.NOT_TAKEN, "Not taken")],
    )
    agency = forms.TypedChoiceField(label="Raised by", required=False, coerce=int)
    overdue = forms.BooleanField(label="Overdue only", required=False)

    def __init__(self, *args: Any, agencies: Iterable[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency = cast(forms.TypedChoiceField, self.fields["agency"])
        agency.choices = [("", "Any agency"), *((a.pk, a.name) for a in agencies)]

    def filters(self) -> TriageFilters:
        """The filters chosen; a value the form does not offer is shown as an error and
        ignored, so the queue still shows."""
        self.is_valid()
        chosen = self.cleaned_data
        return TriageFilters(
            rag=chosen.get("rag", ""),
            state=chosen.get("state", ""),
            overdue=chosen.get("overdue", False),
            taken=chosen.get("taken", ""),
            agency_id=chosen.get("agency") or None,
        )
