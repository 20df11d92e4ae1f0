"""Forms for the pages. Validation of business rules stays in the services."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import fields_for_model
from django.http import QueryDict

from agencies.models import Agency, Membership
from notifications.models import NotificationKind
from referrals.inputs import STEP_INPUTS, StepInput, input_choices
from referrals.models import (
    QUEUE_STATES,
    ActionStatus,
    ProtectiveActionType,
    Rag,
    Referral,
    ReferralEventType,
    YoungPerson,
)
from referrals.selectors import Taken, TriageFilters
from referrals.services import BREAK_GLASS_MIN_REASON

DATE_HINT = "For example, 2026-12-31"
DATE_ERROR = "Enter a real date, like 2026-12-31"
MOMENT_HINT = "Date and 24-hour time, for example 2026-12-31 21:30"
MOMENT_ERROR = "Enter a real date and time, like 2026-12-31 21:30"


def service_write(form: forms.Form, write: Callable[[], Any]) -> Any:
    """Run a service write (`write` answers what it wrote) for a valid form; None when the
    form is invalid or the service refuses, with the service's errors on the form."""
    if not form.is_valid():
        return None
    try:
        return write()
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names, else above it
    (a message about the whole record names no field)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
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


class NotificationFiltersForm(forms.Form):
    """The notification centre's filters, read from the query string."""

    kind = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "All types"), *NotificationKind.choices],
        error_messages={"invalid_choice": "Choose a type of notification from the list"},
    )
    unread = forms.BooleanField(label="Unread only", required=False)

    def filters(self) -> dict[str, Any]:
        """The filters chosen; a type the form does not offer is shown as an error and
        ignored, so the notifications still show."""
        self.is_valid()
        return {
            "kind": self.cleaned_data.get("kind", ""),
            "unread_only": self.cleaned_data.get("unread", False),
        }


class MarkReadForm(forms.Form):
    """Which notifications to mark as read: the ids named (`notification`, repeated), or
    every unread one (`mark_all`)."""

    mark_all = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        values = cast(QueryDict, self.data).getlist("notification")
        if not all(value.isdigit() and len(value) <= 18 for value in values):
            raise ValidationError("Notification ids are whole numbers")
        data["ids"] = [int(value) for value in values]
        if not data.get("mark_all") and not data["ids"]:
            raise ValidationError("Name the notifications to mark as read")
        return data

    def ids(self) -> list[int] | None:
        """The ids named; None for every unread notification."""
        return None if self.cleaned_data["mark_all"] else self.cleaned_data["ids"]


def _date_field(label: str, *, hint: str = DATE_HINT, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=hint,
        required=required,
        input_formats=["%Y-%m-%d"],
        error_messages={"required": f"Enter the date: {label.lower()}", "invalid": DATE_ERROR},
    )


def _moment_field(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        help_text=MOMENT_HINT,
        input_formats=["%Y-%m-%d %H:%M"],
        error_messages={"required": "Enter the date and time", "invalid": MOMENT_ERROR},
    )


def _text_field(label: str, message: str, *, hint: str = "") -> forms.Field:
    return forms.CharField(
        label=label,
        help_text=hint,
        max_length=5000,
        widget=forms.Textarea,
        error_messages={"required": message},
    )


class ActionAddForm(forms.Form):
    action_type = forms.ModelChoiceField(
        label="Action",
        queryset=ProtectiveActionType.objects.filter(is_active=True),
        empty_label="Choose one",
        error_messages={"required": "Choose the action", "invalid_choice": "Choose the action"},
    )
    detail = forms.CharField(
        label="What will be done (optional)", max_length=5000, required=False, widget=forms.Textarea
    )
    owner = forms.TypedChoiceField(
        label="Owner",
        help_text="The person who will make sure it is done; their agency is named with it.",
        coerce=int,
        error_messages={"required": "Choose who owns the action"},
    )
    due_on = _date_field("Due by")

    field_order = ["action_type", "detail", "owner", "due_on"]

    def __init__(self, *args: Any, owners: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owners = {m.user_id: m.user for m in owners}
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", "Choose one"),
            *((m.user_id, f"{m.user.get_full_name()} ({m.agency})") for m in owners),
        ]

    def clean_owner(self) -> Any:
        return self.owners[self.cleaned_data["owner"]]


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label="What has happened to the action?",
        choices=[
            (ActionStatus.DONE.value, "Done"),
            (ActionStatus.CANCELLED.value, "Cancelled"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose done or cancelled"},
    )
    outcome = forms.CharField(
        label="Outcome, or why it was cancelled",
        max_length=5000,
        required=False,  # the service says what is missing, for either status
        widget=forms.Textarea,
    )


class MissingStartForm(forms.Form):
    started_at = _moment_field("When did they go missing?")
    reported_by = forms.CharField(
        label="Who reported them missing?",
        max_length=200,
        error_messages={"required": "Enter who reported them missing"},
    )
    police_reference = forms.CharField(
        label="Police reference (optional)", max_length=60, required=False
    )


class MissingEndForm(forms.Form):
    ended_at = _moment_field("When did they return?")


class InterviewHeldForm(forms.Form):
    held = forms.ChoiceField(
        label="Was a return home interview held?",
        choices=[("held", "Yes"), ("not-held", "No")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the interview was held"},
    )


class ReturnInterviewForm(forms.Form):
    """An interview held (by whom, when, what was learnt) or not held (why). The details are
    optional here: the service says which are missing."""

    held_by = forms.CharField(label="Who held it?", max_length=200, required=False)
    held_on = _date_field("When was it held?", required=False)
    summary = forms.CharField(
        label="What was learnt", max_length=5000, required=False, widget=forms.Textarea
    )
    not_held_reason = forms.CharField(
        label="Why was it not held?", max_length=5000, required=False, widget=forms.Textarea
    )

    def __init__(self, *args: Any, held: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unasked = ["not_held_reason"] if held else ["held_by", "held_on", "summary"]
        for name in unasked:
            del self.fields[name]


class NoteForm(forms.Form):
    text = _text_field("Note", "Enter the note")
    restricted = forms.BooleanField(
        label="Restricted: only my agency and the area's coordinators may read it",
        required=False,
    )


class MatchForm(forms.Form):
    """Whether the referral's young person is one already known in the area."""

    NEW = "new"

    match = forms.ChoiceField(
        label="Is this one of the young people already known?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a young person, or say this is a new young person"},
    )

    def __init__(self, *args: Any, matches: list[YoungPerson], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.matches = {str(p.pk): p for p in matches}
        self.fields["match"].choices = [  # type: ignore[attr-defined]
            *(
                (key, f"This is the same young person: {described(p)}")
                for key, p in self.matches.items()
            ),
            (self.NEW, "This is a new young person"),
        ]

    def existing(self) -> YoungPerson | None:
        """The record chosen as the same young person; None for a new young person."""
        return self.matches.get(self.cleaned_data["match"])


def described(person: YoungPerson) -> str:
    parts = [str(person)]
    if person.date_of_birth:
        parts.append(f"born {person.date_of_birth:%-d %B %Y}")
    parts += [value for value in (person.postcode, person.school) if value]
    if person.nhs_number:
        parts.append(f"NHS number {person.nhs_number}")
    return ", ".join(parts)


# The details the correction page offers (a subset of referrals.services.YOUNG_PERSON_FIELDS).
CORRECTION_FIELDS = [
    "given_name",
    "family_name",
    "date_of_birth",
    "estimated_age",
    "nhs_number",
    "address",
    "postcode",
    "school",
    "placement",
]


class YoungPersonCorrectionForm(forms.Form):
    """The young person's details as the model declares them, plus why they change."""

    reason = _text_field(
        "Why are the details being corrected?",
        "Enter why the details are being corrected",
        hint="Recorded with the correction; the old details are kept.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_fields = fields_for_model(YoungPerson, fields=CORRECTION_FIELDS)
        for name in CORRECTION_FIELDS:
            field = model_fields[name]
            if isinstance(field, forms.DateField):
                field.input_formats = ["%Y-%m-%d"]
                field.help_text = DATE_HINT
                field.error_messages["invalid"] = DATE_ERROR
            self.fields[name] = field
        self.order_fields([*CORRECTION_FIELDS, "reason"])
        # Shown as typed (2011-03-04), not in the page's date style, so it saves unchanged.
        for name, value in self.initial.items():
            if isinstance(value, date):
                self.initial[name] = value.isoformat()

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "reason"}


class TimelineFilterForm(forms.Form):
    type = forms.MultipleChoiceField(
        label="Show only",
        choices=ReferralEventType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to see everything.",
    )
