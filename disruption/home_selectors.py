"""What the home page shows of intelligence, disruption and meetings: only what the user's own
pages would list (the same selectors, the same scope)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet

from referrals.home_selectors import Shown, first_rows

from .activity_selectors import activities_expiring
from .meeting_selectors import meetings_for
from .models import DisruptionActivity, LinkAlert, Meeting, MeetingStatus
from .selectors import intelligence_area_ids, link_alerts_for


def expiring_orders(*, user: Any, today: date, limit: int) -> Shown[DisruptionActivity]:
    """Live orders and notices of the user's intelligence areas inside their reminder window,
    soonest to lapse first (the expiring page's list)."""
    rows: QuerySet[DisruptionActivity] = activities_expiring(
        area_ids=intelligence_area_ids(user=user), today=today
    )
    return first_rows(rows, limit)


def link_alerts_to_review(*, user: Any, limit: int) -> Shown[LinkAlert]:
    """Link alerts of the user's areas nobody has marked reviewed yet, newest first."""
    return first_rows(link_alerts_for(user=user, reviewed=False), limit)


def next_meetings(*, user: Any, now: datetime, limit: int) -> Shown[Meeting]:
    """Planned MACE meetings the user may see that have not started, soonest first."""
    rows = (
        meetings_for(user=user)
        .filter(status=MeetingStatus.PLANNED, held_at__gte=now)
        .order_by("held_at", "id")
    )
    return first_rows(rows, limit)
