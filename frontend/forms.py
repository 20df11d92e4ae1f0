"""Forms for the pages. Validation of business rules stays in the services."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import fields_for_model
from django.http import QueryDict

from agencies.dates import BIRTH_DATE, DUE_DATE
from agencies.models import Agency, Membership
from notifications.models import NotificationKind
from referrals.break_glass import BREAK_GLASS_MIN_REASON
from referrals.catalogues import usable_entries
from referrals.identity import CORRECTION_FIELDS
from referrals.models import (
    QUEUE_STATES,
    ActionStatus,
    ProtectiveActionType,
    Rag,
    ReferralEventType,
    YoungPerson,
)
from referrals.selectors import Taken, TriageFilters

from .autocomplete import OptionsPicker
from .form_fields import date_field, moment_field

# A choice of this many or fewer is asked with radios, more with a select (docs/design.md).
RADIOS_UP_TO = 5


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


def _text_field(label: str, message: str, *, hint: str = "") -> forms.Field:
    return forms.CharField(
        label=label,
        help_text=hint,
        max_length=5000,
        widget=forms.Textarea,
        error_messages={"required": message},
    )


class ActionOwnerForm(forms.Form):
    """Who owns an action: one of the people who may own actions on the referral."""

    owner = forms.TypedChoiceField(
        label="Owner",
        help_text="The person who will make sure it is done; their agency is named with it.",
        coerce=int,
        error_messages={
            "required": "Choose who owns the action",
            "invalid_choice": "Choose who owns the action from the list",
        },
    )

    def __init__(self, *args: Any, owners: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owners = {m.user_id: m.user for m in owners}
        choices = [(m.user_id, f"{m.user.get_full_name()} ({m.agency})") for m in owners]
        owner = cast(forms.TypedChoiceField, self.fields["owner"])
        if len(choices) <= RADIOS_UP_TO:
            owner.widget = forms.RadioSelect()
            owner.choices = choices
        else:
            owner.widget = OptionsPicker()
            owner.choices = [("", "Choose one"), *choices]

    def clean_owner(self) -> Any:
        return self.owners[self.cleaned_data["owner"]]


class ActionAddForm(ActionOwnerForm):
    action_type = forms.ModelChoiceField(
        label="Action",
        queryset=ProtectiveActionType.objects.none(),  # the area's, set when the form is made
        empty_label="Choose one",
        error_messages={"required": "Choose the action", "invalid_choice": "Choose the action"},
    )
    detail = forms.CharField(
        label="What will be done (optional)", max_length=5000, required=False, widget=forms.Textarea
    )
    due_on = date_field("Due by", required="Enter the date the action is due by", allowed=DUE_DATE)

    field_order = ["action_type", "detail", "owner", "due_on"]

    def __init__(self, *args: Any, owners: list[Membership], area_id: int, **kwargs: Any) -> None:
        super().__init__(*args, owners=owners, **kwargs)
        action_type = cast(forms.ModelChoiceField, self.fields["action_type"])
        action_type.queryset = usable_entries(ProtectiveActionType, area_id=area_id)


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
    started_at = moment_field("When did they go missing?", required="Enter when they went missing")
    reported_by = forms.CharField(
        label="Who reported them missing?",
        max_length=200,
        error_messages={"required": "Enter who reported them missing"},
    )
    police_reference = forms.CharField(
        label="Police reference (optional)", max_length=60, required=False
    )


class MissingEndForm(forms.Form):
    ended_at = moment_field("When did they return?", required="Enter when they returned")


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
    held_on = date_field("When was it held?", required=None)  # the service says it is missing
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
    restricted = forms.TypedChoiceField(
        label="Who may read it?",
        choices=[
            ("no", "Everyone working on the case"),
            ("yes", "Only my agency and the area's coordinators (restricted)"),
        ],
        coerce=lambda answer: answer == "yes",
        initial="no",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who may read the note"},
    )


# The details the correction page offers (a subset of referrals.identity.YOUNG_PERSON_FIELDS).
# Labels and hints in the words of the concern form, where the model's own are not those.
CORRECTION_LABELS = {
    "given_name": "First name",
    "family_name": "Last name",
    "estimated_age": "Estimated age",
}
CORRECTION_HINTS = {"nhs_number": "10 digits, like 943 476 5919"}


class YoungPersonCorrectionForm(forms.Form):
    """The young person's details as the model declares them, plus why they change."""

    reason = _text_field(
        "Why are the details being corrected?",
        "Enter why the details are being corrected",
        hint="Recorded with the correction; the old details are kept.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_fields = fields_for_model(
            YoungPerson,
            fields=list(CORRECTION_FIELDS),
            labels=CORRECTION_LABELS,
            help_texts=CORRECTION_HINTS,
        )
        model_fields["date_of_birth"] = date_field(
            "Date of birth", required=None, hint="For example, 27 3 2012", allowed=BIRTH_DATE
        )
        for name in CORRECTION_FIELDS:
            self.fields[name] = model_fields[name]
        self.order_fields([*CORRECTION_FIELDS, "reason"])

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "reason"}

    def changed_labels(self) -> list[str]:
        """The details changed, as the page names them."""
        return [str(self.fields[name].label) for name in self.changes()]


class TimelineFilterForm(forms.Form):
    type = forms.MultipleChoiceField(
        label="Show only",
        choices=ReferralEventType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to see everything.",
    )
