"""Casework on an open referral: protective actions, missing episodes, return home
interviews and case notes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.dates import ANY_DATE, DUE_DATE, check_dates
from agencies.models import Membership
from audit.models import AuditAction
from audit.services import audit_record

from . import events
from .catalogues import entry_usable
from .memberships import caseworker_membership
from .models import (
    OPEN_STATES,
    STATE_CONFLICT,
    ActionStatus,
    CaseNote,
    MissingEpisode,
    ProtectiveAction,
    ProtectiveActionType,
    Referral,
    ReferralEvent,
    ReferralState,
    ReturnInterview,
)
from .selectors import action_owners
from .signals import action_assigned, missing_episode_ended, missing_episode_started
from .workflow import lock_referral


def open_for_casework(referral: Referral) -> None:
    """Checked on the locked row, so an action cannot slip onto a case closing meanwhile."""
    if referral.state not in OPEN_STATES:
        state = ReferralState(referral.state).label.lower()
        raise ValidationError(
            f"The referral is {state}: reopen it to record more.", code=STATE_CONFLICT
        )


def casework_recorded(
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
    membership = caseworker_membership(actor=actor, referral=referral)
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
        open_for_casework(lock_referral(referral.pk))
        action = ProtectiveAction.objects.create(
            referral=referral,
            action_type=action_type,
            detail=detail.strip(),
            owner=owner,
            owner_agency=owner_membership.agency,
            due_on=due_on,
            created_by=actor,
        )
        casework_recorded(
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
    membership = caseworker_membership(actor=actor, referral=referral)
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Choose the action's status"})
    if status != ActionStatus.OPEN and not outcome.strip():
        raise ValidationError({"outcome": "Enter the outcome, or why it was cancelled"})
    with transaction.atomic(durable=True):
        open_for_casework(lock_referral(referral.pk))
        locked = ProtectiveAction.objects.select_for_update().get(pk=action.pk)
        previous = {"previous_status": locked.status, "previous_outcome": locked.outcome}
        locked.status, locked.outcome = status, outcome.strip()
        locked.completed_at = timezone.now() if status != ActionStatus.OPEN else None
        locked.save(update_fields=["status", "outcome", "completed_at"])
        casework_recorded(
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
    membership = caseworker_membership(actor=actor, referral=referral)
    if started_at > timezone.now():
        raise ValidationError({"started_at": "The time must be now or in the past"})
    check_dates(started_at=(started_at, ANY_DATE))
    if not reported_by.strip():
        raise ValidationError({"reported_by": "Enter who reported them missing"})
    with transaction.atomic():  # not durable: an API retry record commits with it
        open_for_casework(lock_referral(referral.pk))
        episode = MissingEpisode.objects.create(
            referral=referral,
            started_at=started_at,
            reported_by=reported_by.strip(),
            police_reference=police_reference.strip(),
            recorded_by=actor,
        )
        casework_recorded(
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
    membership = caseworker_membership(actor=actor, referral=referral)
    if ended_at > timezone.now():
        raise ValidationError({"ended_at": "The time must be now or in the past"})
    with transaction.atomic(durable=True):
        open_for_casework(lock_referral(referral.pk))
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
        casework_recorded(
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
    membership = caseworker_membership(actor=actor, referral=referral)
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
        open_for_casework(lock_referral(referral.pk))
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
        casework_recorded(
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
    membership = caseworker_membership(actor=actor, referral=referral)
    if not text.strip():
        raise ValidationError({"text": "Enter the note"})
    if corrects is not None and corrects.referral_id != referral.pk:
        raise ValidationError({"corrects": "A correction must be on the same referral"})
    # A correction of a restricted note is as restricted as the note it corrects.
    restricted = restricted or (corrects is not None and corrects.restricted)
    with transaction.atomic():  # not durable: an API retry record commits with it
        open_for_casework(lock_referral(referral.pk))
        note = CaseNote.objects.create(
            referral=referral,
            author=actor,
            author_agency_id=membership.agency_id,
            text=text.strip(),
            restricted=restricted,
            corrects=corrects,
        )
        casework_recorded(
            events.note_added_event(note=note, actor=actor),
            membership=membership,
            target=note,
            action=AuditAction.CREATE,
        )
    return note
