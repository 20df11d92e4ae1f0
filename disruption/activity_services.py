"""Writes of disruption activity: logging a tactic used against a person, place, vehicle or
identifier, and recording what became of it.

Only the area's police leads and coordinators log and change activity. Each write is one
transaction with its audit record, and a timeline event on each referral the activity
protects, so the young person's chronology shows that disruption was done (the tactic and
its status only: the target stays with the area's intelligence).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from agencies.models import Membership
from audit.models import AuditAction
from audit.services import audit_record
from referrals import events
from referrals.catalogues import entry_usable
from referrals.models import OPEN_STATES, STATE_CONFLICT, Referral, YoungPerson

from .activity_selectors import activity_get, disruption_owner_memberships
from .models import (
    DisruptionActivity,
    DisruptionMode,
    DisruptionStatus,
    DisruptionTactic,
    Node,
    NodeKind,
)
from .selectors import intelligence_membership
from .services import node_for

S = DisruptionStatus
# Where an activity may go from each status. Refused, expired and breached are final: a new
# order after a breach is a new activity.
NEXT_STATUSES: dict[str, set[str]] = {
    S.PLANNED: {S.PLANNED, S.IN_PROGRESS, S.DONE, S.REFUSED},
    S.IN_PROGRESS: {S.IN_PROGRESS, S.DONE, S.REFUSED, S.EXPIRED, S.BREACHED},
    S.DONE: {S.DONE, S.EXPIRED, S.BREACHED},
    S.REFUSED: {S.REFUSED},
    S.EXPIRED: {S.EXPIRED},
    S.BREACHED: {S.BREACHED},
}
OUTCOME_NEEDED = {S.DONE, S.REFUSED, S.EXPIRED, S.BREACHED}
# Only an order or notice (a tactic that expires) lapses or is breached.
EXPIRING_ONLY = {S.EXPIRED, S.BREACHED}

# What an update may change. The tactic and target make the activity what it is: a different
# one is a new activity.
UPDATABLE = (
    "mode",
    "referrals",
    "legal_power",
    "owner",
    "status",
    "planned_on",
    "issued_on",
    "served_on",
    "expires_on",
    "breached_on",
    "outcome",
    "court",
    "court_reference",
)
_TEXT_LIMITS = {"legal_power": 300, "court": 200, "court_reference": 60}


def _intelligence_membership(*, actor: Any, area_id: int) -> Membership:
    membership = intelligence_membership(user=actor, area_id=area_id)
    if membership is None:
        raise PermissionDenied(
            "Only the area's police leads and coordinators log and change disruption activity."
        )
    return membership


def _target_node(target: models.Model) -> Node:
    """The node of an entity (made on first use); a young person is never a target."""
    if isinstance(target, Node):
        node = target
    elif isinstance(target, YoungPerson):
        node = Node(kind=NodeKind.YOUNG_PERSON)  # refused below, never saved
    else:
        try:
            node = node_for(target)
        except KeyError:
            raise ValidationError(
                {"target": "Choose a person of concern, location, vehicle or identifier"}
            ) from None
    if node.kind == NodeKind.YOUNG_PERSON:
        raise ValidationError(
            {"target": "Choose a person of concern, location, vehicle or identifier"}
        )
    return node


def _owner_agency(*, owner: Any, area_id: int) -> Any:
    membership = next(
        (m for m in disruption_owner_memberships(area_id=area_id) if m.user_id == owner.pk),
        None,
    )
    if membership is None:
        raise ValidationError(
            {"owner": "Choose a police lead, or someone of a partner agency in this area"}
        )
    return membership.agency


def _check_referrals(referrals: Iterable[Referral], *, area_id: int) -> list[Referral]:
    chosen = list({r.pk: r for r in referrals}.values())
    for referral in chosen:
        if referral.area_id != area_id:
            raise ValidationError(
                {"referrals": f"Referral {referral.reference} is not of this area"}
            )
        if referral.state not in OPEN_STATES:
            message = f"Referral {referral.reference} is not open: choose an open one"
            raise ValidationError({"referrals": ValidationError(message, code=STATE_CONFLICT)})
    return chosen


_DATES = ("planned_on", "issued_on", "served_on", "expires_on", "breached_on")


def _dates_out_of_range(activity: DisruptionActivity) -> dict[str, str]:
    """Each date outside the range its model field allows, by name."""
    try:
        activity.clean_fields(
            exclude=[f.name for f in DisruptionActivity._meta.fields if f.name not in _DATES]
        )
    except ValidationError as exc:
        return {name: messages[0] for name, messages in exc.message_dict.items()}
    return {}


def _apply_rules(activity: DisruptionActivity, tactic: DisruptionTactic, today: date) -> None:
    """Defaults and checks that hold after any write: legal power, expiry, dates, status."""
    errors = _dates_out_of_range(activity)
    if activity.mode not in DisruptionMode.values:
        errors["mode"] = "Choose direct, indirect or locational"
    if activity.status not in DisruptionStatus.values:
        errors["status"] = "Choose the activity's status"
    if not activity.legal_power.strip():
        activity.legal_power = tactic.legal_power
    for name, limit in _TEXT_LIMITS.items():
        value = getattr(activity, name).strip()
        setattr(activity, name, value)
        if len(value) > limit:
            errors[name] = f"Enter at most {limit} characters"
    activity.outcome = activity.outcome.strip()

    if tactic.expires:
        if activity.issued_on and activity.expires_on is None:
            if tactic.default_duration_days:
                activity.expires_on = activity.issued_on + timedelta(
                    days=tactic.default_duration_days
                )
            else:
                errors["expires_on"] = "Enter when it expires"
    elif activity.expires_on is not None:
        errors["expires_on"] = f"A {tactic.label.lower()} does not expire: leave this empty"

    for name in ("issued_on", "served_on", "breached_on"):
        value = getattr(activity, name)
        if value is not None and value > today:
            errors.setdefault(name, "The date must be today or in the past")
    issued = activity.issued_on
    if activity.expires_on and issued and activity.expires_on < issued:
        errors.setdefault("expires_on", "The expiry date must be on or after the date issued")
    if activity.served_on and issued and activity.served_on < issued:
        errors.setdefault("served_on", "The date served must be on or after the date issued")
    if activity.served_on and not issued:
        errors.setdefault("issued_on", "Enter when it was issued, before it was served")

    status = activity.status
    if status in OUTCOME_NEEDED and not activity.outcome:
        errors["outcome"] = "Enter the outcome"
    if status in EXPIRING_ONLY and not tactic.expires:
        errors.setdefault(
            "status", f"A {tactic.label.lower()} does not expire and cannot be breached"
        )
    if tactic.expires and status in {S.DONE, *EXPIRING_ONLY} and not issued:
        errors.setdefault("issued_on", "Enter when it was issued")
    if status == S.EXPIRED and activity.expires_on and activity.expires_on > today:
        errors.setdefault("status", "It has not expired yet: its expiry date is still to come")
    if status == S.BREACHED:
        if activity.breached_on is None:
            errors.setdefault("breached_on", "Enter when it was breached")
        elif issued and activity.breached_on < issued:
            errors.setdefault("breached_on", "The breach must be on or after the date issued")
    elif activity.breached_on is not None:
        errors.setdefault("breached_on", "Only a breached order or notice has a breach date")
    if errors:
        raise ValidationError(errors)


def _recorded(
    activity: DisruptionActivity,
    *,
    actor: Any,
    membership: Membership,
    action: AuditAction,
    request: Any,
    changed: list[str] | None = None,
) -> None:
    details: dict[str, Any] = {
        "tactic": activity.tactic.code,
        "status": activity.status,
        "referrals": sorted(r.reference for r in activity.referrals.all()),
    }
    if changed is not None:
        details["changed"] = sorted(changed)
    audit_record(
        action=action,
        actor=actor,
        membership=membership,
        target=activity,
        area=activity.area,
        request=request,
        details=details,
    )


def disruption_activity_add(
    *,
    actor: Any,
    target: models.Model,
    tactic: DisruptionTactic,
    mode: str,
    owner: Any,
    status: str = DisruptionStatus.PLANNED,
    referrals: Iterable[Referral] = (),
    legal_power: str = "",
    planned_on: date | None = None,
    issued_on: date | None = None,
    served_on: date | None = None,
    expires_on: date | None = None,
    breached_on: date | None = None,
    outcome: str = "",
    court: str = "",
    court_reference: str = "",
    request: Any = None,
) -> DisruptionActivity:
    """Log a tactic used (or planned) against an entity of the actor's area: a node, or a
    person of concern, location, vehicle or identifier (its node is made on first use)."""
    area_id = getattr(target, "area_id", None)
    if not isinstance(area_id, int):
        raise ValidationError({"target": "Choose a person of concern, location or vehicle"})
    membership = _intelligence_membership(actor=actor, area_id=area_id)
    if not entry_usable(tactic, area_id=area_id):
        raise ValidationError({"tactic": "Choose a tactic from the catalogue"})
    today = timezone.localdate()
    activity = DisruptionActivity(
        area_id=area_id,
        tactic=tactic,
        mode=mode,
        legal_power=legal_power,
        owner=owner,
        owner_agency=_owner_agency(owner=owner, area_id=area_id),
        status=status,
        planned_on=planned_on,
        issued_on=issued_on,
        served_on=served_on,
        expires_on=expires_on,
        breached_on=breached_on,
        outcome=outcome,
        court=court,
        court_reference=court_reference,
        created_by=actor,
    )
    _apply_rules(activity, tactic, today)
    chosen = _check_referrals(referrals, area_id=area_id)
    with transaction.atomic():  # not durable: an API retry record commits with it
        activity.target = _target_node(target)
        # Locked, so a referral cannot close between the check and the event on its timeline.
        locked = list(Referral.objects.select_for_update().filter(pk__in=[r.pk for r in chosen]))
        _check_referrals(locked, area_id=area_id)
        activity.save()
        activity.referrals.set(locked)
        for referral in locked:
            events.disruption_logged_event(
                referral=referral,
                actor=actor,
                activity_id=activity.pk,
                tactic=tactic.label,
                status=activity.status,
            )
        _recorded(
            activity,
            actor=actor,
            membership=membership,
            action=AuditAction.CREATE,
            request=request,
        )
    return activity


def disruption_activity_update(
    *, activity: DisruptionActivity, actor: Any, request: Any = None, **changes: Any
) -> DisruptionActivity:
    """Change what `changes` names (any of UPDATABLE): the status, with the outcome it
    needs, dates, court, owner, the referrals it protects. A change of status puts a timeline
    event on each referral it protects; a referral newly named gets a "logged" event."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValueError(f"not part of a disruption activity's update: {sorted(unknown)}")
    membership = _intelligence_membership(actor=actor, area_id=activity.area_id)
    today = timezone.localdate()
    with transaction.atomic(durable=True):
        locked = (
            DisruptionActivity.objects.select_for_update()
            .select_related("tactic", "area")
            .get(pk=activity.pk)
        )
        previous_status = locked.status
        before = {name: getattr(locked, name) for name in UPDATABLE if name != "referrals"}
        current = {r.pk: r for r in locked.referrals.all()}
        for name, value in changes.items():
            if name == "owner":
                # The owner is checked when they change: one who has since left the area
                # stays named on what they owned until someone else takes it on.
                if value.pk != locked.owner_id:
                    locked.owner = value
                    locked.owner_agency = _owner_agency(owner=value, area_id=locked.area_id)
            elif name != "referrals":
                setattr(locked, name, value)
        status = locked.status
        if status != previous_status and status not in NEXT_STATUSES.get(previous_status, ()):
            raise ValidationError(
                {
                    "status": f"A {S(previous_status).label.lower()} activity cannot become "
                    f"{S(status).label.lower()}"
                    if status in S.values
                    else "Choose the activity's status"
                }
            )
        _apply_rules(locked, locked.tactic, today)
        protected = list(current.values())
        added: list[Referral] = []
        if "referrals" in changes:
            wanted = {r.pk: r for r in changes["referrals"]}
            added = _check_referrals(
                Referral.objects.select_for_update().filter(
                    pk__in=[pk for pk in wanted if pk not in current]
                ),
                area_id=locked.area_id,
            )
            # One protected already may have closed since: it stays named unless taken off.
            protected = [r for pk, r in current.items() if pk in wanted]
            locked.referrals.set([*protected, *added])
        changed = [n for n, v in before.items() if getattr(locked, n) != v]
        if "referrals" in changes and (added or len(protected) != len(current)):
            changed.append("referrals")
        locked.save()
        # The young person's chronology follows the activity's course, not every edit.
        for referral in protected if status != previous_status else ():
            events.disruption_updated_event(
                referral=referral,
                actor=actor,
                activity_id=locked.pk,
                tactic=locked.tactic.label,
                status=locked.status,
                previous_status=previous_status,
            )
        for referral in added:
            events.disruption_logged_event(
                referral=referral,
                actor=actor,
                activity_id=locked.pk,
                tactic=locked.tactic.label,
                status=locked.status,
            )
        _recorded(
            locked,
            actor=actor,
            membership=membership,
            action=AuditAction.CHANGE,
            request=request,
            changed=changed,
        )
    return locked


def disruption_activity_open(*, actor: Any, pk: int, request: Any = None) -> DisruptionActivity:
    """Read one activity for `actor` and record that they saw it, in one transaction.
    Out of scope answers 404 (raised by the selector) and records nothing."""
    with transaction.atomic():
        activity = activity_get(user=actor, pk=pk)
        audit_record(
            action=AuditAction.VIEW,
            actor=actor,
            membership=intelligence_membership(user=actor, area_id=activity.area_id),
            target=activity,
            area=activity.area,
            request=request,
        )
    return activity
