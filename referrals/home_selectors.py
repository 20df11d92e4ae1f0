"""What the home page shows of referrals: each person's own work, within the need-to-know rules
(every list here is narrowed by `referral_visible_q` / `referral_full_q`, so a home page never
shows more than the referral pages would)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Generic, TypeVar

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Least
from django.utils import timezone

from .models import OPEN_STATES, ActionStatus, ProtectiveAction, Rag, Referral, ReferralAssignment
from .selectors import (
    break_glass_for_review,
    overdue_actions,
    referral_full_q,
    referral_visible_q,
    triage_queue,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Shown(Generic[T]):
    """The first rows of a list, and how many there are in all (for "See all 12")."""

    rows: list[T]
    total: int


def first_rows(rows: QuerySet[Any], limit: int) -> Shown[Any]:
    """One query when the list fits, two when it is longer than `limit`."""
    shown = list(rows[: limit + 1])
    total = len(shown) if len(shown) <= limit else rows.count()
    return Shown(shown[:limit], total)


def concerns_raised_by(*, user: Any, limit: int) -> Shown[Referral]:
    """Concerns the user raised and sent, newest first: their status and what was decided."""
    rows = (
        Referral.objects.filter(referral_visible_q(user=user), raised_by_id=user.pk)
        .exclude(submitted_at__isnull=True)
        .select_related("young_person")
        .order_by("-submitted_at", "-id")
    )
    return first_rows(rows, limit)


def cases_led_by(*, user: Any) -> QuerySet[Referral]:
    """Open referrals on which the user is the named lead professional, next review first."""
    named = ReferralAssignment.objects.filter(
        referral=OuterRef("pk"), ended_at__isnull=True, lead_professional_id=user.pk
    )
    return (
        Referral.objects.filter(referral_full_q(user=user), Exists(named), state__in=OPEN_STATES)
        .select_related("young_person")
        .order_by("next_review_due_on", "-submitted_at", "-id")
    )


def actions_owned_by(*, user: Any) -> QuerySet[ProtectiveAction]:
    """Open protective actions the user owns on open referrals they see in full, soonest due
    first (the overdue ones lead)."""
    return (
        ProtectiveAction.objects.filter(
            owner_id=user.pk,
            status=ActionStatus.OPEN,
            referral__in=Referral.objects.filter(referral_full_q(user=user), state__in=OPEN_STATES),
        )
        .select_related("referral__young_person", "action_type")
        .order_by("due_on", "id")
    )


@dataclass(frozen=True)
class QueueCounts:
    """The coordinator's triage queue in figures."""

    red: int
    amber: int
    green: int
    unrated: int
    overdue: int
    due_today: int

    @property
    def total(self) -> int:
        return self.red + self.amber + self.green + self.unrated

    @property
    def by_rating(self) -> list[tuple[str, str, int]]:
        """(rating, label, count), Red first; "" for those not rated yet."""
        counts = {Rag.RED: self.red, Rag.AMBER: self.amber, Rag.GREEN: self.green}
        return [(r.value, r.label, counts[r]) for r in Rag] + [("", "", self.unrated)]


def queue_counts(*, user: Any) -> QueueCounts:
    """The queue of the areas the user coordinates, by RAG rating and by due time: one query."""
    now = timezone.now()
    end_of_today = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=1), time.min)
    )
    due = Least("rag_due_at", "triage_due_at")
    counted = (
        triage_queue(user=user)
        .order_by()
        .alias(due=due)
        .aggregate(
            red=Count("pk", filter=Q(rag=Rag.RED)),
            amber=Count("pk", filter=Q(rag=Rag.AMBER)),
            green=Count("pk", filter=Q(rag=Rag.GREEN)),
            unrated=Count("pk", filter=Q(rag="")),
            overdue=Count("pk", filter=Q(due__lt=now)),
            due_today=Count("pk", filter=Q(due__gte=now, due__lt=end_of_today)),
        )
    )
    return QueueCounts(**counted)


def overdue_action_count(*, user: Any) -> int:
    """Overdue protective actions in the areas the user coordinates."""
    return overdue_actions(user=user).order_by().count()


def emergency_access_to_review(*, user: Any) -> int:
    """Emergency (break-glass) accesses in the user's areas nobody has reviewed yet."""
    return break_glass_for_review(user=user).filter(reviewed_at__isnull=True).order_by().count()
