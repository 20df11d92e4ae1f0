"""The inputs workflow steps take (named in each transition's `custom["inputs"]`).

Declared once here: the step pages build their form fields from it and the API its request
body. Every value arrives as text; the transition methods on Referral check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import TextChoices

from agencies.models import Agency, Area, Membership, Role

from .models import ClosureOutcome, Decision, Rag, Referral, RiskLevel, StatutoryType


@dataclass(frozen=True)
class StepInput:
    label: str
    kind: str  # text | line | date | choice | yes_no | agency | lead_professional | area
    choices: type[TextChoices] | None = None
    hint: str = ""
    required: bool = True


STEP_INPUTS: dict[str, StepInput] = {
    "reason": StepInput("Reason", "text", hint="Recorded on the timeline and in the audit record."),
    "decision": StepInput("Decision", "choice", Decision),
    "statutory_type": StepInput(
        "Type of statutory referral",
        "choice",
        StatutoryType,
        hint="Only for a statutory referral to children's social care.",
        required=False,
    ),
    "external_reference": StepInput(
        "Children's social care reference",
        "line",
        hint="Only for a statutory referral.",
        required=False,
    ),
    "keep_active": StepInput(
        "Keep the referral open to coordinate the partnership's work?",
        "yes_no",
        hint="Only for a statutory referral; a multi-agency plan always stays open.",
        required=False,
    ),
    "outcome": StepInput("Outcome", "choice", ClosureOutcome),
    "rag": StepInput("RAG rating", "choice", Rag),
    "risk_level": StepInput("Risk level", "choice", RiskLevel),
    "agency": StepInput("Agency", "agency"),
    "lead_professional": StepInput(
        "Lead professional",
        "lead_professional",
        hint="Optional: leave empty to name one later.",
        required=False,
    ),
    "question": StepInput("What information do you need?", "text"),
    "due_on": StepInput("Due by", "date", hint="For example, 2026-12-31"),
    "summary": StepInput("What did the review find?", "text"),
    "next_review_on": StepInput(
        "Next review by",
        "date",
        hint="Leave empty for the area's usual interval (12 weeks by default).",
        required=False,
    ),
    "area": StepInput("Area the young person has moved to", "area"),
    "into": StepInput(
        "Reference of the referral to keep",
        "line",
        hint="Another open referral in this area, for example R26-000123",
    ),
}

YES_NO = [("yes", "Yes"), ("no", "No")]


def input_choices(name: str, referral: Referral) -> list[tuple[str, str]]:
    """The choices for input `name` on `referral` (empty for free-text inputs)."""
    spec = STEP_INPUTS[name]
    if spec.choices is not None:
        return [(str(value), str(label)) for value, label in spec.choices.choices]
    if spec.kind == "yes_no":
        return YES_NO
    if spec.kind == "agency":
        agencies = Agency.objects.filter(areas=referral.area_id, is_active=True).order_by("name")
        return [(str(a.pk), a.name) for a in agencies]
    if spec.kind == "lead_professional":
        leads: Any = (
            Membership.objects.filter(
                area_id=referral.area_id,
                role=Role.LEAD_PROFESSIONAL,
                is_active=True,
                user__is_active=True,
            )
            .select_related("user", "agency")
            .order_by("agency__name", "user__last_name")
        )
        return [(str(m.user_id), f"{m.user.get_full_name()} ({m.agency})") for m in leads]
    if spec.kind == "area":
        return [
            (str(a.pk), a.name) for a in Area.objects.exclude(pk=referral.area_id).order_by("name")
        ]
    return []
