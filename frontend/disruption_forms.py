"""Forms for the disruption pages. The rules (owner, dates, statuses, expiry) are the
services'; these check the shape of what is typed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db.models import Q

from agencies.dates import ANY_DATE, DUE_DATE, EXPIRY_DATE, DateRange
from agencies.models import Membership
from disruption.activity_selectors import ENTITY_KIND_CHOICES
from disruption.activity_services import UPDATABLE
from disruption.models import (
    DisruptionMode,
    DisruptionStatus,
    DisruptionTactic,
    NodeKind,
)
from referrals.catalogues import usable_entries

from .autocomplete import ENTITY_KINDS, OptionsPicker, RecordField
from .form_fields import date_field

REFERENCE = re.compile(r"R\d{2}-\d{6}")


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
    since = date_field("From", required=None)
    until = date_field("To", required=None)

    def __init__(self, *args: Any, owners: Iterable[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tactic"].choices = [  # type: ignore[attr-defined]
            ("", "Any tactic"),
            *DisruptionTactic.objects.filter(  # national, or an area of the log's own
                Q(area__isnull=True) | Q(area_id__in={m.area_id for m in owners})
            ).values_list("code", "label"),
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


def _date(label: str, allowed: DateRange = ANY_DATE) -> forms.DateField:
    return date_field(
        f"{label} (optional)",
        required=None,
        invalid=f"Enter a real date: {label.lower()}",
        allowed=allowed,
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
        widget=OptionsPicker,
        help_text="A police lead, or someone of a partner agency serving the area",
        error_messages={"required": "Choose who owns the activity"},
    )
    status = forms.ChoiceField(
        label="Status",
        choices=DisruptionStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the activity's status"},
    )
    planned_on = _date("Planned for", DUE_DATE)
    issued_on = _date("Issued or applied")
    served_on = _date("Served")
    expires_on = _date("Expires", EXPIRY_DATE)
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
    target = RecordField(
        label="Target",
        kinds=ENTITY_KINDS,
        help_text="The person of concern, location, vehicle or phone or online identifier: "
        "start typing a name, registration, phone number or handle",
        required_message="Choose the target",
    )
    tactic = forms.ModelChoiceField(
        label="Tactic",
        queryset=DisruptionTactic.objects.none(),  # the area's, set when the form is made
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
        user: Any,
        area_id: int,
        linked: set[tuple[NodeKind, int]],
        linked_label: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        tactic = cast(forms.ModelChoiceField, self.fields["tactic"])
        tactic.queryset = usable_entries(DisruptionTactic, area_id=area_id)
        target: RecordField = self.fields["target"]  # type: ignore[assignment]
        chosen = self.data.get(self.add_prefix("target")) if self.is_bound else None
        target.offer(
            user=user,
            area_id=area_id,
            chosen=chosen if chosen is not None else self.initial.get("target", ""),
            first={f"{kind.value}:{pk}" for kind, pk in linked},
            first_heading=linked_label or "Linked to the young person",
        )
        self.target_groups = target.widget.groups


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
