"""Reads: a person's own notifications and email preferences; for an area administrator, the
emails to people in the area that could not be delivered; for the timers, what falls due and
who may hear."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from agencies.models import Area, Membership, Role
from agencies.selectors import AREA_OVERSIGHT_ROLES
from referrals.models import (
    OPEN_STATES,
    QUEUE_STATES,
    ActionStatus,
    InformationRequest,
    InformationRequestStatus,
    MissingEpisode,
    ProtectiveAction,
    Referral,
    ReferralAssignment,
    ReturnInterview,
)

from .models import (
    ALWAYS_URGENT,
    Delivery,
    EmailStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)

# A notification is numbered when its row is inserted but becomes visible when its transaction
# commits, so one numbered below the newest a page has seen can still arrive later. Catch-up
# therefore also looks back this far and leaves out what the page says it already has.
CATCH_UP_MARGIN = timedelta(minutes=2)
CATCH_UP_LIMIT = 100


def notifications_for(
    *, user: Any, unread_only: bool = False, kind: str = ""
) -> QuerySet[Notification]:
    """The user's notifications, unread first, newest first within each."""
    mine = Notification.objects.filter(recipient=user)
    if unread_only:
        mine = mine.filter(read_at__isnull=True)
    if kind:
        mine = mine.filter(kind=kind)
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return mine.alias(unread=unread).order_by("-unread", "-id")


def unread_count(*, user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_summary(*, user: Any) -> tuple[int, int]:
    """The user's unread count and the id of their newest notification (0 if none), in one
    query: what every signed-in page's header badge and live stream start from."""
    mine = Notification.objects.filter(recipient=user).order_by()
    # Two subqueries, each answered from its own index, however many a person has read.
    unread = mine.filter(read_at__isnull=True).values("recipient").annotate(n=Count("id"))
    latest = mine.order_by("-id").values("id")[:1]
    summary = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            unread=Coalesce(Subquery(unread.values("n")), 0),
            latest=Coalesce(Subquery(latest), 0),
        )
        .get()
    )
    return summary["unread"], summary["latest"]


def notifications_missed(*, user: Any, since: int, seen: set[int]) -> list[Notification]:
    """What a page that last saw notification `since` (and those in `seen`) has not been sent,
    oldest first, at most CATCH_UP_LIMIT (the notification centre holds the rest)."""
    recent = timezone.now() - CATCH_UP_MARGIN
    mine = Notification.objects.filter(recipient=user)
    missed = mine.filter(pk__gt=since) | mine.filter(created_at__gte=recent, pk__lte=since)
    return list(missed.exclude(pk__in=seen).order_by("-id")[:CATCH_UP_LIMIT])[::-1]


def notification_preferences(*, user: Any) -> dict[str, str]:
    """How the user is emailed about each kind (every kind, in the list's order): their
    choice, else straight away. Always-urgent kinds are straight away whatever is stored."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {
        kind: Delivery.IMMEDIATE if kind in ALWAYS_URGENT else chosen.get(kind, Delivery.IMMEDIATE)
        for kind in NotificationKind.values
    }


def deliveries_of(*, user_ids: list[int], kind: str) -> dict[int, str]:
    """How each of these people is emailed about `kind`: their choice, else straight away."""
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=user_ids, kind=kind).values_list(
            "user_id", "delivery"
        )
    )
    return {pk: chosen.get(pk, Delivery.IMMEDIATE) for pk in user_ids}


def emails_not_delivered(*, area: Area) -> QuerySet[Notification]:
    """Emails to people in the area that failed, or are failing and being retried, newest
    first: what an administrator can act on (an address to correct, a mail server to fix).
    Callers show who, what kind, when and the error; never the title (case content)."""
    members = get_user_model().objects.filter(memberships__area=area, memberships__is_active=True)
    return (
        Notification.objects.exclude(email_error="")
        .filter(
            recipient__in=members,
            email_status__in=[EmailStatus.PENDING, EmailStatus.DIGEST, EmailStatus.FAILED],
        )
        .select_related("recipient")
        .order_by("-id")
    )


# Reads for the timers (notifications.timers): each is one query across every area. A
# referral's `state` is always read: the state machine looks at it when a row is loaded.


def timer_areas() -> dict[int, Area]:
    """Every area with the settings the timers need, by id."""
    fields = (
        "due_soon_working_hours",
        "escalation_working_hours",
        "escalation_manager_id",
        "escalation_max_repeats",
    )
    return {area.pk: area for area in Area.objects.only(*fields)}


def area_overseers(*, area_ids: Iterable[int]) -> list[Membership]:
    """Active coordinator and police lead memberships of `area_ids` (they see every submitted
    referral of their area), with their users; none through a deactivated agency."""
    return list(
        Membership.objects.filter(
            area_id__in=list(area_ids),
            role__in=AREA_OVERSIGHT_ROLES,
            is_active=True,
            user__is_active=True,
        )
        .exclude(agency__is_active=False)
        .select_related("user")
        .order_by("user_id", "pk")
    )


def lead_professional_memberships(*, area_ids: Iterable[int]) -> list[Membership]:
    """Active lead professional memberships of `area_ids`, with their users."""
    return list(
        Membership.objects.filter(
            area_id__in=list(area_ids),
            role=Role.LEAD_PROFESSIONAL,
            is_active=True,
            user__is_active=True,
        )
        .exclude(agency__is_active=False)
        .select_related("user")
        .order_by("user_id", "pk")
    )


def current_assignments(*, referral_ids: Iterable[int]) -> list[ReferralAssignment]:
    """The agencies named now on `referral_ids`, and their lead professionals (ids)."""
    return list(
        ReferralAssignment.objects.filter(
            referral_id__in=list(referral_ids), ended_at__isnull=True
        ).order_by("referral_id", "pk")
    )


def triage_deadlines(*, until: datetime) -> QuerySet[Referral]:
    """Referrals waiting for triage whose deadline (`due`: the RAG clock or the statutory day,
    whichever is nearer, as `Referral.due_at`) is at or before `until`, soonest first."""
    return (
        Referral.objects.filter(state__in=QUEUE_STATES)
        .annotate(due=Least("rag_due_at", "triage_due_at"))
        .filter(due__lte=until)
        .only("reference", "area_id", "state", "triaged_by_id", "rag")
        .order_by("due", "pk")
    )


def actions_due(*, until: date) -> QuerySet[ProtectiveAction]:
    """Open protective actions on open referrals due on or before `until`."""
    return (
        ProtectiveAction.objects.filter(
            status=ActionStatus.OPEN, due_on__lte=until, referral__state__in=OPEN_STATES
        )
        .select_related("referral", "action_type")
        .only(
            "due_on",
            "owner_id",
            "referral__reference",
            "referral__area_id",
            "referral__state",
            "action_type__label",
        )
        .order_by("due_on", "pk")
    )


def information_requests_due(*, until: date) -> QuerySet[InformationRequest]:
    """Open information requests on open referrals due on or before `until`."""
    return (
        InformationRequest.objects.filter(
            status=InformationRequestStatus.OPEN,
            due_on__lte=until,
            referral__state__in=OPEN_STATES,
        )
        .select_related("referral", "agency")
        .only(
            "due_on",
            "agency_id",
            "agency__name",
            "referral__reference",
            "referral__area_id",
            "referral__state",
        )
        .order_by("due_on", "pk")
    )


def plan_dates_due(*, field: str, until: date) -> QuerySet[Referral]:
    """Open referrals whose plan date `field` (next_review_due_on, risk_reassessment_due_on)
    falls on or before `until`."""
    return (
        Referral.objects.filter(state__in=OPEN_STATES, **{f"{field}__lte": until})
        .only("reference", "area_id", "state", field)
        .order_by(field, "pk")
    )


def return_interviews_overdue(*, now: datetime) -> QuerySet[MissingEpisode]:
    """Missing episodes of open referrals whose return home interview was due before `now`
    and is neither recorded as held nor as not held."""
    return (
        MissingEpisode.objects.filter(
            interview=ReturnInterview.DUE,
            interview_due_at__lt=now,
            referral__state__in=OPEN_STATES,
        )
        .select_related("referral")
        .only("interview_due_at", "referral__reference", "referral__area_id", "referral__state")
        .order_by("interview_due_at", "pk")
    )
