"""Emergency (break-glass) access to an out-of-scope referral: time-limited, flagged,
reviewed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record

from . import events
from .memberships import break_glass_membership, coordinator_membership
from .models import BreakGlassAccess, Referral
from .restriction import RESTRICTED_FROM_BREAK_GLASS, is_restricted
from .selectors import ReferralAccess, referral_access
from .signals import break_glass_opened

# Long enough to say what the emergency is and why the history is needed ("Found at 2am"
# says neither); short enough to type in one.
BREAK_GLASS_MIN_REASON = 20


def break_glass_open(
    *, referral: Referral, actor: Any, reason: str, request: Any = None
) -> BreakGlassAccess:
    """Open an out-of-scope referral in an emergency: time-limited, flagged and reviewed.

    Coordinators and lead professionals may open a referral of their own area; a referral of
    another area only a coordinator may open (a young person found far from home at night),
    and its area's coordinators are told urgently (notifications.producers)."""
    membership = break_glass_membership(user=actor, referral=referral)
    reason = reason.strip()
    if len(reason) < BREAK_GLASS_MIN_REASON:
        raise ValidationError(
            f"Enter the reason for emergency access (at least {BREAK_GLASS_MIN_REASON} characters)."
        )
    if referral.submitted_at is None:
        raise ValidationError("A draft cannot be opened by anyone but the person raising it.")
    if referral_access(user=actor, referral=referral) is ReferralAccess.FULL:
        raise ValidationError("You can already see this referral.")
    if is_restricted(referral.young_person):  # even an emergency does not open it
        raise ValidationError(RESTRICTED_FROM_BREAK_GLASS)
    with transaction.atomic(durable=True):
        access = BreakGlassAccess.objects.create(
            user=actor,
            membership=membership,
            referral=referral,
            reason=reason,
            expires_at=timezone.now() + timedelta(hours=referral.area.break_glass_hours),
        )
        events.break_glass_event(access=access)
        audit_record(
            action=AuditAction.BREAK_GLASS,
            actor=actor,
            membership=membership,
            target=referral,
            area=referral.area,
            request=request,
            reason=reason,
            details={"expires_at": access.expires_at.isoformat()},
        )
        break_glass_opened.send(sender=BreakGlassAccess, access=access)
    return access


def break_glass_review(*, access: BreakGlassAccess, actor: Any, note: str) -> BreakGlassAccess:
    """A coordinator of the referral's area records that they reviewed an emergency access."""
    membership = coordinator_membership(actor=actor, area_id=access.referral.area_id)
    with transaction.atomic(durable=True):
        locked = BreakGlassAccess.objects.select_for_update().get(pk=access.pk)
        if locked.reviewed_at is not None:
            # Someone reviewed it meanwhile: say so rather than drop this reviewer's note.
            raise ValidationError("Another coordinator has already reviewed this access.")
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()
        locked.review_note = note.strip()
        locked.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
        events.break_glass_reviewed_event(access=locked, actor=actor)
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            area=access.referral.area,
            details={"reviewed": True},
        )
    return locked
