"""The young person's identity: their details, corrected with a reason, linked to a known
record or confirmed as new at triage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record

from . import events
from .memberships import caseworker_membership, coordinator_membership
from .models import Referral, YoungPerson
from .selectors import has_other_referrals, open_referral_of
from .validators import normalise_nhs_number
from .workflow import lock_referral, referral_step_on_locked

# The young person's details: written while the concern is a draft, corrected afterwards.
YOUNG_PERSON_FIELDS = (
    "given_name",
    "family_name",
    "aliases",
    "date_of_birth",
    "estimated_age",
    "sex",
    "gender",
    "ethnicity",
    "nhs_number",
    "address",
    "postcode",
    "school",
    "looked_after",
    "placement",
    "send",
    "languages",
    "phone_numbers",
    "online_handles",
)


def normalise_postcode(value: str) -> str:
    """Postcodes are typed in any case and spacing; store them as SW1A 1AA."""
    compact = "".join(value.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def apply_young_person(person: YoungPerson, changes: Mapping[str, Any]) -> None:
    """Set and check the young person's details (nothing is saved here)."""
    unknown = set(changes) - set(YOUNG_PERSON_FIELDS)
    if unknown:
        raise ValueError(f"not a young person's detail: {sorted(unknown)}")
    normalise = {"nhs_number": normalise_nhs_number, "postcode": normalise_postcode}
    for name, value in changes.items():
        setattr(person, name, normalise[name](value) if name in normalise else value)
    blank_names = {
        name: message
        for name, message in (
            ("given_name", "Enter their first name"),
            ("family_name", "Enter their last name"),
        )
        if name in changes and not str(changes[name] or "").strip()
    }
    if blank_names:
        raise ValidationError(blank_names)
    person.clean_fields(exclude=[f.name for f in YoungPerson._meta.fields if f.name not in changes])
    if person.date_of_birth and person.date_of_birth > timezone.localdate():
        raise ValidationError({"date_of_birth": "Date of birth must be today or in the past"})


# The details a correction may change: who the young person is and where to find them.
CORRECTION_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "estimated_age",
    "nhs_number",
    "address",
    "postcode",
    "school",
    "placement",
)


def young_person_correct(
    *, referral: Referral, actor: Any, changes: Mapping[str, Any], reason: str
) -> YoungPerson:
    """Correct the young person's details from their referral. The old values stay in the
    field history (pghistory) and the audit record carries the reason."""
    membership = caseworker_membership(actor=actor, referral=referral)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the details are being corrected"})
    with transaction.atomic(durable=True):
        person = YoungPerson.objects.select_for_update().get(pk=referral.young_person_id)
        changed = [name for name, value in changes.items() if getattr(person, name) != value]
        apply_young_person(person, {name: changes[name] for name in changed})
        if changed:
            person.save(update_fields=changed)
        events.young_person_corrected_event(referral=referral, actor=actor, fields=changed)
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=person,
            area=referral.area,
            reason=reason.strip(),
            details={"fields": sorted(changed), "referral": referral.reference},
        )
    return person


ESTABLISHED = "This record has other referrals too: merge the two records instead"


def young_person_link(*, referral: Referral, actor: Any, existing: YoungPerson) -> Referral:
    """The coordinator finds the referral's young person is already known: point the referral
    at the existing record and mark the new one as its duplicate. When that person already has
    an open referral, this one is merged into it (the merge step) rather than run twice."""
    membership = coordinator_membership(actor=actor, area_id=referral.area_id)
    if existing.area_id != referral.area_id or existing.pk == referral.young_person_id:
        raise ValidationError({"existing": "Choose another record in this area"})
    if existing.merged_into_id is not None:
        raise ValidationError({"existing": "That record is itself a duplicate"})
    with transaction.atomic(durable=True):
        locked = lock_referral(referral.pk)
        duplicate = YoungPerson.objects.select_for_update().get(pk=locked.young_person_id)
        if has_other_referrals(young_person=duplicate, besides=locked):
            raise ValidationError({"existing": ESTABLISHED})
        duplicate.merged_into = existing
        duplicate.save(update_fields=["merged_into"])
        locked.young_person = existing
        locked.save(update_fields=["young_person"])
        events.young_person_linked_event(referral=locked, duplicate=duplicate, actor=actor)
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            details={"young_person_id": existing.pk, "duplicate_id": duplicate.pk},
        )
        already_open = open_referral_of(young_person=existing, besides=locked)
        if already_open is not None:
            # One open referral per young person: the new concern joins the open one.
            reason = f"Same young person as {already_open.reference}, which is open."
            referral_step_on_locked(
                locked,
                actor=actor,
                name="merge",
                inputs={"into": already_open.reference, "reason": reason},
            )
    return locked


def young_person_confirm_new(*, referral: Referral, actor: Any) -> YoungPerson:
    """The coordinator checked the possible matches: this is a young person new to the area."""
    membership = coordinator_membership(actor=actor, area_id=referral.area_id)
    with transaction.atomic(durable=True):
        person = YoungPerson.objects.select_for_update().get(pk=referral.young_person_id)
        person.identity_confirmed_at = timezone.now()
        person.save(update_fields=["identity_confirmed_at"])
        events.young_person_confirmed_event(referral=referral, actor=actor)
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=person,
            area=referral.area,
            details={"identity_confirmed": True},
        )
    return person
