"""Handing a protective action to another owner: one of the people who may own actions on the
referral (`action_owners`), told at once; the timeline keeps who owned it before."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from agencies.models import User
from audit.models import AuditAction

from . import events
from .casework import casework_recorded, open_for_casework
from .memberships import caseworker_membership
from .models import ActionStatus, ProtectiveAction
from .selectors import action_owners
from .signals import action_owner_changed
from .workflow import lock_referral

OWNER_INVALID = "Choose someone from an agency in this area"
OWNER_UNCHANGED = "Choose someone other than the current owner"
NOT_OPEN = "Only an open action can be given to someone else: reopen it first"


def action_owner_change(*, action: ProtectiveAction, actor: User, owner: User) -> ProtectiveAction:
    """Give an open action to `owner` (with the agency they own actions for on this referral).
    Anyone who works the case may; the new owner is told."""
    referral = action.referral
    membership = caseworker_membership(actor=actor, referral=referral)
    owner_membership = next(
        (m for m in action_owners(referral=referral) if m.user_id == owner.pk), None
    )
    if owner_membership is None or owner_membership.agency is None:
        raise ValidationError({"owner": OWNER_INVALID})
    with transaction.atomic(durable=True):
        open_for_casework(lock_referral(referral.pk))
        locked = (
            ProtectiveAction.objects.select_for_update()
            .select_related("referral", "action_type")
            .get(pk=action.pk)
        )
        if locked.status != ActionStatus.OPEN:
            raise ValidationError({"owner": NOT_OPEN})
        if locked.owner_id == owner.pk:
            raise ValidationError({"owner": OWNER_UNCHANGED})
        previous_owner_id, previous_agency_id = locked.owner_id, locked.owner_agency_id
        locked.owner, locked.owner_agency = owner, owner_membership.agency
        locked.save(update_fields=["owner", "owner_agency"])
        event = events.action_owner_changed_event(
            action=locked,
            actor=actor,
            previous_owner_id=previous_owner_id,
            previous_agency_id=previous_agency_id,
        )
        casework_recorded(event, membership=membership, target=locked, action=AuditAction.CHANGE)
        action_owner_changed.send(
            sender=ProtectiveAction,
            action=locked,
            actor=actor,
            previous_owner_id=previous_owner_id,
            event=event,
        )
    return locked
