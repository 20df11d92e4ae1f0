"""Reads: a person's own notifications and email preferences; for an area administrator, the
emails to people in the area that could not be delivered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, QuerySet
from django.utils import timezone

from agencies.models import Area

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
    return mine.order_by(F("read_at").asc(nulls_first=True), "-id")


def unread_count(*, user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


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


def emails_not_delivered(*, area: Area, limit: int = 100) -> QuerySet[Notification]:
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
        .order_by("-id")[:limit]
    )
