"""Writes to referrals. Each state change is one durable transaction with its timeline event."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Agency, Membership, Role
from agencies.selectors import acting_membership, active_memberships
from audit.models import AuditAction
from audit.services import audit_record, audit_record_views

from . import events
from .models import BreakGlassAccess, Referral, ReferralAssignment, ReferralState, YoungPerson
from .selectors import ReferralAccess, granting_membership, referral_access, referral_get

BREAK_GLASS_ROLES = {Role.COORDINATOR, Role.LEAD_PROFESSIONAL}
# Roles whose holders work with young people and so may raise a concern.
RAISING_ROLES = {
    Role.PRACTITIONER,
    Role.AGENCY_SAFEGUARDING_LEAD,
    Role.COORDINATOR,
    Role.LEAD_PROFESSIONAL,
    Role.POLICE_LEAD,
}
BREAK_GLASS_MIN_REASON = 10


def format_referral_reference(number: int, today: date) -> str:
    """A human-readable reference such as R26-000123 (year of issue, sequence number)."""
    return f"R{today:%y}-{number:06d}"


def next_referral_reference() -> str:
    """A unique reference, numbered from a database sequence so concurrent raises never clash."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('referral_reference_seq')")
        (number,) = cursor.fetchone()
    return format_referral_reference(number, timezone.localdate())


def referral_create_draft(
    *, actor: Any, membership: Membership, young_person: YoungPerson, narrative: str
) -> Referral:
    if membership.user_id != actor.pk or membership.agency_id is None or not membership.is_active:
        raise ValueError("a concern is raised through one of the actor's own agency memberships")
    if membership.role not in RAISING_ROLES:
        raise PermissionDenied("This role cannot raise a concern.")
    if young_person.area_id != membership.area_id:
        raise ValueError("the young person must belong to the membership's area")
    with transaction.atomic(durable=True):
        referral = Referral.objects.create(
            reference=next_referral_reference(),
            area_id=membership.area_id,
            young_person=young_person,
            raised_by=actor,
            raised_by_agency_id=membership.agency_id,
            narrative=narrative,
        )
        events.referral_raised_event(referral=referral, actor=actor)
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            membership=membership,
            target=referral,
            area=referral.area,
        )
    return referral


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
    declared = {t.name: t for t in declared_transitions()}
    if name not in declared:
        raise LookupError(name)
    wanted = {k: v for k, v in (inputs or {}).items() if k in declared[name].custom["inputs"]}
    with transaction.atomic(durable=True):
        locked = Referral.objects.select_for_update().select_related("area").get(pk=referral.pk)
        if not declared[name].has_perm(locked, actor):
            raise PermissionDenied("Your role cannot take this step.")
        if name not in {t.name for t in transitions_for(referral=locked, user=actor)}:
            raise TransitionConflict(locked.state)
        source = locked.state
        getattr(locked, name)(**wanted)
        locked.save()
        events.referral_transitioned_event(
            referral=locked, actor=actor, transition=name, source=source, inputs=wanted
        )
        audit_record(
            action=AuditAction.TRANSITION,
            actor=actor,
            membership=granting_membership(user=actor, referral=locked),
            target=locked,
            request=request,
            reason=wanted.get("reason", ""),
            details={"transition": name, "from": source, "to": locked.state},
        )
    return locked


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
    membership = _coordinator_membership(actor=actor, area_id=referral.area_id)
    if not agency.areas.filter(pk=referral.area_id).exists():
        raise ValidationError("That agency does not serve the referral's area.")
    if (
        lead_professional is not None
        and not Membership.objects.filter(
            user=lead_professional, agency=agency, role=Role.LEAD_PROFESSIONAL, is_active=True
        ).exists()
    ):
        raise ValidationError("The lead professional must be a lead professional of that agency.")
    with transaction.atomic(durable=True):
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        ReferralAssignment.objects.filter(
            referral=locked, agency=agency, ended_at__isnull=True
        ).update(ended_at=timezone.now())
        assignment = ReferralAssignment.objects.create(
            referral=locked, agency=agency, lead_professional=lead_professional, assigned_by=actor
        )
        events.lead_assigned_event(assignment=assignment, actor=actor)
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            area=locked.area,
            details={
                "assigned_agency_id": agency.pk,
                "lead_professional_id": lead_professional.pk if lead_professional else None,
            },
        )
    return assignment


def break_glass_open(
    *, referral: Referral, actor: Any, reason: str, request: Any = None
) -> BreakGlassAccess:
    """Open an out-of-scope referral in an emergency: time-limited, flagged and reviewed."""
    membership = next(
        (m for m in active_memberships(user=actor) if m.role in BREAK_GLASS_ROLES), None
    )
    if membership is None:
        raise PermissionDenied("Only coordinators and lead professionals may use emergency access.")
    reason = reason.strip()
    if len(reason) < BREAK_GLASS_MIN_REASON:
        raise ValidationError(
            f"Enter the reason for emergency access (at least {BREAK_GLASS_MIN_REASON} characters)."
        )
    if referral.state == ReferralState.DRAFT:
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
    return access


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


def referrals_seen(*, actor: Any, referrals: Sequence[Referral], request: Any = None) -> None:
    """Record that `actor` was shown each of `referrals` (a list page, an API page)."""
    if not referrals:
        return
    audit_record_views(
        actor=actor,
        membership=acting_membership(user=actor),
        targets=referrals,
        request=request,
    )
