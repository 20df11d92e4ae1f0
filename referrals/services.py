"""Writes to referrals. Each state change is one durable transaction with its timeline event."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Membership

from . import events
from .models import Referral, YoungPerson


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
    if membership.user_id != actor.pk or membership.agency_id is None:
        raise ValueError("a concern is raised through one of the actor's own agency memberships")
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
    return referral


def referral_submit(*, referral: Referral, actor: Any) -> Referral:
    with transaction.atomic(durable=True):
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        locked.submit()
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["state", "submitted_at"])
        events.referral_submitted_event(referral=locked, actor=actor)
    return locked
