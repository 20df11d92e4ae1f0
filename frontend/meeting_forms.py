"""Forms for the MACE meeting pages. They check what is typed; the services check the rules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from agencies.dates import DUE_DATE
from agencies.models import Agency, Membership
from disruption.meeting_services import ActionInput
from referrals.catalogues import usable_entries
from referrals.models import ProtectiveActionType

from .form_fields import GroupedCheckboxes, date_field

DATE_ERROR = "Enter a real date, like 27 3 2027"

# Rows for protective actions on the decision page; more are added from the referral.
ACTION_ROWS = 3


def _person(membership: Membership) -> str:
    return f"{membership.user.get_full_name()} ({membership.agency})"


class MeetingScheduleForm(forms.Form):
    held_on = date_field(
        "Date of the meeting",
        required="Enter the date of the meeting",
        invalid=DATE_ERROR,
        hint="For example, 27 3 2027",
    )
    time = forms.TimeField(
        label="Start time",
        help_text="24-hour clock, for example 14:30",
        input_formats=["%H:%M"],
        error_messages={
            "required": "Enter the start time",
            "invalid": "Enter a real time, like 14:30",
        },
    )
    place = forms.CharField(label="Where (optional)", max_length=200, required=False)
    chair = forms.TypedChoiceField(
        label="Chair",
        coerce=int,
        error_messages={"required": "Choose who chairs the meeting"},
    )
    agencies = forms.ModelMultipleChoiceField(
        label="Agencies taking part",
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    attendees = forms.TypedMultipleChoiceField(
        label="Who is invited",
        help_text="Those who attend read the minutes. Open an agency to choose its people.",
        coerce=int,
        required=False,
        widget=GroupedCheckboxes,
    )

    def __init__(
        self,
        *args: Any,
        chairs: list[Membership],
        people: list[Membership],
        agencies: Iterable[Agency],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = {m.user_id: m.user for m in [*chairs, *people]}
        self.fields["chair"].choices = [  # type: ignore[attr-defined]
            ("", "Choose one"),
            *((m.user_id, _person(m)) for m in chairs),
        ]
        by_agency: dict[str, list[tuple[int, str]]] = {}
        for m in people:
            by_agency.setdefault(str(m.agency), []).append((m.user_id, m.user.get_full_name()))
        self.fields["attendees"].choices = sorted(by_agency.items())  # type: ignore[attr-defined]
        self.fields["agencies"].queryset = agencies  # type: ignore[attr-defined]

    def held_at(self) -> datetime:
        return timezone.make_aware(
            datetime.combine(self.cleaned_data["held_on"], self.cleaned_data["time"])
        )

    def chosen(self) -> dict[str, Any]:
        return {
            "held_at": self.held_at(),
            "place": self.cleaned_data["place"],
            "chair": self.people[self.cleaned_data["chair"]],
            "agencies": list(self.cleaned_data["agencies"]),
            "attendees": [self.people[pk] for pk in self.cleaned_data["attendees"]],
        }


class DecisionForm(forms.Form):
    """The decision, the next review date and (for a referral) up to ACTION_ROWS actions."""

    decision = forms.CharField(
        label="What did the meeting decide?",
        max_length=20000,
        widget=forms.Textarea,
        error_messages={"required": "Enter what the meeting decided"},
    )
    next_review_on = date_field(
        "Next review date (optional)",
        required=None,
        invalid=DATE_ERROR,
        hint="Leave it empty for the area's usual review interval. For example, 27 3 2027",
        allowed=DUE_DATE,
    )

    def __init__(
        self, *args: Any, owners: list[Membership] | None, area_id: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.owners = {m.user_id: m.user for m in owners or []}
        self.rows: list[list[str]] = []
        if owners is None:  # an item about a person of concern or a location
            return
        for row in range(1, ACTION_ROWS + 1):
            names = [f"action_{row}_type", f"action_{row}_owner", f"action_{row}_due_on"]
            self.fields[names[0]] = forms.ModelChoiceField(
                label="Action",
                queryset=usable_entries(ProtectiveActionType, area_id=area_id),
                empty_label="None",
                required=False,
            )
            self.fields[names[1]] = forms.TypedChoiceField(
                label="Owner",
                coerce=int,
                required=False,
                choices=[("", "Choose one"), *((m.user_id, _person(m)) for m in owners)],
            )
            self.fields[names[2]] = date_field(
                "Due by",
                required=None,
                invalid=DATE_ERROR,
                hint="For example, 27 3 2027",
                allowed=DUE_DATE,
            )
            self.rows.append(names)

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        for type_name, owner_name, due_name in self.rows:
            if not cleaned.get(type_name):
                continue
            if not cleaned.get(owner_name):
                self.add_error(owner_name, "Choose who owns the action")
            if not cleaned.get(due_name) and due_name not in self.errors:
                self.add_error(due_name, "Enter the date the action is due by")
        return cleaned

    def actions(self) -> list[ActionInput]:
        return [
            ActionInput(
                action_type=self.cleaned_data[type_name],
                owner=self.owners[self.cleaned_data[owner_name]],
                due_on=self.cleaned_data[due_name],
            )
            for type_name, owner_name, due_name in self.rows
            if self.cleaned_data.get(type_name)
        ]

    def action_rows(self) -> list[list[forms.BoundField]]:
        return [[self[name] for name in names] for names in self.rows]


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label="Minutes",
        max_length=50000,
        widget=forms.Textarea,
        help_text="Only those who attended, and the chair, will read them.",
        error_messages={"required": "Enter the minutes"},
    )


class ItemAddForm(forms.Form):
    """A referral (by its reference) or a person of concern or location, not both."""

    referral = forms.CharField(
        label="Referral reference",
        max_length=20,
        required=False,
        help_text="For example, R26-000123",
    )
    node = forms.TypedChoiceField(
        label="Or a person of concern or location",
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args: Any, entities: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [  # type: ignore[attr-defined]
            ("", "None"),
            *((node.pk, f"{node.label} ({node.get_kind_display().lower()})") for node in entities),
        ]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        cleaned["referral"] = (cleaned.get("referral") or "").strip().upper()
        if bool(cleaned["referral"]) == (cleaned.get("node") is not None):
            self.add_error("referral", "Enter a referral reference or choose a person or location")
        return cleaned
