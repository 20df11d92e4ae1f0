"""Reads of disruption activity: the log, what a referral is protected by, what is expiring.

Disruption activity is intelligence: only the police leads and coordinators of its area see
it (disruption.selectors). Anyone else finds nothing, and a single activity answers 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db.models import DateField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone

from agencies.models import Membership, Role
from agencies.rules import CASEWORK_ROLES
from referrals.models import OPEN_STATES, Referral

from .models import (
    NODE_FIELDS,
    DisruptionActivity,
    DisruptionStatus,
    DisruptionTactic,
    Link,
    NodeKind,
)
from .selectors import intelligence_area_ids

# Statuses in which an order or notice is still to lapse (the partial index
# `disruption_expiring` covers exactly these).
LIVE_STATUSES = (DisruptionStatus.PLANNED, DisruptionStatus.IN_PROGRESS, DisruptionStatus.DONE)
ENTITY_KINDS = tuple(kind for kind in NodeKind if kind != NodeKind.YOUNG_PERSON)
ENTITY_KIND_CHOICES = [(kind.value, kind.label) for kind in ENTITY_KINDS]


def _activities() -> QuerySet[DisruptionActivity]:
    return DisruptionActivity.objects.select_related(
        "tactic", "target", "owner", "owner_agency", "area"
    )


def tactic_catalogue() -> QuerySet[DisruptionTactic]:
    """The tactics that may be used now, in the catalogue's order."""
    return DisruptionTactic.objects.filter(is_active=True)


def disruption_log(
    *,
    user: Any,
    tactic: str | None = None,
    status: str | None = None,
    target_kind: str | None = None,
    owner: int | None = None,
    since: date | None = None,
    until: date | None = None,
    expiring_within_days: int | None = None,
    referral: str | None = None,
    today: date | None = None,
) -> QuerySet[DisruptionActivity]:
    """Disruption activity of the user's intelligence areas, newest first. `tactic` is a
    code, `owner` a user id; `since` and `until` bound the day of the activity (issued,
    else planned, else the day it was logged); `expiring_within_days` keeps live orders and
    notices that lapse from `today` to that many days on; `referral` (a reference) keeps the
    activity protecting that referral's young person."""
    rows = _activities().filter(area_id__in=intelligence_area_ids(user=user))
    if tactic:
        rows = rows.filter(tactic__code=tactic)
    if status:
        rows = rows.filter(status=status)
    if target_kind:
        rows = rows.filter(target__kind=target_kind)
    if owner:
        rows = rows.filter(owner_id=owner)
    if referral:
        rows = rows.filter(referrals__reference=referral)
    if since or until:
        rows = rows.annotate(
            activity_on=Coalesce("issued_on", "planned_on", TruncDate("created_at"))
        )
        if since:
            rows = rows.filter(activity_on__gte=since)
        if until:
            rows = rows.filter(activity_on__lte=until)
    if expiring_within_days is not None:
        start = today or timezone.localdate()
        rows = rows.filter(
            tactic__expires=True,
            status__in=LIVE_STATUSES,
            expires_on__gte=start,
            expires_on__lte=start + timedelta(days=expiring_within_days),
        )
    return rows.order_by("-created_at", "-id")


def activity_get(*, user: Any, pk: int) -> DisruptionActivity:
    """One activity of the user's intelligence areas; 404 for any other."""
    activity = _activities().filter(area_id__in=intelligence_area_ids(user=user), pk=pk).first()
    if activity is None:
        raise Http404("No disruption activity found")
    return activity


def activities_for_referral(*, user: Any, referral: Referral) -> QuerySet[DisruptionActivity]:
    """The activity that protects the referral's young person; 404 unless the user works the
    intelligence of the referral's area."""
    if referral.area_id not in intelligence_area_ids(user=user):
        raise Http404("No referral found")
    return _activities().filter(referrals=referral).order_by("-created_at", "-id")


def _expiring(area_ids: Iterable[int] | None, today: date) -> QuerySet[DisruptionActivity]:
    # The conditions of the partial index `disruption_expiring`, so the planner may use it.
    rows = _activities().filter(
        tactic__expires=True,
        expires_on__isnull=False,
        status__in=LIVE_STATUSES,
        expires_on__gte=today,
    )
    if area_ids is not None:
        rows = rows.filter(area_id__in=list(area_ids))
    return rows.annotate(
        remind_from=ExpressionWrapper(
            F("expires_on") - F("tactic__remind_days_before"), output_field=DateField()
        )
    )


def activities_expiring(
    *, area_ids: Iterable[int], today: date, within_days: int | None = None
) -> QuerySet[DisruptionActivity]:
    """Live orders and notices of `area_ids` that lapse from `today` (included) to the end of
    their tactic's reminder window (`remind_days_before` days on, included), or to
    `within_days` days on when given; soonest first. Expired, refused and breached ones are
    not listed."""
    rows = _expiring(area_ids, today)
    if within_days is not None:
        rows = rows.filter(expires_on__lte=today + timedelta(days=within_days))
    else:
        rows = rows.filter(Q(remind_from__lte=today))  # an annotation the type stubs cannot see
    return rows.order_by("expires_on", "id")


def activities_due_reminder(*, today: date) -> QuerySet[DisruptionActivity]:
    """What the daily reminder job sends to each activity's owner (every area), two
    reminders per live order or notice:

    - on the day it enters its tactic's reminder window (`expires_on` is
      `remind_days_before` days after `today`), so there is time to apply to renew it or to
      plan what follows;
    - on the day it lapses (`expires_on` is `today`), the last call before it expires.

    Expired, refused and breached activity is never reminded about. A day the job does not run
    sends nothing late: the expiring page lists everything within its window."""
    return (
        _expiring(None, today)
        .filter(Q(remind_from=today) | Q(expires_on=today))
        .order_by("expires_on", "id")
    )


def disruption_owner_memberships(*, area_id: int) -> list[Membership]:
    """Who may own an activity of the area, one membership each (the agency recorded with
    the activity): its police leads, and the working members of partner agencies serving
    it (practitioners, agency safeguarding leads, coordinators, lead professionals).
    A police lead's membership comes first for someone who holds several."""
    memberships = (
        Membership.objects.filter(
            area_id=area_id,
            role__in=CASEWORK_ROLES,
            is_active=True,
            user__is_active=True,
            agency__is_active=True,
            agency__areas=area_id,
        )
        .select_related("user", "agency")
        .order_by("user__last_name", "user__first_name", "user_id", "pk")
    )
    owners: dict[int, Membership] = {}
    for membership in memberships:
        kept = owners.get(membership.user_id)
        if kept is None or (kept.role != Role.POLICE_LEAD and membership.role == Role.POLICE_LEAD):
            owners[membership.user_id] = membership
    return list(owners.values())


def disruption_owner_choices(*, user: Any) -> list[Membership]:
    """Possible owners in every area whose intelligence the user works."""
    return [
        m
        for area_id in sorted(intelligence_area_ids(user=user))
        for m in disruption_owner_memberships(area_id=area_id)
    ]


def linked_entity_nodes(*, referral: Referral) -> set[tuple[NodeKind, int]]:
    """(kind, record id) of each entity linked to the referral's young person: the targets
    the form lists first when disruption is logged from that referral."""
    node = getattr(referral.young_person, "node", None)
    if node is None:
        return set()
    links = Link.objects.filter(Q(a=node) | Q(b=node)).select_related("a", "b")
    linked = set()
    for link in links:
        other = link.b if link.a_id == node.pk else link.a
        if other.kind != NodeKind.YOUNG_PERSON:
            kind = NodeKind(other.kind)
            linked.add((kind, getattr(other, f"{NODE_FIELDS[kind]}_id")))
    return linked


def protectable_referrals(*, user: Any, area_id: int) -> QuerySet[Referral]:
    """Open referrals of the area a disruption activity may protect; 404 unless the user
    works the area's intelligence."""
    if area_id not in intelligence_area_ids(user=user):
        raise Http404("No area found")
    return (
        Referral.objects.filter(area_id=area_id, state__in=OPEN_STATES)
        .select_related("young_person")
        .order_by("-submitted_at", "-id")
    )
