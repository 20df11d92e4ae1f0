"""Timeline events: one function per event type, each writing one ReferralEvent."""

from __future__ import annotations

from typing import Any

from .models import BreakGlassAccess, Referral, ReferralAssignment, ReferralEvent, ReferralEventType


def _record(
    referral: Referral, event_type: ReferralEventType, actor: Any, **parameters: Any
) -> ReferralEvent:
    return ReferralEvent.objects.create(
        referral=referral, event_type=event_type, actor=actor, parameters=parameters
    )


def referral_raised_event(*, referral: Referral, actor: Any) -> ReferralEvent:
    return _record(
        referral, ReferralEventType.RAISED, actor, agency_id=referral.raised_by_agency_id
    )


# The timeline event each workflow transition writes.
TRANSITION_EVENTS = {
    "submit": ReferralEventType.SUBMITTED,
    "withdraw": ReferralEventType.WITHDRAWN,
    "start_triage": ReferralEventType.TRIAGE_STARTED,
    "decide": ReferralEventType.DECIDED,
    "close": ReferralEventType.CLOSED,
    "reopen": ReferralEventType.REOPENED,
}


def referral_transitioned_event(
    *, referral: Referral, actor: Any, transition: str, source: str, inputs: dict[str, str]
) -> ReferralEvent:
    return _record(
        referral,
        TRANSITION_EVENTS[transition],
        actor,
        source=source,
        target=referral.state,
        **inputs,
    )


def lead_assigned_event(*, assignment: ReferralAssignment, actor: Any) -> ReferralEvent:
    return _record(
        assignment.referral,
        ReferralEventType.LEAD_ASSIGNED,
        actor,
        agency_id=assignment.agency_id,
        lead_professional_id=assignment.lead_professional_id,
    )


def break_glass_event(*, access: BreakGlassAccess) -> ReferralEvent:
    return _record(
        access.referral,
        ReferralEventType.BREAK_GLASS,
        access.user,
        access_id=access.pk,
        expires_at=access.expires_at.isoformat(),
    )


def break_glass_reviewed_event(*, access: BreakGlassAccess, actor: Any) -> ReferralEvent:
    return _record(
        access.referral, ReferralEventType.BREAK_GLASS_REVIEWED, actor, access_id=access.pk
    )
