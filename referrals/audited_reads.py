"""Reads of referrals and young people's records, each audited as the actor sees them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models, transaction

from agencies.selectors import acting_membership
from audit.models import AuditAction
from audit.services import audit_record, audit_record_views

from .models import Referral, YoungPerson
from .selectors import ReferralAccess, granting_membership, referral_get, young_person_get


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
