"""Restriction of processing (UK GDPR Article 18) on a young person's record.

A coordinator of the young person's area restricts the record, with a reason (the young person
contests its accuracy, objects to a use, or needs it kept for a claim while it would otherwise
be destroyed), and lifts the restriction, with a reason. While it stands:

- nobody but the area's coordinators sees the record or its referrals: the need-to-know
  selectors (referrals.selectors) leave them out of every other role's scope, so they answer
  404 and drop out of lists, searches and work lists;
- nothing new is linked to it (`refuse_if_restricted`, called by the intelligence links);
- nobody but the area's coordinators is told of it (`told_despite_restriction`, which
  notifications.services.notify applies to every notification about a referral).

Counts and aggregate reports still count it: a restriction limits use, not the numbers.
Each placing and lifting is one transaction with the timeline event on each of the young
person's referrals and the audit record. The reasons live on the restriction's row, not in
the audit trail, so they go when the record is erased.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from agencies.models import Membership, Role
from audit.models import AuditAction
from audit.services import audit_record

from . import events
from .memberships import coordinator_membership
from .models import Referral, YoungPerson, YoungPersonRestriction
from .selectors import unrestricted_q

REASON_CAP = 2000
REASON_REQUIRED = "Enter why the record is being restricted"
LIFT_REASON_REQUIRED = "Enter why the restriction is being lifted"
ALREADY_RESTRICTED = "This record is already restricted"
NOT_RESTRICTED = "This record is not restricted"
RESTRICTED_FROM_BREAK_GLASS = (
    "This young person's record is restricted: only the coordinators of its area can open it. "
    "Ask one of them."
)
LINK_REFUSED = (
    "The record of {person} is restricted: nothing can be linked to it until a coordinator "
    "lifts the restriction"
)


def _reason(text: str, *, required: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({"reason": required})
    if len(text) > REASON_CAP:
        raise ValidationError({"reason": f"Enter a reason of {REASON_CAP} characters or fewer"})
    return text


def is_restricted(young_person: YoungPerson) -> bool:
    return YoungPersonRestriction.objects.filter(
        young_person_id=young_person.pk, lifted_at__isnull=True
    ).exists()


def refuse_if_restricted(*records: Any, field: str) -> None:
    """Refuse to link anything to a restricted young person's record (ValidationError on
    `field`, which the pages show on the form and the API answers 422)."""
    for record in records:
        if isinstance(record, YoungPerson) and is_restricted(record):
            raise ValidationError({field: LINK_REFUSED.format(person=record)})


def told_despite_restriction(*, user_ids: list[int], referral_id: int) -> list[int]:
    """Of `user_ids`, those who may be told something about the referral: all of them while
    its young person's record is not restricted, else only the coordinators of its area."""
    restricted = (
        Referral.objects.filter(~unrestricted_q(), pk=referral_id)
        .values_list("area_id", flat=True)
        .first()
    )
    if restricted is None:
        return user_ids
    coordinators = Membership.objects.filter(
        role=Role.COORDINATOR, area_id=restricted, is_active=True, user_id__in=user_ids
    ).exclude(agency__is_active=False)
    kept = set(coordinators.values_list("user_id", flat=True))
    return [pk for pk in user_ids if pk in kept]


def _on_each_referral(young_person: YoungPerson, write: Any) -> None:
    for referral in young_person.referrals.order_by("pk"):
        write(referral)


def young_person_restrict(
    *, actor: Any, young_person: YoungPerson, reason: str, request: HttpRequest | None = None
) -> YoungPersonRestriction:
    """Restrict the record. A second restriction while one stands is refused."""
    membership = coordinator_membership(actor=actor, area_id=young_person.area_id)
    reason = _reason(reason, required=REASON_REQUIRED)
    with transaction.atomic(durable=True):
        person = YoungPerson.objects.select_for_update().get(pk=young_person.pk)
        if is_restricted(person):
            raise ValidationError({"reason": ALREADY_RESTRICTED})
        try:
            with transaction.atomic():
                restriction = YoungPersonRestriction.objects.create(
                    young_person=person, reason=reason, placed_by=actor
                )
        except IntegrityError as error:  # placed meanwhile, past the lock (defensive)
            raise ValidationError({"reason": ALREADY_RESTRICTED}) from error
        _on_each_referral(
            person,
            lambda referral: events.young_person_restricted_event(
                referral=referral, actor=actor, reason=reason
            ),
        )
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=person,
            request=request,
            details={"restriction": restriction.pk, "restricted": True},
        )
    return restriction


def young_person_restriction_lift(
    *, actor: Any, young_person: YoungPerson, reason: str, request: HttpRequest | None = None
) -> YoungPersonRestriction:
    """Lift the standing restriction; the row stays, with who lifted it, when and why."""
    membership = coordinator_membership(actor=actor, area_id=young_person.area_id)
    reason = _reason(reason, required=LIFT_REASON_REQUIRED)
    with transaction.atomic(durable=True):
        person = YoungPerson.objects.select_for_update().get(pk=young_person.pk)
        restriction = (
            YoungPersonRestriction.objects.select_for_update()
            .filter(young_person=person, lifted_at__isnull=True)
            .first()
        )
        if restriction is None:
            raise ValidationError({"reason": NOT_RESTRICTED})
        restriction.lifted_at, restriction.lifted_by = timezone.now(), actor
        restriction.lift_reason = reason
        restriction.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        _on_each_referral(
            person,
            lambda referral: events.young_person_restriction_lifted_event(
                referral=referral, actor=actor, reason=reason
            ),
        )
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=person,
            request=request,
            details={"restriction": restriction.pk, "restricted": False},
        )
    return restriction
