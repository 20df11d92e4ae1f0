"""Writes for the statutory steps beside a referral: strategy discussions, section 47 enquiries
and National Referral Mechanism (NRM) referrals.

Each create or update is one transaction under the referral's row lock that writes the
timeline event and the audit record; who is told is decided by the notifications' receiver of
`statutory_step_recorded`, sent inside the transaction and delivered on commit. Those who work
the case (`casework_membership`) may write, while the referral is open.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.dates import ANY_DATE, DUE_DATE, check_dates
from agencies.models import Agency, User
from audit.models import AuditAction

from . import events
from .casework import casework_recorded, open_for_casework
from .memberships import caseworker_membership
from .models import (
    NRMDecision,
    NRMReferral,
    Referral,
    Section47Enquiry,
    Section47Outcome,
    StrategyDiscussion,
)
from .signals import statutory_step_recorded
from .workflow import lock_referral

# What a person types in one free-text answer, at most.
TEXT_CAP = 20000


def _not_future(name: str, day: date | None, words: str) -> None:
    if day is not None and day > timezone.localdate():
        raise ValidationError({name: f"{words} must be today or in the past"})


def _text(name: str, value: str, missing: str, *, cap: int = TEXT_CAP) -> str:
    value = value.strip()
    if not value:
        raise ValidationError({name: missing})
    if len(value) > cap:
        raise ValidationError({name: f"Enter {cap:,} characters or fewer"})
    return value


# --- strategy discussions ----------------------------------------------------------------------


def _discussion_agencies(referral: Referral, agencies: Iterable[Agency]) -> list[Agency]:
    chosen = list({a.pk: a for a in agencies}.values())
    if not chosen:
        raise ValidationError({"agencies": "Choose the agencies that took part"})
    of_area = set(
        Agency.objects.filter(
            pk__in=[a.pk for a in chosen], areas=referral.area_id, is_active=True
        ).values_list("pk", flat=True)
    )
    if any(a.pk not in of_area for a in chosen):
        raise ValidationError({"agencies": "Choose agencies of this area"})
    return sorted(chosen, key=lambda a: a.pk)


def strategy_discussion_check(
    *, referral: Referral, held_on: date, agencies: Iterable[Agency], outcome: str
) -> tuple[str, list[Agency]]:
    """The agreed outcome and the agencies, cleaned, once the answers keep the rules (the
    check-answers page asks this before anything is written)."""
    check_dates(held_on=(held_on, ANY_DATE))
    _not_future("held_on", held_on, "The date held")
    outcome = _text("outcome", outcome, "Enter what was agreed")
    return outcome, _discussion_agencies(referral, agencies)


def strategy_discussion_record(
    *,
    referral: Referral,
    actor: User,
    held_on: date,
    agencies: Iterable[Agency],
    outcome: str,
    section_47: bool,
) -> StrategyDiscussion:
    """Record a strategy discussion held about the young person."""
    membership = caseworker_membership(actor=actor, referral=referral)
    outcome, chosen = strategy_discussion_check(
        referral=referral, held_on=held_on, agencies=agencies, outcome=outcome
    )
    with transaction.atomic():  # not durable: an API retry record commits with it
        open_for_casework(lock_referral(referral.pk))
        discussion = StrategyDiscussion.objects.create(
            referral=referral,
            held_on=held_on,
            outcome=outcome,
            section_47=section_47,
            recorded_by=actor,
        )
        discussion.agencies.set(chosen)
        casework_recorded(
            events.strategy_discussion_event(discussion=discussion, actor=actor),
            membership=membership,
            target=discussion,
            action=AuditAction.CREATE,
        )
        statutory_step_recorded.send(
            sender=StrategyDiscussion, record=discussion, actor=actor, previous=None
        )
    return discussion


def strategy_discussion_update(
    *,
    discussion: StrategyDiscussion,
    actor: User,
    held_on: date,
    agencies: Iterable[Agency],
    outcome: str,
    section_47: bool,
) -> StrategyDiscussion:
    """Correct a strategy discussion; the timeline keeps what it replaced. A discussion that
    started a section 47 enquiry cannot be changed to say none follows."""
    referral = discussion.referral
    membership = caseworker_membership(actor=actor, referral=referral)
    outcome, chosen = strategy_discussion_check(
        referral=referral, held_on=held_on, agencies=agencies, outcome=outcome
    )
    with transaction.atomic(durable=True):
        open_for_casework(lock_referral(referral.pk))
        locked = StrategyDiscussion.objects.select_for_update().get(pk=discussion.pk)
        enquiries = Section47Enquiry.objects.filter(strategy_discussion=locked)
        if not section_47 and enquiries.exists():
            raise ValidationError(
                {"section_47": "A section 47 enquiry is recorded as started by this discussion"}
            )
        if enquiries.filter(started_on__lt=held_on).exists():
            raise ValidationError(
                {"held_on": "The discussion must be on or before the enquiry it started"}
            )
        previous = {
            "held_on": locked.held_on.isoformat(),
            "section_47": locked.section_47,
            "agency_ids": sorted(locked.agencies.values_list("pk", flat=True)),
        }
        locked.held_on, locked.outcome, locked.section_47 = held_on, outcome, section_47
        locked.save(update_fields=["held_on", "outcome", "section_47"])
        locked.agencies.set(chosen)
        casework_recorded(
            events.strategy_discussion_event(discussion=locked, actor=actor, previous=previous),
            membership=membership,
            target=locked,
            action=AuditAction.CHANGE,
        )
        statutory_step_recorded.send(
            sender=StrategyDiscussion, record=locked, actor=actor, previous=previous
        )
    return locked


# --- section 47 enquiries ----------------------------------------------------------------------


def section_47_check(
    *,
    referral: Referral,
    started_on: date,
    strategy_discussion: StrategyDiscussion | None,
    outcome: str,
    conference_on: date | None,
) -> None:
    check_dates(started_on=(started_on, ANY_DATE), conference_on=(conference_on, DUE_DATE))
    _not_future("started_on", started_on, "The date started")
    if outcome and outcome not in Section47Outcome.values:
        raise ValidationError({"outcome": "Choose what the enquiry found"})
    if strategy_discussion is not None:
        if strategy_discussion.referral_id != referral.pk:
            raise ValidationError(
                {"strategy_discussion": "Choose a strategy discussion of this referral"}
            )
        if not strategy_discussion.section_47:
            raise ValidationError(
                {"strategy_discussion": "That strategy discussion decided on no section 47 enquiry"}
            )
        if started_on < strategy_discussion.held_on:
            raise ValidationError(
                {"started_on": "The enquiry must start on or after the strategy discussion"}
            )
    if conference_on is not None:
        if outcome != Section47Outcome.CONFERENCE:
            raise ValidationError(
                {
                    "conference_on": "A conference date goes with concerns substantiated and a "
                    "conference held"
                }
            )
        if conference_on < started_on:
            raise ValidationError(
                {"conference_on": "The conference must be on or after the enquiry started"}
            )


def section_47_record(
    *,
    referral: Referral,
    actor: User,
    started_on: date,
    strategy_discussion: StrategyDiscussion | None = None,
    outcome: str = "",
    conference_on: date | None = None,
) -> Section47Enquiry:
    """Record a section 47 enquiry children's social care started (its outcome once known)."""
    membership = caseworker_membership(actor=actor, referral=referral)
    section_47_check(
        referral=referral,
        started_on=started_on,
        strategy_discussion=strategy_discussion,
        outcome=outcome,
        conference_on=conference_on,
    )
    with transaction.atomic():  # not durable: an API retry record commits with it
        open_for_casework(lock_referral(referral.pk))
        enquiry = Section47Enquiry.objects.create(
            referral=referral,
            strategy_discussion=strategy_discussion,
            started_on=started_on,
            outcome=outcome,
            conference_on=conference_on,
            recorded_by=actor,
        )
        casework_recorded(
            events.section_47_event(enquiry=enquiry, actor=actor),
            membership=membership,
            target=enquiry,
            action=AuditAction.CREATE,
        )
        statutory_step_recorded.send(
            sender=Section47Enquiry, record=enquiry, actor=actor, previous=None
        )
    return enquiry


def section_47_update(
    *,
    enquiry: Section47Enquiry,
    actor: User,
    started_on: date,
    strategy_discussion: StrategyDiscussion | None = None,
    outcome: str = "",
    conference_on: date | None = None,
) -> Section47Enquiry:
    """Record what the enquiry found and the conference date, or correct its start."""
    referral = enquiry.referral
    membership = caseworker_membership(actor=actor, referral=referral)
    section_47_check(
        referral=referral,
        started_on=started_on,
        strategy_discussion=strategy_discussion,
        outcome=outcome,
        conference_on=conference_on,
    )
    with transaction.atomic(durable=True):
        open_for_casework(lock_referral(referral.pk))
        locked = Section47Enquiry.objects.select_for_update().get(pk=enquiry.pk)
        previous = {
            "started_on": locked.started_on.isoformat(),
            "section_47_outcome": locked.outcome,
            "conference_on": events.iso_date(locked.conference_on),
        }
        locked.started_on, locked.outcome = started_on, outcome
        locked.strategy_discussion, locked.conference_on = strategy_discussion, conference_on
        locked.save(update_fields=["started_on", "outcome", "strategy_discussion", "conference_on"])
        casework_recorded(
            events.section_47_event(enquiry=locked, actor=actor, previous=previous),
            membership=membership,
            target=locked,
            action=AuditAction.CHANGE,
        )
        statutory_step_recorded.send(
            sender=Section47Enquiry, record=locked, actor=actor, previous=previous
        )
    return locked


# --- National Referral Mechanism ----------------------------------------------------------------


def nrm_referral_check(
    *,
    referred_on: date,
    first_responder: str,
    reasonable_grounds: str,
    reasonable_grounds_on: date | None,
    conclusive_grounds: str,
    conclusive_grounds_on: date | None,
) -> str:
    """The first responder's name, cleaned, once every rule holds: each decision with its date,
    no date before the referral or in the future, conclusive grounds only after a positive
    reasonable grounds decision and never dated before it."""
    check_dates(
        referred_on=(referred_on, ANY_DATE),
        reasonable_grounds_on=(reasonable_grounds_on, ANY_DATE),
        conclusive_grounds_on=(conclusive_grounds_on, ANY_DATE),
    )
    name = _text(
        "first_responder", first_responder, "Enter the first responder organisation", cap=200
    )
    errors: dict[str, str] = {}
    for decision, day, field, words in (
        (reasonable_grounds, reasonable_grounds_on, "reasonable_grounds", "reasonable grounds"),
        (conclusive_grounds, conclusive_grounds_on, "conclusive_grounds", "conclusive grounds"),
    ):
        if decision and decision not in NRMDecision.values:
            errors[field] = f"Choose the {words} decision"
        elif decision and day is None:
            errors[f"{field}_on"] = f"Enter the date of the {words} decision"
        elif day is not None and not decision:
            errors[field] = f"Choose the {words} decision, or leave its date empty"
        elif day is not None and day > timezone.localdate():
            errors[f"{field}_on"] = "The date of the decision must be today or in the past"
        elif day is not None and day < referred_on:
            errors[f"{field}_on"] = "The decision must be on or after the date referred"
    _not_future("referred_on", referred_on, "The date referred")
    if errors:
        raise ValidationError(errors)
    if conclusive_grounds:
        if reasonable_grounds != NRMDecision.POSITIVE:
            raise ValidationError(
                {
                    "conclusive_grounds": "A conclusive grounds decision follows a positive "
                    "reasonable grounds decision"
                }
            )
        if (
            conclusive_grounds_on
            and reasonable_grounds_on
            and (conclusive_grounds_on < reasonable_grounds_on)
        ):
            raise ValidationError(
                {
                    "conclusive_grounds_on": "The conclusive grounds decision cannot be before "
                    "the reasonable grounds decision"
                }
            )
    return name


def nrm_referral_record(
    *,
    referral: Referral,
    actor: User,
    referred_on: date,
    first_responder: str,
    reasonable_grounds: str = "",
    reasonable_grounds_on: date | None = None,
    conclusive_grounds: str = "",
    conclusive_grounds_on: date | None = None,
) -> NRMReferral:
    """Record that a first responder organisation referred the young person to the NRM (no
    consent is needed for a child), with any decisions already made."""
    membership = caseworker_membership(actor=actor, referral=referral)
    decisions: dict[str, Any] = {
        "reasonable_grounds": reasonable_grounds,
        "reasonable_grounds_on": reasonable_grounds_on,
        "conclusive_grounds": conclusive_grounds,
        "conclusive_grounds_on": conclusive_grounds_on,
    }
    name = nrm_referral_check(referred_on=referred_on, first_responder=first_responder, **decisions)
    with transaction.atomic():  # not durable: an API retry record commits with it
        open_for_casework(lock_referral(referral.pk))
        nrm = NRMReferral.objects.create(
            referral=referral,
            referred_on=referred_on,
            first_responder=name,
            recorded_by=actor,
            **decisions,
        )
        casework_recorded(
            events.nrm_referral_event(nrm=nrm, actor=actor),
            membership=membership,
            target=nrm,
            action=AuditAction.CREATE,
        )
        statutory_step_recorded.send(sender=NRMReferral, record=nrm, actor=actor, previous=None)
    return nrm


def nrm_referral_update(
    *,
    nrm: NRMReferral,
    actor: User,
    referred_on: date,
    first_responder: str,
    reasonable_grounds: str = "",
    reasonable_grounds_on: date | None = None,
    conclusive_grounds: str = "",
    conclusive_grounds_on: date | None = None,
) -> NRMReferral:
    """Record the competent authority's decisions as they come, or correct the referral."""
    referral = nrm.referral
    membership = caseworker_membership(actor=actor, referral=referral)
    decisions: dict[str, Any] = {
        "reasonable_grounds": reasonable_grounds,
        "reasonable_grounds_on": reasonable_grounds_on,
        "conclusive_grounds": conclusive_grounds,
        "conclusive_grounds_on": conclusive_grounds_on,
    }
    name = nrm_referral_check(referred_on=referred_on, first_responder=first_responder, **decisions)
    with transaction.atomic(durable=True):
        open_for_casework(lock_referral(referral.pk))
        locked = NRMReferral.objects.select_for_update().get(pk=nrm.pk)
        previous = {
            "referred_on": locked.referred_on.isoformat(),
            "reasonable_grounds": locked.reasonable_grounds,
            "reasonable_grounds_on": events.iso_date(locked.reasonable_grounds_on),
            "conclusive_grounds": locked.conclusive_grounds,
            "conclusive_grounds_on": events.iso_date(locked.conclusive_grounds_on),
        }
        for field, value in {
            "referred_on": referred_on,
            "first_responder": name,
            **decisions,
        }.items():
            setattr(locked, field, value)
        locked.save()
        casework_recorded(
            events.nrm_referral_event(nrm=locked, actor=actor, previous=previous),
            membership=membership,
            target=locked,
            action=AuditAction.CHANGE,
        )
        statutory_step_recorded.send(
            sender=NRMReferral, record=locked, actor=actor, previous=previous
        )
    return locked
