"""Timeline events: one function per event type, each writing one ReferralEvent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.db import transaction

from .models import (
    BreakGlassAccess,
    CaseNote,
    InformationRequest,
    MissingEpisode,
    NRMReferral,
    ProtectiveAction,
    Referral,
    ReferralEvent,
    ReferralEventType,
    Section47Enquiry,
    StrategyDiscussion,
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


def referral_transitioned_event(
    *,
    referral: Referral,
    actor: Any,
    event_type: ReferralEventType,
    source: str,
    inputs: dict[str, str],
) -> ReferralEvent:
    """A workflow step taken (its event type is declared per step in `referrals.steps`)."""
    return _record(
        referral,
        event_type,
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


def action_owner_changed_event(
    *, action: ProtectiveAction, actor: Any, previous_owner_id: int, previous_agency_id: int
) -> ReferralEvent:
    """Who owns it now, and who did: the chain of owners is never lost."""
    return _record(
        action.referral,
        ReferralEventType.ACTION_OWNER_CHANGED,
        actor,
        action_id=action.pk,
        action_type=action.action_type.code,
        owner=action.owner_id,
        owner_agency_id=action.owner_agency_id,
        previous_owner=previous_owner_id,
        previous_owner_agency_id=previous_agency_id,
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


def information_provided_event(
    *, information_request: InformationRequest, actor: Any
) -> ReferralEvent:
    # The answer stays on the request: the timeline says who answered, not what.
    return _record(
        information_request.referral,
        ReferralEventType.INFORMATION_PROVIDED,
        actor,
        information_request_id=information_request.pk,
        agency_id=information_request.agency_id,
        attachment=bool(information_request.attachment_name),
    )


def information_declined_event(
    *, information_request: InformationRequest, actor: Any
) -> ReferralEvent:
    return _record(
        information_request.referral,
        ReferralEventType.INFORMATION_DECLINED,
        actor,
        information_request_id=information_request.pk,
        agency_id=information_request.agency_id,
        reason=information_request.declined_reason,
    )


def iso_date(day: date | None) -> str | None:
    return day.isoformat() if day else None


def strategy_discussion_event(
    *, discussion: StrategyDiscussion, actor: Any, previous: dict[str, Any] | None = None
) -> ReferralEvent:
    """What was decided (not the words agreed, which stay on the record); an update keeps
    the values it replaced."""
    return _record(
        discussion.referral,
        ReferralEventType.STRATEGY_DISCUSSION_UPDATED
        if previous
        else ReferralEventType.STRATEGY_DISCUSSION_RECORDED,
        actor,
        strategy_discussion_id=discussion.pk,
        held_on=discussion.held_on.isoformat(),
        section_47=discussion.section_47,
        agency_ids=sorted(a.pk for a in discussion.agencies.all()),
        **({"previous": previous} if previous else {}),
    )


def section_47_event(
    *, enquiry: Section47Enquiry, actor: Any, previous: dict[str, Any] | None = None
) -> ReferralEvent:
    return _record(
        enquiry.referral,
        ReferralEventType.SECTION_47_UPDATED if previous else ReferralEventType.SECTION_47_RECORDED,
        actor,
        section_47_id=enquiry.pk,
        started_on=enquiry.started_on.isoformat(),
        section_47_outcome=enquiry.outcome,
        conference_on=iso_date(enquiry.conference_on),
        **({"previous": previous} if previous else {}),
    )


def nrm_referral_event(
    *, nrm: NRMReferral, actor: Any, previous: dict[str, Any] | None = None
) -> ReferralEvent:
    return _record(
        nrm.referral,
        ReferralEventType.NRM_REFERRAL_UPDATED
        if previous
        else ReferralEventType.NRM_REFERRAL_RECORDED,
        actor,
        nrm_referral_id=nrm.pk,
        referred_on=nrm.referred_on.isoformat(),
        reasonable_grounds=nrm.reasonable_grounds,
        reasonable_grounds_on=iso_date(nrm.reasonable_grounds_on),
        conclusive_grounds=nrm.conclusive_grounds,
        conclusive_grounds_on=iso_date(nrm.conclusive_grounds_on),
        **({"previous": previous} if previous else {}),
    )


def young_person_merged_event(
    *,
    referral: Referral,
    kept: YoungPerson,
    merged: YoungPerson,
    reason: str,
    actor: Any,
    moved: Mapping[str, int],
) -> ReferralEvent:
    """On each referral that moved from the merged record to the kept one, with how many of
    the merged record's other rows moved with it (links, links absorbed, agenda items)."""
    return _record(
        referral,
        ReferralEventType.YOUNG_PERSON_MERGED,
        actor,
        kept_record=str(kept),
        merged_record=str(merged),
        reason=reason,
        **moved,
    )


def young_person_unmerged_event(
    *,
    referral: Referral,
    kept: YoungPerson,
    merged: YoungPerson,
    reason: str,
    actor: Any,
    moved: Mapping[str, int],
) -> ReferralEvent:
    """On each referral that went back to the record it was merged away from, with how many
    rows went back with it."""
    return _record(
        referral,
        ReferralEventType.YOUNG_PERSON_UNMERGED,
        actor,
        kept_record=str(kept),
        merged_record=str(merged),
        reason=reason,
        **moved,
    )


def young_person_restricted_event(*, referral: Referral, actor: Any, reason: str) -> ReferralEvent:
    """On each of the young person's referrals: their record is restricted (UK GDPR Art. 18)."""
    return _record(referral, ReferralEventType.YOUNG_PERSON_RESTRICTED, actor, reason=reason)


def young_person_restriction_lifted_event(
    *, referral: Referral, actor: Any, reason: str
) -> ReferralEvent:
    return _record(
        referral, ReferralEventType.YOUNG_PERSON_RESTRICTION_LIFTED, actor, reason=reason
    )
