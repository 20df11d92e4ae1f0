"""Writes to referrals. Each state change is one durable transaction with its timeline event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from agencies.dates import ANY_DATE, DUE_DATE, check_dates
from agencies.models import Agency, Area, Membership, Role
from agencies.selectors import acting_membership, active_memberships
from audit.models import AuditAction
from audit.services import audit_record, audit_record_views

from . import events
from .catalogues import entry_usable, screening_tool_for
from .models import (
    OPEN_STATES,
    ActionStatus,
    BreakGlassAccess,
    CaseNote,
    InformationRequest,
    MissingEpisode,
    ProtectiveAction,
    ProtectiveActionType,
    Referral,
    ReferralAssignment,
    ReferralEvent,
    ReferralState,
    ReturnInterview,
    ScreeningIndicator,
    YoungPerson,
)
from .selectors import (
    ReferralAccess,
    action_owners,
    casework_membership,
    granting_membership,
    open_referral_of,
    referral_access,
    referral_get,
    young_person_get,
)
from .signals import (
    action_assigned,
    break_glass_opened,
    missing_episode_ended,
    missing_episode_started,
    referral_step_taken,
)
from .validators import normalise_nhs_number
from .working_time import add_working_days

BREAK_GLASS_ROLES = {Role.COORDINATOR, Role.LEAD_PROFESSIONAL}
# Roles whose holders work with young people and so may raise a concern.
RAISING_ROLES = {
    Role.PRACTITIONER,
    Role.AGENCY_SAFEGUARDING_LEAD,
    Role.COORDINATOR,
    Role.LEAD_PROFESSIONAL,
    Role.POLICE_LEAD,
}
# Long enough to say what the emergency is and why the history is needed ("Found at 2am"
# says neither); short enough to type in one.
BREAK_GLASS_MIN_REASON = 20


def format_referral_reference(number: int, today: date) -> str:
    """A human-readable reference such as R26-000123 (year of issue, sequence number)."""
    return f"R{today:%y}-{number:06d}"


def next_referral_reference() -> str:
    """A unique reference, numbered from a database sequence so concurrent raises never clash."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('referral_reference_seq')")
        (number,) = cursor.fetchone()
    return format_referral_reference(number, timezone.localdate())


# What the person raising a concern may write while it is a draft (the form's pages, the API).
CONCERN_FIELDS = (
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
    "screening_indicators",
)


def _raising_membership(*, actor: Any, membership: Membership | None) -> Membership:
    # The role first: roles that may not raise (some hold no agency at all) are refused alike.
    if membership is None or membership.role not in RAISING_ROLES:
        raise PermissionDenied("This role cannot raise a concern.")
    if membership.user_id != actor.pk or not membership.is_active:
        raise ValueError("a concern is raised through one of the actor's own agency memberships")
    if membership.agency_id is None:
        raise PermissionDenied("A concern is raised for an agency: this role is held for none.")
    return membership


def _apply_concern(referral: Referral, concern: Mapping[str, Any]) -> list[ScreeningIndicator]:
    """Set the concern's fields on `referral` and check them; the indicators chosen are
    returned for the caller to save (a many-to-many needs the row saved first)."""
    unknown = set(concern) - set(CONCERN_FIELDS)
    if unknown:
        raise ValueError(f"not part of a concern: {sorted(unknown)}")
    for name, value in concern.items():
        if name != "screening_indicators":
            setattr(referral, name, value)
    simple = [name for name in CONCERN_FIELDS if name != "screening_indicators"]
    referral.clean_fields(exclude=[f.name for f in Referral._meta.fields if f.name not in simple])
    if referral.concern_date and referral.concern_date > timezone.localdate():
        raise ValidationError({"concern_date": "The date must be today or in the past"})
    # The kind of exploitation picks the tool, until the concern is sent (it then keeps it).
    referral.screening_tool = screening_tool_for(
        area=referral.area, exploitation_type=referral.exploitation_type
    )
    return _indicators(referral, concern.get("screening_indicators"))


def _indicators(referral: Referral, codes: Sequence[str] | None) -> list[ScreeningIndicator]:
    tool = referral.screening_tool
    if codes is None:
        # Those chosen already, as far as the tool (perhaps another now) has them.
        if not referral.pk:
            return []
        codes = [indicator.code for indicator in referral.screening_indicators.all()]
        return list(ScreeningIndicator.objects.filter(tool=tool, code__in=codes))
    chosen = list(ScreeningIndicator.objects.filter(tool=tool, code__in=codes))
    if len(chosen) != len(set(codes)):
        raise ValidationError({"screening_indicators": "Choose indicators from the list"})
    return chosen


def referral_create_draft(
    *, actor: Any, membership: Membership, young_person: YoungPerson, **concern: Any
) -> Referral:
    """Start a concern as a draft, through one of the actor's agency memberships.

    `concern` holds any of CONCERN_FIELDS; the rest can follow (referral_update_draft)."""
    membership = _raising_membership(actor=actor, membership=membership)
    with transaction.atomic(durable=True):
        return _create_draft(
            actor=actor, membership=membership, young_person=young_person, concern=concern
        )


def _create_draft(
    *, actor: Any, membership: Membership, young_person: YoungPerson, concern: Mapping[str, Any]
) -> Referral:
    area = membership.area
    if area is None or young_person.area_id != area.pk:
        raise ValueError("the young person must belong to the membership's area")
    referral = Referral(
        area=area,
        young_person=young_person,
        raised_by=actor,
        raised_by_agency_id=membership.agency_id,
    )
    indicators = _apply_concern(referral, concern)
    referral.reference = next_referral_reference()
    referral.save()
    referral.screening_indicators.set(indicators)
    events.referral_raised_event(referral=referral, actor=actor)
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        membership=membership,
        target=referral,
        area=referral.area,
    )
    return referral


# The young person's details: written while the concern is a draft, corrected afterwards.
YOUNG_PERSON_FIELDS = (
    "given_name",
    "family_name",
    "aliases",
    "date_of_birth",
    "estimated_age",
    "sex",
    "gender",
    "ethnicity",
    "nhs_number",
    "address",
    "postcode",
    "school",
    "looked_after",
    "placement",
    "send",
    "languages",
    "phone_numbers",
    "online_handles",
)


def _normalise_postcode(value: str) -> str:
    """Postcodes are typed in any case and spacing; store them as SW1A 1AA."""
    compact = "".join(value.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def _apply_young_person(person: YoungPerson, changes: Mapping[str, Any]) -> None:
    """Set and check the young person's details (nothing is saved here)."""
    unknown = set(changes) - set(YOUNG_PERSON_FIELDS)
    if unknown:
        raise ValueError(f"not a young person's detail: {sorted(unknown)}")
    normalise = {"nhs_number": normalise_nhs_number, "postcode": _normalise_postcode}
    for name, value in changes.items():
        setattr(person, name, normalise[name](value) if name in normalise else value)
    blank_names = {
        name: message
        for name, message in (
            ("given_name", "Enter their first name"),
            ("family_name", "Enter their last name"),
        )
        if name in changes and not str(changes[name] or "").strip()
    }
    if blank_names:
        raise ValidationError(blank_names)
    person.clean_fields(exclude=[f.name for f in YoungPerson._meta.fields if f.name not in changes])
    if person.date_of_birth and person.date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": "Date of birth must be today or in the past"})


def concern_raise(
    *,
    actor: Any,
    membership: Membership | None,
    young_person: Mapping[str, Any],
    concern: Mapping[str, Any],
    request: Any = None,
) -> Referral:
    """Raise a concern as a draft about a young person recorded afresh (their name, at least):
    the record and the draft are saved together or not at all, so no young person is left
    without the concern that named them. At triage the coordinator links the record to an
    existing one when the young person is already known (young_person_link).

    `young_person` holds any of YOUNG_PERSON_FIELDS, `concern` any of CONCERN_FIELDS."""
    membership = _raising_membership(actor=actor, membership=membership)
    person = YoungPerson(area=membership.area)
    _apply_young_person(person, {"given_name": "", "family_name": "", **young_person})
    with transaction.atomic():  # not durable: an API retry record commits with it
        person.save()
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            membership=membership,
            target=person,
            area=membership.area,
            request=request,
        )
        return _create_draft(
            actor=actor, membership=membership, young_person=person, concern=concern
        )


def young_person_update_draft(
    *, young_person: YoungPerson, actor: Any, changes: Mapping[str, Any], request: Any = None
) -> YoungPerson:
    """Change a young person's details while the concern about them is still a draft.

    Only while their one referral is the actor's own draft: once anyone else may see the
    record, a change is a correction with a reason (not this). PermissionDenied otherwise;
    ValidationError names the field at fault, and nothing is saved."""
    with transaction.atomic(durable=True):
        locked = YoungPerson.objects.select_for_update().get(pk=young_person.pk)
        referrals = list(Referral.objects.select_for_update().filter(young_person=locked))
        if not (
            len(referrals) == 1
            and referrals[0].raised_by_id == actor.pk
            and referrals[0].state == ReferralState.DRAFT
        ):
            raise PermissionDenied(
                "Only the person raising a concern may change the young person's details, "
                "and only while it is a draft."
            )
        _apply_young_person(locked, changes)
        locked.save()
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=granting_membership(user=actor, referral=referrals[0]),
            target=locked,
            area=locked.area,
            request=request,
            details={"fields": sorted(changes)},
        )
    return locked


def referral_update_draft(
    *, referral: Referral, actor: Any, concern: Mapping[str, Any], request: Any = None
) -> Referral:
    """Save more of a draft. Only its author may, and only while it is a draft: once
    submitted (perhaps from another tab) this raises TransitionConflict and saves nothing."""
    with transaction.atomic(durable=True):
        locked = lock_referral(referral.pk)
        if locked.raised_by_id != actor.pk:
            raise PermissionDenied("Only the person raising a concern may change the draft.")
        if locked.state != ReferralState.DRAFT:
            raise TransitionConflict(locked.state)
        indicators = _apply_concern(locked, concern)
        locked.save()
        locked.screening_indicators.set(indicators)
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=granting_membership(user=actor, referral=locked),
            target=locked,
            request=request,
            details={"fields": sorted(concern)},
        )
    return locked


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
    membership = _coordinator_membership(actor=actor, area_id=receiving.pk)
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


def _coordinator_membership(*, actor: Any, area_id: int) -> Membership:
    for membership in active_memberships(user=actor):
        if membership.role == Role.COORDINATOR and membership.area_id == area_id:
            return membership
    raise PermissionDenied("Only a coordinator of the referral's area may do this.")


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


def break_glass_open(
    *, referral: Referral, actor: Any, reason: str, request: Any = None
) -> BreakGlassAccess:
    """Open an out-of-scope referral in an emergency: time-limited, flagged and reviewed.

    Coordinators and lead professionals may open a referral of their own area; a referral of
    another area only a coordinator may open (a young person found far from home at night),
    and its area's coordinators are told urgently (notifications.producers)."""
    membership = _break_glass_membership(user=actor, referral=referral)
    reason = reason.strip()
    if len(reason) < BREAK_GLASS_MIN_REASON:
        raise ValidationError(
            f"Enter the reason for emergency access (at least {BREAK_GLASS_MIN_REASON} characters)."
        )
    if referral.submitted_at is None:
        raise ValidationError("A draft cannot be opened by anyone but the person raising it.")
    if referral_access(user=actor, referral=referral) is ReferralAccess.FULL:
        raise ValidationError("You can already see this referral.")
    with transaction.atomic(durable=True):
        access = BreakGlassAccess.objects.create(
            user=actor,
            membership=membership,
            referral=referral,
            reason=reason,
            expires_at=timezone.now() + timedelta(hours=referral.area.break_glass_hours),
        )
        events.break_glass_event(access=access)
        audit_record(
            action=AuditAction.BREAK_GLASS,
            actor=actor,
            membership=membership,
            target=referral,
            area=referral.area,
            request=request,
            reason=reason,
            details={"expires_at": access.expires_at.isoformat()},
        )
        break_glass_opened.send(sender=BreakGlassAccess, access=access)
    return access


def _break_glass_membership(*, user: Any, referral: Referral) -> Membership:
    """The role through which `user` may open `referral` in an emergency: one of its own
    area's, else a coordinator's of another area. PermissionDenied for anyone else."""
    eligible = [m for m in active_memberships(user=user) if m.role in BREAK_GLASS_ROLES]
    if not eligible:
        raise PermissionDenied("Only coordinators and lead professionals may use emergency access.")
    own_area = [m for m in eligible if m.area_id == referral.area_id]
    coordinators = [m for m in eligible if m.role == Role.COORDINATOR]
    if own_area or coordinators:
        return (own_area or coordinators)[0]
    raise PermissionDenied(
        "Emergency access to another area's referral is for coordinators: ask your area's "
        "coordinator, or that area's."
    )


def break_glass_review(*, access: BreakGlassAccess, actor: Any, note: str) -> BreakGlassAccess:
    """A coordinator of the referral's area records that they reviewed an emergency access."""
    membership = _coordinator_membership(actor=actor, area_id=access.referral.area_id)
    with transaction.atomic(durable=True):
        locked = BreakGlassAccess.objects.select_for_update().get(pk=access.pk)
        if locked.reviewed_at is not None:
            # Someone reviewed it meanwhile: say so rather than drop this reviewer's note.
            raise ValidationError("Another coordinator has already reviewed this access.")
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()
        locked.review_note = note.strip()
        locked.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
        events.break_glass_reviewed_event(access=locked, actor=actor)
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            area=access.referral.area,
            details={"reviewed": True},
        )
    return locked


def referral_open(
    *, actor: Any, reference: str, request: Any = None
) -> tuple[Referral, ReferralAccess]:
    """Read one referral for `actor` and record that they saw it, in one transaction.

    Out of scope answers 404 (raised by the selector) and records nothing about the referral.
    """
    with transaction.atomic():
        referral, access = referral_get(user=actor, reference=reference)
        audit_record(
            action=AuditAction.VIEW,
            actor=actor,
            membership=granting_membership(user=actor, referral=referral),
            target=referral,
            area=referral.area,
            request=request,
            details={"access": access.name.lower()},
        )
    return referral, access


def young_person_open(*, actor: Any, pk: int, request: Any = None) -> YoungPerson:
    """Read a young person's record (their chronology) for `actor` and record that they saw it.

    Out of scope answers 404 (raised by the selector) and records nothing."""
    with transaction.atomic():
        person = young_person_get(user=actor, pk=pk)
        audit_record(
            action=AuditAction.VIEW,
            actor=actor,
            membership=acting_membership(user=actor),
            target=person,
            area=person.area,
            request=request,
        )
    return person


def records_seen(
    *,
    actor: Any,
    records: Sequence[models.Model],
    referral: Referral | None = None,
    request: Any = None,
) -> None:
    """Record that `actor` was shown each of `records` (one page of a list). Records of one
    referral's case are filed under its area and the membership that lets the actor see it."""
    if not records:
        return
    audit_record_views(
        actor=actor,
        membership=(
            granting_membership(user=actor, referral=referral)
            if referral is not None
            else acting_membership(user=actor)
        ),
        targets=records,
        area=referral.area if referral is not None else None,
        request=request,
    )


def _casework_membership(*, actor: Any, referral: Referral) -> Membership:
    membership = casework_membership(user=actor, referral=referral)
    if membership is None:
        raise PermissionDenied(
            "Only the area's coordinators and police leads, and the lead professionals named "
            "on this referral, may record casework on it."
        )
    return membership


def _open_for_casework(referral: Referral) -> None:
    """Checked on the locked row, so an action cannot slip onto a case closing meanwhile."""
    if referral.state not in OPEN_STATES:
        state = ReferralState(referral.state).label.lower()
        raise ValidationError(f"The referral is {state}: reopen it to record more.")


def _casework_recorded(
    event: ReferralEvent, *, membership: Membership, target: Any, action: str
) -> None:
    """The audit record of a casework change, beside the timeline event it wrote."""
    audit_record(
        action=action,
        actor=event.actor,
        membership=membership,
        target=target,
        area=event.referral.area,
        details={"referral": event.referral.reference, "event": event.event_type},
    )


def action_add(
    *,
    referral: Referral,
    actor: Any,
    action_type: ProtectiveActionType,
    owner: Any,
    due_on: date,
    detail: str = "",
) -> ProtectiveAction:
    """Add a protective action to the plan, owned by a named person of an agency on the case."""
    membership = _casework_membership(actor=actor, referral=referral)
    if not entry_usable(action_type, area_id=referral.area_id):
        raise ValidationError({"action_type": "Choose an action from the list"})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": "The due date must be today or in the future"})
    check_dates(due_on=(due_on, DUE_DATE))
    owner_membership = next(
        (m for m in action_owners(referral=referral) if m.user_id == owner.pk), None
    )
    if owner_membership is None or owner_membership.agency is None:
        raise ValidationError({"owner": "Choose someone from an agency in this area"})
    with transaction.atomic():  # not durable: an API retry record commits with it
        _open_for_casework(lock_referral(referral.pk))
        action = ProtectiveAction.objects.create(
            referral=referral,
            action_type=action_type,
            detail=detail.strip(),
            owner=owner,
            owner_agency=owner_membership.agency,
            due_on=due_on,
            created_by=actor,
        )
        _casework_recorded(
            events.action_added_event(action=action, actor=actor),
            membership=membership,
            target=action,
            action=AuditAction.CREATE,
        )
        action_assigned.send(sender=ProtectiveAction, action=action, actor=actor)
    return action


def action_update(
    *, action: ProtectiveAction, actor: Any, status: str, outcome: str = ""
) -> ProtectiveAction:
    """Mark an action done (with its outcome) or cancelled (with the reason), or reopen it.
    Anyone who works the case may (its owner always does); the timeline event keeps the
    status and outcome it replaces."""
    referral = action.referral
    membership = _casework_membership(actor=actor, referral=referral)
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Choose the action's status"})
    if status != ActionStatus.OPEN and not outcome.strip():
        raise ValidationError({"outcome": "Enter the outcome, or why it was cancelled"})
    with transaction.atomic(durable=True):
        _open_for_casework(lock_referral(referral.pk))
        locked = ProtectiveAction.objects.select_for_update().get(pk=action.pk)
        previous = {"previous_status": locked.status, "previous_outcome": locked.outcome}
        locked.status, locked.outcome = status, outcome.strip()
        locked.completed_at = timezone.now() if status != ActionStatus.OPEN else None
        locked.save(update_fields=["status", "outcome", "completed_at"])
        _casework_recorded(
            events.action_updated_event(action=locked, actor=actor, **previous),
            membership=membership,
            target=locked,
            action=AuditAction.CHANGE,
        )
    return locked


def missing_episode_start(
    *,
    referral: Referral,
    actor: Any,
    started_at: datetime,
    reported_by: str,
    police_reference: str = "",
) -> MissingEpisode:
    membership = _casework_membership(actor=actor, referral=referral)
    if started_at > timezone.now():
        raise ValidationError({"started_at": "The time must be now or in the past"})
    check_dates(started_at=(started_at, ANY_DATE))
    if not reported_by.strip():
        raise ValidationError({"reported_by": "Enter who reported them missing"})
    with transaction.atomic():  # not durable: an API retry record commits with it
        _open_for_casework(lock_referral(referral.pk))
        episode = MissingEpisode.objects.create(
            referral=referral,
            started_at=started_at,
            reported_by=reported_by.strip(),
            police_reference=police_reference.strip(),
            recorded_by=actor,
        )
        _casework_recorded(
            events.missing_started_event(episode=episode, actor=actor),
            membership=membership,
            target=episode,
            action=AuditAction.CREATE,
        )
        missing_episode_started.send(sender=MissingEpisode, episode=episode, actor=actor)
    return episode


def missing_episode_end(
    *, episode: MissingEpisode, actor: Any, ended_at: datetime
) -> MissingEpisode:
    """The young person is back: a return home interview is due within the area's hours
    (72 by default), counted in clock hours because the child's safety does not wait."""
    referral = episode.referral
    membership = _casework_membership(actor=actor, referral=referral)
    if ended_at > timezone.now():
        raise ValidationError({"ended_at": "The time must be now or in the past"})
    with transaction.atomic(durable=True):
        _open_for_casework(lock_referral(referral.pk))
        locked = MissingEpisode.objects.select_for_update().get(pk=episode.pk)
        if locked.ended_at is not None:
            raise ValidationError("The return from this episode is already recorded.")
        if ended_at < locked.started_at:
            raise ValidationError({"ended_at": "The return must be after they went missing"})
        locked.ended_at = ended_at
        locked.interview_due_at = ended_at + timedelta(
            hours=referral.area.return_home_interview_hours
        )
        locked.interview = ReturnInterview.DUE
        locked.save(update_fields=["ended_at", "interview_due_at", "interview"])
        _casework_recorded(
            events.missing_ended_event(episode=locked, actor=actor),
            membership=membership,
            target=locked,
            action=AuditAction.CHANGE,
        )
        missing_episode_ended.send(sender=MissingEpisode, episode=locked, actor=actor)
    return locked


def return_home_interview_record(
    *,
    episode: MissingEpisode,
    actor: Any,
    held: bool,
    held_by: str = "",
    held_on: date | None = None,
    summary: str = "",
    not_held_reason: str = "",
) -> MissingEpisode:
    """Record the interview (by whom, when, what was learnt) or why none was held."""
    referral = episode.referral
    membership = _casework_membership(actor=actor, referral=referral)
    if held:
        errors = {
            name: message
            for name, value, message in (
                ("held_by", held_by.strip(), "Enter who held the interview"),
                ("held_on", held_on, "Enter the date it was held"),
                ("summary", summary.strip(), "Enter a summary of the interview"),
            )
            if not value
        }
        if errors:
            raise ValidationError(errors)
        if held_on and held_on > timezone.localdate():
            raise ValidationError({"held_on": "The date must be today or in the past"})
        check_dates(held_on=(held_on, ANY_DATE))
    elif not not_held_reason.strip():
        raise ValidationError({"not_held_reason": "Enter why no interview was held"})
    with transaction.atomic(durable=True):
        _open_for_casework(lock_referral(referral.pk))
        locked = MissingEpisode.objects.select_for_update().get(pk=episode.pk)
        if locked.interview != ReturnInterview.DUE:
            raise ValidationError("The interview can be recorded once the young person is back.")
        if held and held_on and locked.ended_at and held_on < timezone.localdate(locked.ended_at):
            raise ValidationError({"held_on": "The interview must be after the return"})
        locked.interview = ReturnInterview.HELD if held else ReturnInterview.NOT_HELD
        locked.interview_by, locked.interview_on = held_by.strip(), held_on
        locked.interview_summary = summary.strip()
        locked.not_held_reason = not_held_reason.strip()
        locked.save()
        _casework_recorded(
            events.return_home_interview_event(episode=locked, actor=actor),
            membership=membership,
            target=locked,
            action=AuditAction.CHANGE,
        )
    return locked


def note_add(
    *,
    referral: Referral,
    actor: Any,
    text: str,
    restricted: bool = False,
    corrects: CaseNote | None = None,
) -> CaseNote:
    """Add a case note in the author's agency's name. Notes are never edited: a correction is
    a new note that points at the one it corrects."""
    membership = _casework_membership(actor=actor, referral=referral)
    if not text.strip():
        raise ValidationError({"text": "Enter the note"})
    if corrects is not None and corrects.referral_id != referral.pk:
        raise ValidationError({"corrects": "A correction must be on the same referral"})
    # A correction of a restricted note is as restricted as the note it corrects.
    restricted = restricted or (corrects is not None and corrects.restricted)
    with transaction.atomic():  # not durable: an API retry record commits with it
        _open_for_casework(lock_referral(referral.pk))
        note = CaseNote.objects.create(
            referral=referral,
            author=actor,
            author_agency_id=membership.agency_id,
            text=text.strip(),
            restricted=restricted,
            corrects=corrects,
        )
        _casework_recorded(
            events.note_added_event(note=note, actor=actor),
            membership=membership,
            target=note,
            action=AuditAction.CREATE,
        )
    return note


def young_person_correct(
    *, referral: Referral, actor: Any, changes: Mapping[str, Any], reason: str
) -> YoungPerson:
    """Correct the young person's details from their referral. The old values stay in the
    field history (pghistory) and the audit record carries the reason."""
    membership = _casework_membership(actor=actor, referral=referral)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the details are being corrected"})
    with transaction.atomic(durable=True):
        person = YoungPerson.objects.select_for_update().get(pk=referral.young_person_id)
        changed = [name for name, value in changes.items() if getattr(person, name) != value]
        _apply_young_person(person, {name: changes[name] for name in changed})
        if changed:
            person.save(update_fields=changed)
        events.young_person_corrected_event(referral=referral, actor=actor, fields=changed)
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=person,
            area=referral.area,
            reason=reason.strip(),
            details={"fields": sorted(changed), "referral": referral.reference},
        )
    return person


def young_person_link(*, referral: Referral, actor: Any, existing: YoungPerson) -> Referral:
    """The coordinator finds the referral's young person is already known: point the referral
    at the existing record and mark the new one as its duplicate. When that person already has
    an open referral, this one is merged into it (the merge step) rather than run twice."""
    membership = _coordinator_membership(actor=actor, area_id=referral.area_id)
    if existing.area_id != referral.area_id or existing.pk == referral.young_person_id:
        raise ValidationError({"existing": "Choose another record in this area"})
    if existing.merged_into_id is not None:
        raise ValidationError({"existing": "That record is itself a duplicate"})
    with transaction.atomic(durable=True):
        locked = lock_referral(referral.pk)
        duplicate = YoungPerson.objects.select_for_update().get(pk=locked.young_person_id)
        if duplicate.referrals.exclude(pk=locked.pk).exists():
            raise ValidationError(
                {"existing": "This record has other referrals: correct it instead"}
            )
        duplicate.merged_into = existing
        duplicate.save(update_fields=["merged_into"])
        locked.young_person = existing
        locked.save(update_fields=["young_person"])
        events.young_person_linked_event(referral=locked, duplicate=duplicate, actor=actor)
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            details={"young_person_id": existing.pk, "duplicate_id": duplicate.pk},
        )
        already_open = open_referral_of(young_person=existing, besides=locked)
        if already_open is not None:
            # One open referral per young person: the new concern joins the open one.
            reason = f"Same young person as {already_open.reference}, which is open."
            referral_step_on_locked(
                locked,
                actor=actor,
                name="merge",
                inputs={"into": already_open.reference, "reason": reason},
            )
    return locked


def young_person_confirm_new(*, referral: Referral, actor: Any) -> YoungPerson:
    """The coordinator checked the possible matches: this is a young person new to the area."""
    membership = _coordinator_membership(actor=actor, area_id=referral.area_id)
    with transaction.atomic(durable=True):
        person = YoungPerson.objects.select_for_update().get(pk=referral.young_person_id)
        person.identity_confirmed_at = timezone.now()
        person.save(update_fields=["identity_confirmed_at"])
        events.young_person_confirmed_event(referral=referral, actor=actor)
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=person,
            area=referral.area,
            details={"identity_confirmed": True},
        )
    return person
