"""Timeline events: one function per event type, each writing one ReferralEvent."""

from __future__ import annotations

from typing import Any

from .models import BreakGlassAccess, Referral, ReferralEvent, ReferralEventType


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
    "set_rag": ReferralEventType.RAG_SET,
    "assign_lead": ReferralEventType.LEAD_ASSIGNED,
    "request_information": ReferralEventType.INFORMATION_REQUESTED,
    "review": ReferralEventType.REVIEWED,
    "reassess_risk": ReferralEventType.RISK_REASSESSED,
    "transfer": ReferralEventType.TRANSFER_REQUESTED,
    "accept_transfer": ReferralEventType.TRANSFER_ACCEPTED,
    "decline_transfer": ReferralEventType.TRANSFER_DECLINED,
    "merge": ReferralEventType.MERGED,
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


def transferred_in_event(*, referral: Referral, source: Referral, actor: Any) -> ReferralEvent:
    """The receiving area's first entry: where the case came from and what happened there."""
    history = [
        {"event_type": e.event_type, "at": e.created_at.isoformat()} for e in source.events.all()
    ]
    return _record(
        referral,
        ReferralEventType.TRANSFERRED_IN,
        actor,
        from_reference=source.reference,
        from_area=source.area.name,
        decision=source.decision,
        history=history,
    )


def duplicate_merged_event(*, referral: Referral, duplicate: Referral, actor: Any) -> ReferralEvent:
    return _record(
        referral, ReferralEventType.DUPLICATE_MERGED, actor, duplicate=duplicate.reference
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
