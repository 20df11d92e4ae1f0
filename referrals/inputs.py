"""The inputs workflow steps take (named in each transition's `custom["inputs"]`).

Declared once here: the step pages build their form fields from it and the API its request
body. Every value arrives as text; the transition methods on Referral check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import TextChoices

from agencies.dates import ANY_DATE, DUE_DATE, DateRange
from agencies.models import Agency, Area, Membership, Role

from .models import ClosureOutcome, Decision, Rag, Referral, RiskLevel, StatutoryType


@dataclass(frozen=True)
class StepInput:
    label: str
    kind: str  # text | line | date | choice | yes_no | agency | lead_professional | area
    choices: type[TextChoices] | None = None
    hint: str = ""
    required: bool = True
    missing: str = ""  # what to say when a required input is missing
    allowed: DateRange = ANY_DATE  # for a date: the dates it may be


STEP_INPUTS: dict[str, StepInput] = {
    "reason": StepInput(
        "Reason",
        "text",
        hint="Recorded on the timeline and in the audit record.",
        missing="Enter the reason",
    ),
    "decision": StepInput("Decision", "choice", Decision, missing="Choose the decision"),
    "statutory_type": StepInput(
        "Statutory route",
        "choice",
        StatutoryType,
        hint="A section 47 enquiry follows a strategy discussion when there is reasonable cause "
        "to suspect significant harm.",
        required=False,
    ),
    "external_reference": StepInput(
        "Children's social care reference",
        "line",
        hint="Only for a statutory referral.",
        required=False,
    ),
    "keep_active": StepInput(
        "Keep the referral open for a multi-agency plan alongside the statutory work?",
        "yes_no",
        hint="Only for a statutory referral; a multi-agency plan always stays open.",
        required=False,
    ),
    "outcome": StepInput("Outcome", "choice", ClosureOutcome, missing="Choose the outcome"),
    "rag": StepInput(
        "RAG rating",
        "choice",
        Rag,
        hint="How quickly the partnership must respond: urgency, not the risk level.",
        missing="Choose a RAG rating",
    ),
    "risk_level": StepInput(
        "Risk level",
        "choice",
        RiskLevel,
        hint="How much harm the young person faces, on the screening tool's bands: not the RAG "
        "rating, which says how quickly to respond.",
        missing="Choose a risk level",
    ),
    "agency": StepInput("Agency", "agency", missing="Choose the agency"),
    "lead_professional": StepInput(
        "Lead professional",
        "lead_professional",
        hint="Optional: leave empty to name one later.",
        required=False,
    ),
    "question": StepInput(
        "What information do you need?", "text", missing="Enter what information you need"
    ),
    "due_on": StepInput(
        "Due by",
        "date",
        hint="Today or later, for example 27 3 2026",
        missing="Enter the date the information is due by",
        allowed=DUE_DATE,
    ),
    "summary": StepInput(
        "What did the review find?", "text", missing="Enter what the review found"
    ),
    "next_review_on": StepInput(
        "Next review by",
        "date",
        hint="Leave empty for the area's usual interval (12 weeks by default).",
        required=False,
        allowed=DUE_DATE,
    ),
    "area": StepInput(
        "Area the young person has moved to",
        "area",
        missing="Choose the area the young person has moved to",
    ),
    "into": StepInput(
        "Reference of the referral to keep",
        "line",
        hint="Another open referral in this area, for example R26-000123",
        missing="Enter the reference of the referral to keep",
    ),
}

YES_NO = [("yes", "Yes"), ("no", "No")]

DECISION_MEANINGS = {
    Decision.NO_FURTHER_ACTION: "The referral closes; the referrer sees the decision.",
    Decision.ADVICE_AND_SIGNPOSTING: "Advice is given and the referral closes.",
    Decision.STATUTORY_REFERRAL: "To children's social care for a section 17 assessment or a "
    "section 47 enquiry; their reference is recorded.",
    Decision.MULTI_AGENCY_PLAN: "The partnership works the case without a statutory route: "
    "lead professionals, protective actions and regular reviews.",
}
RAG_MEANINGS = {
    Rag.RED: "Significant harm is happening or likely now",
    Rag.AMBER: "A risk of harm that is not immediate",
    Rag.GREEN: "Early signs or a lower risk",
}
KEEP_ACTIVE_MEANINGS = {
    "yes": "Lead professionals, actions and reviews run beside children's social care's work.",
    "no": "The referral closes as transferred to a statutory service.",
}


def choice_hints(name: str, referral: Referral) -> dict[str, str]:
    """What each choice of input `name` means, shown beside it (empty when the labels say it).
    A RAG rating's meaning carries the area's clock for it."""
    if name == "decision":
        return {str(k): v for k, v in DECISION_MEANINGS.items()}
    if name == "keep_active":
        return KEEP_ACTIVE_MEANINGS
    if name == "rag":
        area = referral.area
        hours = {
            Rag.RED: area.rag_red_working_hours,
            Rag.AMBER: area.rag_amber_working_hours,
            Rag.GREEN: area.rag_green_working_hours,
        }
        return {
            str(rag): f"{meaning}: a response within {hours[rag]} working hours."
            for rag, meaning in RAG_MEANINGS.items()
        }
    return {}


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
