"""Concerns as drafts: raised through an agency membership, written by their author until
submitted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import Membership
from audit.models import AuditAction
from audit.services import audit_record

from . import events
from .catalogues import screening_tool_for
from .identity import apply_young_person
from .memberships import raising_membership
from .models import Referral, ReferralState, ScreeningIndicator, YoungPerson
from .references import next_referral_reference
from .selectors import granting_membership
from .workflow import TransitionConflict, lock_referral

# What the person raising a concern may write while it is a draft (the form's pages, the API).
CONCERN_FIELDS = (
    "narrative",
    "concern_date",
    "exploitation_type",
    "exploitation_models",
    "places_mentioned",
    "people_mentioned",
    "vehicles_mentioned",
    "immediate_danger",
    "lawful_basis",
    "consent",
    "consent_details",
    "contact_phone",
    "contact_email",
    "screening_indicators",
)


def _apply_concern(referral: Referral, concern: Mapping[str, Any]) -> list[ScreeningIndicator]:
    """Set the concern's fields on `referral` and check them; the indicators chosen are
    returned for the caller to save (a many-to-many needs the row saved first)."""
    unknown = set(concern) - set(CONCERN_FIELDS)
    if unknown:
        raise ValueError(f"not part of a concern: {sorted(unknown)}")
    for name, value in concern.items():
        if name != "screening_indicators":
            setattr(referral, name, value)
    simple = [name for name in CONCERN_FIELDS if name != "screening_indicators"]
    referral.clean_fields(exclude=[f.name for f in Referral._meta.fields if f.name not in simple])
    if referral.concern_date and referral.concern_date > timezone.localdate():
        raise ValidationError({"concern_date": "The date must be today or in the past"})
    # The kind of exploitation picks the tool, until the concern is sent (it then keeps it).
    referral.screening_tool = screening_tool_for(
        area=referral.area, exploitation_type=referral.exploitation_type
    )
    return _indicators(referral, concern.get("screening_indicators"))


def _indicators(referral: Referral, codes: Sequence[str] | None) -> list[ScreeningIndicator]:
    tool = referral.screening_tool
    if codes is None:
        # Those chosen already, as far as the tool (perhaps another now) has them.
        if not referral.pk:
            return []
        codes = [indicator.code for indicator in referral.screening_indicators.all()]
        return list(ScreeningIndicator.objects.filter(tool=tool, code__in=codes))
    chosen = list(ScreeningIndicator.objects.filter(tool=tool, code__in=codes))
    if len(chosen) != len(set(codes)):
        raise ValidationError({"screening_indicators": "Choose indicators from the list"})
    return chosen


def referral_create_draft(
    *, actor: Any, membership: Membership, young_person: YoungPerson, **concern: Any
) -> Referral:
    """Start a concern as a draft, through one of the actor's agency memberships.

    `concern` holds any of CONCERN_FIELDS; the rest can follow (referral_update_draft)."""
    membership = raising_membership(actor=actor, membership=membership)
    with transaction.atomic(durable=True):
        return _create_draft(
            actor=actor, membership=membership, young_person=young_person, concern=concern
        )


def _create_draft(
    *, actor: Any, membership: Membership, young_person: YoungPerson, concern: Mapping[str, Any]
) -> Referral:
    area = membership.area
    if area is None or young_person.area_id != area.pk:
        raise ValueError("the young person must belong to the membership's area")
    referral = Referral(
        area=area,
        young_person=young_person,
        raised_by=actor,
        raised_by_agency_id=membership.agency_id,
    )
    indicators = _apply_concern(referral, concern)
    referral.reference = next_referral_reference()
    referral.save()
    referral.screening_indicators.set(indicators)
    events.referral_raised_event(referral=referral, actor=actor)
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        membership=membership,
        target=referral,
        area=referral.area,
    )
    return referral


def concern_raise(
    *,
    actor: Any,
    membership: Membership | None,
    young_person: Mapping[str, Any],
    concern: Mapping[str, Any],
    request: Any = None,
) -> Referral:
    """Raise a concern as a draft about a young person recorded afresh (their name, at least):
    the record and the draft are saved together or not at all, so no young person is left
    without the concern that named them. At triage the coordinator links the record to an
    existing one when the young person is already known (young_person_link).

    `young_person` holds any of YOUNG_PERSON_FIELDS, `concern` any of CONCERN_FIELDS."""
    membership = raising_membership(actor=actor, membership=membership)
    person = YoungPerson(area=membership.area)
    apply_young_person(person, {"given_name": "", "family_name": "", **young_person})
    with transaction.atomic():  # not durable: an API retry record commits with it
        person.save()
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            membership=membership,
            target=person,
            area=membership.area,
            request=request,
        )
        return _create_draft(
            actor=actor, membership=membership, young_person=person, concern=concern
        )


def young_person_update_draft(
    *, young_person: YoungPerson, actor: Any, changes: Mapping[str, Any], request: Any = None
) -> YoungPerson:
    """Change a young person's details while the concern about them is still a draft.

    Only while their one referral is the actor's own draft: once anyone else may see the
    record, a change is a correction with a reason (not this). PermissionDenied otherwise;
    ValidationError names the field at fault, and nothing is saved."""
    with transaction.atomic(durable=True):
        locked = YoungPerson.objects.select_for_update().get(pk=young_person.pk)
        referrals = list(Referral.objects.select_for_update().filter(young_person=locked))
        if not (
            len(referrals) == 1
            and referrals[0].raised_by_id == actor.pk
            and referrals[0].state == ReferralState.DRAFT
        ):
            raise PermissionDenied(
                "Only the person raising a concern may change the young person's details, "
                "and only while it is a draft."
            )
        apply_young_person(locked, changes)
        locked.save()
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=granting_membership(user=actor, referral=referrals[0]),
            target=locked,
            area=locked.area,
            request=request,
            details={"fields": sorted(changes)},
        )
    return locked


def referral_update_draft(
    *, referral: Referral, actor: Any, concern: Mapping[str, Any], request: Any = None
) -> Referral:
    """Save more of a draft. Only its author may, and only while it is a draft: once
    submitted (perhaps from another tab) this raises TransitionConflict and saves nothing."""
    with transaction.atomic(durable=True):
        locked = lock_referral(referral.pk)
        if locked.raised_by_id != actor.pk:
            raise PermissionDenied("Only the person raising a concern may change the draft.")
        if locked.state != ReferralState.DRAFT:
            raise TransitionConflict(locked.state)
        indicators = _apply_concern(locked, concern)
        locked.save()
        locked.screening_indicators.set(indicators)
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=granting_membership(user=actor, referral=locked),
            target=locked,
            request=request,
            details={"fields": sorted(concern)},
        )
    return locked
