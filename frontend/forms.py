"""Forms for the pages. Validation of business rules stays in the services."""

from __future__ import annotations

from django import forms

from referrals.models import ClosureOutcome, Decision
from referrals.services import BREAK_GLASS_MIN_REASON


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
    """The inputs one workflow step declares (see the transitions on referrals.models.Referral)."""

    def __init__(self, *args: object, inputs: tuple[str, ...], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        available = {
            "decision": forms.ChoiceField(
                label="Decision",
                choices=[("", "Choose a decision"), *Decision.choices],
                error_messages={"required": "Choose a decision"},
            ),
            "outcome": forms.ChoiceField(
                label="Outcome",
                choices=[("", "Choose the outcome"), *ClosureOutcome.choices],
                error_messages={"required": "Choose the outcome"},
            ),
            "reason": forms.CharField(
                label="Reason",
                max_length=2000,
                widget=forms.Textarea,
                help_text="Recorded on the timeline and in the audit record.",
                error_messages={"required": "Enter the reason"},
            ),
        }
        for name in inputs:
            self.fields[name] = available[name]
