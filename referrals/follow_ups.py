"""The rows a workflow step writes besides the referral itself, in the step's transaction
(declared per step in `referrals.steps`)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from agencies.models import Area
from audit.models import AuditAction
from audit.services import audit_record

from . import events
from .memberships import coordinator_membership
from .models import InformationRequest, Referral, ReferralAssignment, ReferralState, YoungPerson
from .references import next_referral_reference
from .working_time import add_working_days


def assign_lead(*, referral: Referral, actor: Any, inputs: dict[str, str]) -> None:
    ReferralAssignment.objects.filter(
        referral=referral, agency_id=inputs["agency"], ended_at__isnull=True
    ).update(ended_at=timezone.now())
    ReferralAssignment.objects.create(
        referral=referral,
        agency_id=inputs["agency"],
        lead_professional_id=inputs.get("lead_professional") or None,
        assigned_by=actor,
    )


def request_information(*, referral: Referral, actor: Any, inputs: dict[str, str]) -> None:
    InformationRequest.objects.create(
        referral=referral,
        agency_id=inputs["agency"],
        question=inputs["question"].strip(),
        due_on=inputs["due_on"],
        requested_by=actor,
    )


def accept_transfer(*, referral: Referral, actor: Any, inputs: dict[str, str]) -> None:
    """Open the case in the receiving area, with the young person and the history it needs.

    The sending area's record stays as it was (now transferred, closed to new work)."""
    receiving = Area.objects.get(incoming_transfers=referral)
    membership = coordinator_membership(actor=actor, area_id=receiving.pk)
    # A fresh copy of the young person's record, for the receiving area to keep.
    person = YoungPerson.objects.get(pk=referral.young_person_id)
    person.pk, person._state.adding = None, True
    person.area, person.merged_into, person.identity_confirmed_at = receiving, None, None
    person.save()
    carried = {name: getattr(referral, name) for name in TRANSFERRED_FIELDS}
    arrived = Referral.objects.create(
        reference=next_referral_reference(),
        area=receiving,
        young_person=person,
        raised_by_id=referral.raised_by_id,
        raised_by_agency_id=referral.raised_by_agency_id,
        transferred_from=referral,
        # The receiving coordinator decides their own plan, on their area's clock.
        state=ReferralState.IN_TRIAGE,
        triaged_by=actor,
        triage_due_at=add_working_days(timezone.now(), receiving.triage_working_days),
        **carried,
    )
    arrived.screening_indicators.set(referral.screening_indicators.all())
    events.transferred_in_event(referral=arrived, source=referral, actor=actor)
    for created in (person, arrived):
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            membership=membership,
            target=created,
            area=receiving,
            details={"transferred_from": referral.reference},
        )


# What the receiving area's referral keeps of the sending area's: the concern as raised, its
# screening, and what triage found. Its plan (actions, notes) stays with the sending record.
TRANSFERRED_FIELDS = (
    "narrative",
    "concern_date",
    "exploitation_type",
    "exploitation_models",
    "places_mentioned",
    "people_mentioned",
    "vehicles_mentioned",
    "immediate_danger",
    "lawful_basis",
    "consent",
    "consent_details",
    "contact_phone",
    "contact_email",
    "screening_tool",
    "screening_score",
    "proposed_risk",
    "submitted_at",
    "rag",
    "rag_due_at",
    "statutory_type",
    "external_reference",
    "risk_level",
    "risk_assessed_at",
)


def merge(*, referral: Referral, actor: Any, inputs: dict[str, str]) -> None:
    kept = Referral.objects.get(pk=referral.merged_into_id)
    events.duplicate_merged_event(referral=kept, duplicate=referral, actor=actor)
