"""Reads: a person's own notifications only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Notification

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
