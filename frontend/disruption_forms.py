"""Forms for the disruption pages. The rules (owner, dates, statuses, expiry) are the
services'; these check the shape of what is typed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms

from agencies.models import Membership
from disruption.activity_selectors import ENTITY_KIND_CHOICES, ENTITY_KINDS, tactic_catalogue
from disruption.activity_services import UPDATABLE
from disruption.models import (
    DisruptionMode,
    DisruptionStatus,
    DisruptionTactic,
    NodeKind,
)

from .concern_forms import DateParts
from .forms import DATE_ERROR, DATE_HINT

# The heading of each kind's group in the target list.
KIND_GROUPS = {
    NodeKind.PERSON: "Persons of concern",
    NodeKind.LOCATION: "Locations",
    NodeKind.VEHICLE: "Vehicles",
    NodeKind.IDENTIFIER: "Phones and online identifiers",
}
REFERENCE = re.compile(r"R\d{2}-\d{6}")


def _filter_date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=DATE_HINT,
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": DATE_ERROR},
    )


class DisruptionLogFilterForm(forms.Form):
    """The log's filters, read from the query string."""

    tactic = forms.ChoiceField(label="Tactic", required=False)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *DisruptionStatus.choices]
    )
    target_kind = forms.ChoiceField(
        label="Target", required=False, choices=[("", "Any target"), *ENTITY_KIND_CHOICES]
    )
    owner = forms.TypedChoiceField(label="Owner", required=False, coerce=int, empty_value=None)
    since = _filter_date("From")
    until = _filter_date("To")

    def __init__(self, *args: Any, owners: Iterable[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tactic"].choices = [  # type: ignore[attr-defined]
            ("", "Any tactic"),
            *DisruptionTactic.objects.values_list("code", "label"),
        ]
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", "Anyone"),
            *((m.user_id, f"{m.user.get_full_name()} ({m.agency})") for m in owners),
        ]

    def filters(self) -> dict[str, Any]:
        """The filters chosen; a value the form does not offer shows as an error and is
        ignored, so the log still shows."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


class ReferencesField(forms.CharField):
    """Referral references, one per line (or separated by commas or spaces)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        references = [r.upper() for r in re.split(r"[\s,]+", text) if r]
        bad = [r for r in references if not REFERENCE.fullmatch(r)]
        if bad:
            raise forms.ValidationError(f"{bad[0]} is not a referral reference, like R26-000123")
        return list(dict.fromkeys(references))

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=f"{label} (optional)",
        widget=DateParts(),
        input_formats=["%Y-%m-%d"],
        required=False,
        help_text="For example, 27 3 2026",
        error_messages={"invalid": f"Enter a real date: {label.lower()}"},
    )


class _ActivityForm(forms.Form):
    referrals = ReferencesField(
        label="Referrals it protects (optional)",
        required=False,
        help_text="Referral references, one per line, for example R26-000123. Each referral's "
        "chronology will show the tactic and its status, never the target.",
    )
    owner = forms.TypedChoiceField(
        label="Owner",
        coerce=int,
        help_text="A police lead, or someone of a partner agency serving the area",
        error_messages={"required": "Choose who owns the activity"},
    )
    status = forms.ChoiceField(
        label="Status",
        choices=DisruptionStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the activity's status"},
    )
    planned_on = _date("Planned for")
    issued_on = _date("Issued or applied")
    served_on = _date("Served")
    expires_on = _date("Expires")
    breached_on = _date("Breached")
    outcome = forms.CharField(
        label="Outcome",
        required=False,
        max_length=5000,
        widget=forms.Textarea,
        help_text="Needed once it is done, refused, expired or breached",
    )
    legal_power = forms.CharField(
        label="Legal power (optional)",
        required=False,
        max_length=300,
        help_text="Leave empty to use the tactic's",
    )
    court = forms.CharField(label="Court (optional)", required=False, max_length=200)
    court_reference = forms.CharField(
        label="Court reference (optional)", required=False, max_length=60
    )

    def __init__(self, *args: Any, owners: Iterable[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owners = list(owners)
        self.owners = {m.user_id: m.user for m in owners}
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", "Choose one"),
            *(
                (m.user_id, f"{m.user.get_full_name() or m.user.username} ({m.agency})")
                for m in owners
            ),
        ]

    def clean_owner(self) -> Any:
        return self.owners[self.cleaned_data["owner"]]


class DisruptionAddForm(_ActivityForm):
    target = forms.ChoiceField(
        label="Target",
        help_text="The person of concern, location, vehicle or phone or online identifier",
        error_messages={
            "required": "Choose the target",
            "invalid_choice": "Choose the target from the list",
        },
    )
    tactic = forms.ModelChoiceField(
        label="Tactic",
        queryset=tactic_catalogue(),
        to_field_name="code",
        empty_label="Choose one",
        error_messages={"required": "Choose the tactic", "invalid_choice": "Choose the tactic"},
    )
    mode = forms.ChoiceField(
        label="Kind of disruption",
        choices=DisruptionMode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose direct, indirect or locational"},
    )

    field_order = ["target", "tactic", "mode", "referrals", "owner", "status"]

    def __init__(
        self,
        *args: Any,
        entities: dict[NodeKind, list[Any]],
        linked: set[tuple[NodeKind, int]],
        linked_label: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.records: dict[str, Any] = {}
        first: list[tuple[str, str]] = []
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        for kind in ENTITY_KINDS:
            options = []
            for record in entities.get(kind, []):
                value = f"{kind.value}:{record.pk}"
                self.records[value] = record
                option = (value, str(record))
                if (kind, record.pk) in linked:
                    first.append((value, f"{record!s} ({kind.label.lower()})"))
                else:
                    options.append(option)
            if options:
                groups.append((KIND_GROUPS[kind], options))
        if first:
            groups.insert(0, (linked_label or "Linked to the young person", first))
        self.target_groups = groups
        self.fields["target"].choices = [  # type: ignore[attr-defined]
            ("", "Choose one"),
            *((value, label) for _, options in groups for value, label in options),
        ]

    def clean_target(self) -> Any:
        return self.records[self.cleaned_data["target"]]


class DisruptionUpdateForm(_ActivityForm):
    field_order = ["status", "outcome", "issued_on", "served_on", "expires_on", "breached_on"]

    @staticmethod
    def initial_for(activity: Any) -> dict[str, Any]:
        # The owner and referrals are shown as the form takes them; every other field as is.
        initial = {
            name: getattr(activity, name)
            for name in UPDATABLE
            if name not in ("owner", "referrals")
        }
        return initial | {
            "owner": activity.owner_id,
            "referrals": [r.reference for r in activity.referrals.all()],
        }
