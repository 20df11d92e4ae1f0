"""The referral workflow's steps, each one transaction with its timeline event and audit
record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, Area
from audit.models import AuditAction
from audit.services import audit_record

from . import events
from .memberships import coordinator_membership
from .models import InformationRequest, Referral, ReferralAssignment, ReferralState, YoungPerson
from .references import next_referral_reference
from .selectors import granting_membership
from .signals import referral_step_taken
from .working_time import add_working_days


class TransitionConflict(Exception):
    """The transition is not possible from the referral's state now (someone else moved it)."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


def declared_transitions() -> list[Any]:
    """Every transition of the referral workflow, as declared on the model."""
    state = Referral._meta.get_field("state")
    return list(state.get_all_transitions(Referral))


def transitions_for(*, referral: Referral, user: Any) -> list[Any]:
    """The workflow transitions `user` may take on `referral` now (django-fsm declarations)."""
    return list(referral.get_available_user_state_transitions(user))  # type: ignore[attr-defined]


def referral_transition(
    *,
    referral: Referral,
    actor: Any,
    name: str,
    inputs: dict[str, str] | None = None,
    request: Any = None,
) -> Referral:
    """Take one workflow transition: one transaction with its timeline event and audit record.

    The row is locked first, so of two people acting at once the second sees the first's
    result: a transition no longer possible from that state raises TransitionConflict.
    Raises PermissionDenied when the actor's role may never take it, ValidationError for
    missing or invalid inputs (nothing is saved), LookupError for an unknown transition.
    """
    with transaction.atomic():  # not durable: an API retry record commits with it
        locked = lock_referral(referral.pk)
        referral_step_on_locked(
            locked, actor=actor, name=name, inputs=inputs or {}, request=request
        )
    return locked


def referral_step_on_locked(
    locked: Referral, *, actor: Any, name: str, inputs: Mapping[str, Any], request: Any = None
) -> None:
    """A step on a referral row the caller has locked, inside the caller's transaction."""
    source = locked.state
    wanted = _step_on(locked, actor=actor, name=name, inputs=inputs)
    locked.save()
    events.referral_transitioned_event(
        referral=locked, actor=actor, transition=name, source=source, inputs=wanted
    )
    if name in _FOLLOW_UPS:
        _FOLLOW_UPS[name](referral=locked, actor=actor, inputs=wanted)
    audit_record(
        action=AuditAction.TRANSITION,
        actor=actor,
        membership=granting_membership(user=actor, referral=locked),
        target=locked,
        request=request,
        reason=wanted.get("reason", ""),
        details={"transition": name, "from": source, "to": locked.state},
    )
    referral_step_taken.send(
        sender=Referral, referral=locked, actor=actor, transition=name, source=source
    )


def referral_step_check(
    *, referral: Referral, actor: Any, name: str, inputs: Mapping[str, Any]
) -> None:
    """Check a step as taking it would (who may, from which state, every input and the
    rules between them), writing nothing: for a page that asks to confirm before the step.
    Raises as referral_transition does."""
    fresh = Referral.objects.select_related("area").get(pk=referral.pk)
    _step_on(fresh, actor=actor, name=name, inputs=inputs)


def _step_on(
    referral: Referral, *, actor: Any, name: str, inputs: Mapping[str, Any]
) -> dict[str, str]:
    """Run the transition `name` on the row in memory; answers the inputs it took."""
    declared = {t.name: t for t in declared_transitions()}
    if name not in declared:
        raise LookupError(name)
    custom = declared[name].custom
    wanted = {k: str(v) for k, v in inputs.items() if k in custom["inputs"]}
    if not declared[name].has_perm(referral, actor):
        raise PermissionDenied("Your role cannot take this step.")
    if name not in {t.name for t in transitions_for(referral=referral, user=actor)}:
        raise TransitionConflict(referral.state)
    getattr(referral, name)(**wanted, **({"actor": actor} if custom["takes_actor"] else {}))
    return wanted


def lock_referral(pk: int) -> Referral:
    """Lock one referral row for a write, inside the caller's transaction."""
    return Referral.objects.select_for_update().select_related("area").get(pk=pk)


def _assign_lead(*, referral: Referral, actor: Any, inputs: dict[str, str]) -> None:
    ReferralAssignment.objects.filter(
        referral=referral, agency_id=inputs["agency"], ended_at__isnull=True
    ).update(ended_at=timezone.now())
    ReferralAssignment.objects.create(
        referral=referral,
        agency_id=inputs["agency"],
        lead_professional_id=inputs.get("lead_professional") or None,
        assigned_by=actor,
    )


def _request_information(*, referral: Referral, actor: Any, inputs: dict[str, str]) -> None:
    InformationRequest.objects.create(
        referral=referral,
        agency_id=inputs["agency"],
        question=inputs["question"].strip(),
        due_on=inputs["due_on"],
        requested_by=actor,
    )


def _accept_transfer(*, referral: Referral, actor: Any, inputs: dict[str, str]) -> None:
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


def _merge(*, referral: Referral, actor: Any, inputs: dict[str, str]) -> None:
    kept = Referral.objects.get(pk=referral.merged_into_id)
    events.duplicate_merged_event(referral=kept, duplicate=referral, actor=actor)


# Rows a step writes besides the referral itself, in the same transaction.
_FOLLOW_UPS = {
    "assign_lead": _assign_lead,
    "request_information": _request_information,
    "accept_transfer": _accept_transfer,
    "merge": _merge,
}


def referral_submit(*, referral: Referral, actor: Any) -> Referral:
    return referral_transition(referral=referral, actor=actor, name="submit")


def referral_assign_lead(
    *, referral: Referral, actor: Any, agency: Agency, lead_professional: Any | None = None
) -> ReferralAssignment:
    """Name `agency` (and its lead professional) on the referral, ending any earlier naming."""
    referral_transition(
        referral=referral,
        actor=actor,
        name="assign_lead",
        inputs={
            "agency": str(agency.pk),
            "lead_professional": str(lead_professional.pk) if lead_professional else "",
        },
    )
    return ReferralAssignment.objects.get(referral=referral, agency=agency, ended_at__isnull=True)
