"""Timeline events: one function per event type, each writing one ReferralEvent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from .models import (
    BreakGlassAccess,
    CaseNote,
    MissingEpisode,
    ProtectiveAction,
    Referral,
    ReferralEvent,
    ReferralEventType,
    YoungPerson,
)
from .signals import referral_changed


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _record(
    referral: Referral, event_type: ReferralEventType, actor: Any, **parameters: Any
) -> ReferralEvent:
    event = ReferralEvent.objects.create(
        referral=referral, event_type=event_type, actor=actor, parameters=parameters
    )
    transaction.on_commit(
        lambda: referral_changed.send(sender=Referral, referral=referral, actor=actor)
    )
    return event


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


def action_added_event(*, action: ProtectiveAction, actor: Any) -> ReferralEvent:
    return _record(
        action.referral,
        ReferralEventType.ACTION_ADDED,
        actor,
        action_id=action.pk,
        action_type=action.action_type.code,
        owner_agency_id=action.owner_agency_id,
        due_on=action.due_on.isoformat(),
    )


def action_updated_event(
    *, action: ProtectiveAction, actor: Any, previous_status: str, previous_outcome: str
) -> ReferralEvent:
    """The new status, and what it replaces: an action's outcome is never lost."""
    return _record(
        action.referral,
        ReferralEventType.ACTION_UPDATED,
        actor,
        action_id=action.pk,
        status=action.status,
        previous_status=previous_status,
        previous_outcome=previous_outcome,
    )


def missing_started_event(*, episode: MissingEpisode, actor: Any) -> ReferralEvent:
    return _record(
        episode.referral,
        ReferralEventType.MISSING_STARTED,
        actor,
        episode_id=episode.pk,
        started_at=episode.started_at.isoformat(),
    )


def missing_ended_event(*, episode: MissingEpisode, actor: Any) -> ReferralEvent:
    return _record(
        episode.referral,
        ReferralEventType.MISSING_ENDED,
        actor,
        episode_id=episode.pk,
        ended_at=_iso(episode.ended_at),
        interview_due_at=_iso(episode.interview_due_at),
    )


def return_home_interview_event(*, episode: MissingEpisode, actor: Any) -> ReferralEvent:
    return _record(
        episode.referral,
        ReferralEventType.RETURN_HOME_INTERVIEW,
        actor,
        episode_id=episode.pk,
        interview=episode.interview,
    )


def note_added_event(*, note: CaseNote, actor: Any) -> ReferralEvent:
    # The note's text stays on the note: a restricted note must not leak through the timeline.
    return _record(
        note.referral,
        ReferralEventType.NOTE_ADDED,
        actor,
        note_id=note.pk,
        restricted=note.restricted,
        author_agency_id=note.author_agency_id,
    )


def young_person_linked_event(
    *, referral: Referral, duplicate: YoungPerson, actor: Any
) -> ReferralEvent:
    return _record(
        referral,
        ReferralEventType.YOUNG_PERSON_LINKED,
        actor,
        young_person_id=referral.young_person_id,
        duplicate_id=duplicate.pk,
    )


def young_person_confirmed_event(*, referral: Referral, actor: Any) -> ReferralEvent:
    return _record(
        referral,
        ReferralEventType.YOUNG_PERSON_CONFIRMED,
        actor,
        young_person_id=referral.young_person_id,
    )


def young_person_corrected_event(
    *, referral: Referral, actor: Any, fields: list[str]
) -> ReferralEvent:
    return _record(referral, ReferralEventType.YOUNG_PERSON_CORRECTED, actor, fields=sorted(fields))


def disruption_logged_event(
    *, referral: Referral, actor: Any, activity_id: int, tactic: str, status: str
) -> ReferralEvent:
    """Disruption against someone or somewhere that harms the young person. Only the tactic
    and status: who or what was targeted stays with the area's intelligence."""
    return _record(
        referral,
        ReferralEventType.DISRUPTION_LOGGED,
        actor,
        disruption_id=activity_id,
        tactic=tactic,
        disruption_status=status,
    )


def disruption_updated_event(
    *,
    referral: Referral,
    actor: Any,
    activity_id: int,
    tactic: str,
    status: str,
    previous_status: str,
) -> ReferralEvent:
    return _record(
        referral,
        ReferralEventType.DISRUPTION_UPDATED,
        actor,
        disruption_id=activity_id,
        tactic=tactic,
        disruption_status=status,
        previous_disruption_status=previous_status,
    )


def young_person_merged_event(
    *, referral: Referral, kept: YoungPerson, merged: YoungPerson, reason: str, actor: Any
) -> ReferralEvent:
    """On each referral that moved from the merged record to the kept one."""
    return _record(
        referral,
        ReferralEventType.YOUNG_PERSON_MERGED,
        actor,
        kept_record=str(kept),
        merged_record=str(merged),
        reason=reason,
    )


def young_person_unmerged_event(
    *, referral: Referral, kept: YoungPerson, merged: YoungPerson, reason: str, actor: Any
) -> ReferralEvent:
    """On each referral that went back to the record it was merged away from."""
    return _record(
        referral,
        ReferralEventType.YOUNG_PERSON_UNMERGED,
        actor,
        kept_record=str(kept),
        merged_record=str(merged),
        reason=reason,
    )
