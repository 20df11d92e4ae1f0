"""Writes of records management: an area's schedule, the decision on a review (keep longer,
or approve and erase), legal holds placed and released. Each is one transaction with its
audit record; erasure's file removals wait for the commit (records.erasure)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.dates import EXPIRY_DATE, check_dates
from agencies.models import Area, Membership, Role
from agencies.selectors import membership_in
from audit.history import history_context
from audit.models import AuditAction
from audit.selectors import audit_events_for_object
from audit.services import audit_details_erase, audit_record

from .erasure import erase
from .models import (
    ASKABLE_KINDS,
    DAY_TRIGGERS,
    FIXED_KINDS,
    KIND_ERASURES,
    KIND_TRIGGERS,
    REASON_CAP,
    HoldScope,
    LegalHold,
    RecordKind,
    RetentionAction,
    RetentionReview,
    RetentionRule,
    ReviewStatus,
    Tombstone,
    TriggerKind,
)
from .review_job import in_use, still_due
from .selectors import HOLD_KEEPERS, SCHEDULE_KEEPERS, held_in, hold_target, reviewer_roles

AGE_RANGE = (18, 100)
YEARS_RANGE = (1, 100)
DAYS_RANGE = (1, 3650)
REASON_MIN = 10
IN_USE = (
    "This young person has an open referral: the record is in use and is not erased while "
    "it is. Close the referral first, or keep the record."
)


def _membership(*, actor: Any, area: Area, roles: tuple[Role, ...], doing: str) -> Membership:
    membership = membership_in(user=actor, area_id=area.pk, roles=roles)
    if membership is None:
        names = " or ".join(str(Role(r).label).lower() for r in roles)
        raise PermissionDenied(f"Only the area's {names} may {doing}.")
    return membership


def _reason(text: str, field: str = "reason") -> str:
    text = text.strip()
    if len(text) < REASON_MIN:
        raise ValidationError({field: f"Give a reason of at least {REASON_MIN} characters"})
    if len(text) > REASON_CAP:
        raise ValidationError({field: f"Give a reason of {REASON_CAP} characters or fewer"})
    return text


def _in_range(value: int | None, bounds: tuple[int, int], field: str, unit: str) -> int:
    low, high = bounds
    if value is None or not low <= value <= high:
        raise ValidationError({field: f"Enter a number of {unit} from {low} to {high}"})
    return value


def rule_set(
    *,
    actor: Any,
    area: Area,
    kind: str,
    trigger: str,
    number: int | None,
    action: str,
    justification: str,
) -> RetentionRule:
    """Set the area's own rule for one kind of record. For the age trigger `number` is the
    area's retention age (its `retention_review_age_years` setting, which only this writes);
    for a day trigger the days, otherwise the years after the event. The fixed kinds (notes
    and documents that go with the young person's record, the audit trail) are refused."""
    membership = _membership(
        actor=actor, area=area, roles=SCHEDULE_KEEPERS, doing="change the retention schedule"
    )
    kind = RecordKind(kind)
    if kind in FIXED_KINDS:
        raise ValidationError(
            {
                "kind": "This kind of record follows the young person's record or is kept: "
                "an area does not set its own rule for it"
            }
        )
    if trigger not in KIND_TRIGGERS[kind]:
        raise ValidationError({"trigger": "Choose when this kind of record is reviewed"})
    if action != RetentionAction.REVIEW and action not in KIND_ERASURES[kind]:
        raise ValidationError({"action": "This kind of record cannot be erased that way"})
    justification = _reason(justification, "justification")
    is_age, in_days = trigger == TriggerKind.AGE, trigger in DAY_TRIGGERS
    if in_days:
        number = _in_range(number, DAYS_RANGE, "number", "days")
    else:
        number = _in_range(number, AGE_RANGE if is_age else YEARS_RANGE, "number", "years")
    with history_context(actor), transaction.atomic(durable=True):
        rule, _ = RetentionRule.objects.update_or_create(
            area=area,
            kind=kind,
            defaults={
                "trigger": trigger,
                "years": None if is_age or in_days else number,
                "days": number if in_days else None,
                "action": action,
                "justification": justification,
                "changed_by": actor,
            },
        )
        if is_age:
            Area.objects.filter(pk=area.pk).update(retention_review_age_years=number)
            area.refresh_from_db(fields=["retention_review_age_years"])
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=rule,
            area=area,
            reason=justification,
            details={"kind": kind, "trigger": trigger, "number": number, "action": action},
        )
    return rule


# Reviews.


def _locked_review(
    *, actor: Any, review: RetentionReview, doing: str
) -> tuple[RetentionReview, Membership]:
    """The review, locked and still open, with the reviewer's membership; refused when the
    record is held (a hold may have come since the page was read)."""
    locked = RetentionReview.objects.select_for_update().select_related("area").get(pk=review.pk)
    membership = _membership(
        actor=actor, area=locked.area, roles=reviewer_roles(locked.kind), doing=doing
    )
    if locked.status != ReviewStatus.OPEN:
        raise ValidationError("This review has been decided already.")
    if held_in(area_id=locked.area_id).holds(locked.kind, locked.record_id):
        raise ValidationError("This record is under a legal hold: it cannot be erased.")
    return locked, membership


def review_extend(
    *, actor: Any, review: RetentionReview, reason: str, keep_until: date
) -> RetentionReview:
    """Keep the record longer: it is listed again on `keep_until`."""
    reason = _reason(reason)
    check_dates(keep_until=(keep_until, EXPIRY_DATE))
    if keep_until <= timezone.localdate():
        raise ValidationError({"keep_until": "The date to keep it until must be in the future"})
    with transaction.atomic(durable=True):
        locked, membership = _locked_review(actor=actor, review=review, doing="review this record")
        locked.status, locked.reason, locked.keep_until = ReviewStatus.EXTENDED, reason, keep_until
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save(update_fields=["status", "reason", "keep_until", "decided_by", "decided_at"])
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            area=locked.area,
            reason=reason,
            details={"retention_review": "kept longer", "keep_until": keep_until.isoformat()},
        )
    return locked


def review_ask(
    *, actor: Any, area: Area, kind: str, record_id: int, reason: str
) -> RetentionReview:
    """List one record for review now, before its trigger, on a request to erase it (UK GDPR
    Article 17), for its reviewers to decide as any other: approve (erasure) or keep it, with
    a reason. Refused for a held record, one listed already, and a young person whose record
    is in use (an open referral). A record of another area answers 404."""
    kind = RecordKind(kind)
    if kind not in ASKABLE_KINDS:
        raise ValidationError({"kind": "Erasure is asked for a young person or intelligence"})
    membership = _membership(
        actor=actor, area=area, roles=reviewer_roles(kind), doing="list a record for erasure"
    )
    reason = _reason(reason)
    record = hold_target(area=area, scope=kind, record_id=record_id)
    with transaction.atomic():  # not durable: an API retry record commits with it
        if held_in(area_id=area.pk).holds(kind, record.pk):
            raise ValidationError("This record is under a legal hold: it cannot be erased.")
        if in_use(kind=kind, record_id=record.pk):
            raise ValidationError(IN_USE)
        if RetentionReview.objects.filter(
            area=area, kind=kind, record_id=record.pk, status=ReviewStatus.OPEN
        ).exists():
            raise ValidationError("This record is listed for review already.")
        review = RetentionReview.objects.create(
            area=area,
            kind=kind,
            record_id=record.pk,
            due_on=timezone.localdate(),
            asked_by=actor,
            asked_reason=reason,
        )
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            membership=membership,
            target=review,
            area=area,
            reason=reason,
            details={"retention_review": "asked for", "kind": kind, "record": record.pk},
        )
    return review


def approval_actions(review: RetentionReview, rule_action: str) -> list[str]:
    """What approving may do: the rule's action, or when it says review, any erasure the
    kind allows."""
    if rule_action == RetentionAction.REVIEW:
        return sorted(KIND_ERASURES[review.kind])
    return [rule_action]


def review_check(*, actor: Any, review: RetentionReview, action: str, rule_action: str) -> None:
    """Refuse, before the check-answers page, an approval that would be refused on confirm."""
    if action not in approval_actions(review, rule_action):
        raise ValidationError({"action": "Choose what happens to the record"})
    _membership(actor=actor, area=review.area, roles=reviewer_roles(review.kind), doing="approve")


def review_approve(
    *, actor: Any, review: RetentionReview, action: str, rule_action: str
) -> Tombstone:
    """Approve the review and erase the record, in one transaction: the erasure, the review
    decided, the tombstone and the audit record commit together or not at all."""
    review_check(actor=actor, review=review, action=action, rule_action=rule_action)
    with history_context(actor), transaction.atomic(durable=True):
        locked, membership = _locked_review(actor=actor, review=review, doing="approve erasure")
        if locked.asked_by_id is not None:
            if in_use(kind=locked.kind, record_id=locked.record_id):
                raise ValidationError(IN_USE)
        elif not still_due(area=locked.area, kind=locked.kind, record_id=locked.record_id):
            raise ValidationError(
                "Since it was listed, this record's review has been put off (a referral "
                "reopened, a link added or the schedule changed): keep it instead."
            )
        counts = erase(
            area=locked.area, kind=locked.kind, action=action, record_id=locked.record_id
        )
        locked.status, locked.action = ReviewStatus.ERASED, action
        locked.decided_by, locked.decided_at = actor, timezone.now()
        # Why erasure was asked for speaks of the person: it goes with their record.
        locked.asked_reason = ""
        audit_details_erase(events=audit_events_for_object(target=locked))
        locked.save(update_fields=["status", "action", "decided_by", "decided_at", "asked_reason"])
        tombstone = Tombstone.objects.create(
            area=locked.area,
            kind=locked.kind,
            record_id=locked.record_id,
            action=action,
            review=locked,
            approved_by=actor,
            counts=counts,
        )
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=tombstone,
            area=locked.area,
            details={"erased": locked.kind, "how": action, "rows": counts},
        )
    return tombstone


# Legal holds.


def hold_place(
    *,
    actor: Any,
    area: Area,
    scope: str,
    record_id: int | None,
    reason: str,
    ends_on: date | None,
) -> LegalHold:
    """Hold a record (or the whole area) from review and erasure, from now until released
    or past `ends_on`. A record of another area answers 404 (records.selectors.hold_target)."""
    membership = _membership(actor=actor, area=area, roles=HOLD_KEEPERS, doing="place a legal hold")
    scope = HoldScope(scope)
    reason = _reason(reason)
    if ends_on is not None:
        check_dates(ends_on=(ends_on, EXPIRY_DATE))
        if ends_on < timezone.localdate():
            raise ValidationError({"ends_on": "The end of the hold must be today or later"})
    target = hold_target(area=area, scope=scope, record_id=record_id)
    with transaction.atomic():  # not durable: an API retry record commits with it
        hold = LegalHold.objects.create(
            area=area,
            scope=scope,
            record_id=None if scope == HoldScope.AREA else target.pk,
            reason=reason,
            ends_on=ends_on,
            placed_by=actor,
        )
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            membership=membership,
            target=hold,
            area=area,
            reason=reason,
            details={"legal_hold": scope, "ends_on": ends_on.isoformat() if ends_on else None},
        )
    return hold


def hold_release(*, actor: Any, hold: LegalHold, reason: str) -> LegalHold:
    """Release a hold: only someone who may place one in its area."""
    reason = _reason(reason)
    with transaction.atomic(durable=True):
        locked = LegalHold.objects.select_for_update().select_related("area").get(pk=hold.pk)
        membership = _membership(
            actor=actor, area=locked.area, roles=HOLD_KEEPERS, doing="release a legal hold"
        )
        if locked.released_at is not None:
            raise ValidationError("This hold has been released already.")
        locked.released_by, locked.released_at = actor, timezone.now()
        locked.release_reason = reason
        locked.save(update_fields=["released_by", "released_at", "release_reason"])
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            area=locked.area,
            reason=reason,
            details={"legal_hold": "released"},
        )
    return locked
