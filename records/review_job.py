"""The nightly review job: every record that has reached its trigger under its area's
schedule, is not held, not erased and not kept longer past today, is listed for review
(a RetentionReview). It lists; it never erases (records.services.review_approve does, on a
person's approval). `manage.py retention_review --dry-run` prints what it would list."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone

from agencies.models import Area, Role, User
from audit.models import AuditAction
from audit.services import audit_record
from disruption.models import ENTITY_MODELS, Link, Meeting
from notifications.models import Notification, NotificationKind
from notifications.services import notify
from referrals.models import OPEN_STATES, YoungPerson
from reports.models import NationalReturn, StrategyDocument

from .models import (
    FIXED_KINDS,
    INTELLIGENCE_KINDS,
    RecordKind,
    RetentionReview,
    ReviewStatus,
    Tombstone,
    TriggerKind,
)
from .selectors import (
    ENTITY_KINDS,
    LOOKED_AFTER_AGE,
    ScheduleRow,
    area_rules,
    held_in,
    month_number,
    month_span,
)

YOUNG_KINDS = frozenset(RecordKind.values) - INTELLIGENCE_KINDS


@dataclass(frozen=True)
class Due:
    """One record due for review: its kind, id and the day it reached its trigger."""

    area: Area
    kind: str
    record_id: int
    due_on: date
    action: str


def _only(record_id: int | None) -> Q:
    """All of the area's records, or only one."""
    return Q() if record_id is None else Q(pk=record_id)


def _day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _young_people_due(
    area: Area, row: ScheduleRow, today: date, only: int | None = None
) -> Iterator[tuple[int, date]]:
    """Young people with no open referral whose trigger day has come. Without a date of birth
    the age is counted from the estimate when the record was made, or else as though they
    were born that day: the latest they could reach it."""
    people = (
        YoungPerson.objects.filter(area=area, merged_into__isnull=True)
        .filter(_only(only))
        .exclude(referrals__state__in=OPEN_STATES)
        .annotate(last_closed=Max("referrals__closed_at"))
        .values_list(
            "pk", "date_of_birth", "estimated_age", "created_at", "looked_after", "last_closed"
        )
    )
    for pk, born, estimate, created, looked_after, last_closed in people.iterator():
        if row.rule.trigger == TriggerKind.AGE:
            age = LOOKED_AFTER_AGE if looked_after else row.age or 0
            born = born or _day(created) - relativedelta(years=estimate or 0)
            due = born + relativedelta(years=age)
        elif last_closed is not None:
            due = _day(last_closed) + relativedelta(years=row.rule.years or 0)
        else:
            continue  # no referral ever closed: the closing starts the clock
        if due <= today:
            yield pk, due


def _entities_due(
    area: Area, row: ScheduleRow, today: date, only: int | None = None
) -> Iterator[tuple[int, date]]:
    """Entities whose last link (or, with none, their recording) is `years` old."""
    node_kind = ENTITY_KINDS[row.kind]
    model: Any = ENTITY_MODELS[node_kind]
    last_link = (
        Link.every_link.filter(Q(a=OuterRef("node")) | Q(b=OuterRef("node")))
        .order_by("-recorded_at")
        .values("recorded_at")[:1]
    )
    since = today - relativedelta(years=row.rule.years or 0)
    entities = (
        model.objects.filter(area=area)
        .filter(_only(only))
        .annotate(last=Coalesce(Subquery(last_link), "created_at"))
        .values_list("pk", "last")
    )
    for pk, last in entities.iterator():
        if _day(last) <= since:
            yield pk, _day(last) + relativedelta(years=row.rule.years or 0)


def _dated_due(
    rows: Any, field: str, row: ScheduleRow, today: date, only: int | None
) -> Iterator[tuple[int, date]]:
    """Records whose date in `field` (a day, or a moment) is `years` old."""
    years = relativedelta(years=row.rule.years or 0)
    for pk, when in rows.filter(_only(only)).values_list("pk", field).iterator():
        due = when if isinstance(when, date) and not isinstance(when, datetime) else _day(when)
        due += years
        if due <= today:
            yield pk, due


def _minutes_due(
    area: Area, row: ScheduleRow, today: date, only: int | None = None
) -> Iterator[tuple[int, date]]:
    """Meetings held `years` ago."""
    meetings = Meeting.objects.filter(area=area)
    return _dated_due(meetings, "held_at", row, today, only)


def _library_due(
    area: Area, row: ScheduleRow, today: date, only: int | None = None
) -> Iterator[tuple[int, date]]:
    documents = StrategyDocument.objects.filter(profile__area=area)
    return _dated_due(documents, "uploaded_at", row, today, only)


def _returns_due(
    area: Area, row: ScheduleRow, today: date, only: int | None = None
) -> Iterator[tuple[int, date]]:
    since = today - relativedelta(years=row.rule.years or 0)
    returns = NationalReturn.objects.filter(area=area, period_end__lte=since)
    return _dated_due(returns, "period_end", row, today, only)


def _notification_months_due(
    area: Area, row: ScheduleRow, today: date, only: int | None = None
) -> Iterator[tuple[int, date]]:
    """The months whose notifications are all `days` old: due `days` after the month ends.
    Notifications of no area (a person's own account) are not in any area's schedule."""
    days = relativedelta(days=row.rule.days or 0)
    # A month is due once its end is `days` ago: only months begun before that are looked at.
    before = today - days
    notifications = Notification.objects.filter(
        area=area, created_at__lt=timezone.make_aware(datetime.combine(before, datetime.min.time()))
    )
    if only is not None:
        start, end = month_span(only)
        notifications = notifications.filter(created_at__gte=start, created_at__lt=end)
    months = (
        notifications.annotate(month=TruncMonth("created_at"))
        .order_by("month")
        .values_list("month", flat=True)
        .distinct()
    )
    for month in months:
        first = timezone.localtime(month).date() if isinstance(month, datetime) else month
        due = first + relativedelta(months=1) + days
        if due <= today:
            yield month_number(first), due


def _never_due(
    area: Area, row: ScheduleRow, today: date, only: int | None = None
) -> Iterator[tuple[int, date]]:
    """The fixed kinds: gone with the young person's record, or kept."""
    return iter(())


Finder = Callable[[Area, ScheduleRow, date, int | None], Iterator[tuple[int, date]]]

FINDERS: dict[str, Finder] = {
    RecordKind.YOUNG_PERSON: _young_people_due,
    **dict.fromkeys(INTELLIGENCE_KINDS, _entities_due),
    RecordKind.MINUTES: _minutes_due,
    RecordKind.LIBRARY_DOCUMENT: _library_due,
    RecordKind.NOTIFICATION: _notification_months_due,
    RecordKind.NATIONAL_RETURN: _returns_due,
    **dict.fromkeys(FIXED_KINDS, _never_due),
}


def in_use(*, kind: str, record_id: int) -> bool:
    """Whether the record is in use, so not to be erased even on request: a young person
    with an open referral."""
    if kind != RecordKind.YOUNG_PERSON:
        return False
    return YoungPerson.objects.filter(pk=record_id, referrals__state__in=OPEN_STATES).exists()


def still_due(*, area: Area, kind: str, record_id: int, today: date | None = None) -> bool:
    """Whether one record is still due under the schedule today: a referral reopened, a link
    added or a rule changed since it was listed may have put its review off."""
    row = area_rules(area=area)[kind]
    today = today or timezone.localdate()
    return any(FINDERS[kind](area, row, today, record_id))


def area_due(*, area: Area, today: date) -> list[Due]:
    """What in `area` has reached its trigger and may be listed: not held, not erased, not
    already listed, and not kept longer until after today."""
    held = held_in(area_id=area.pk, today=today)
    if held.whole_area:
        return []
    listed = set(
        RetentionReview.objects.filter(area=area)
        .filter(Q(status=ReviewStatus.OPEN) | Q(keep_until__gt=today))
        .values_list("kind", "record_id")
    )
    erased = set(Tombstone.objects.filter(area=area).values_list("kind", "record_id"))
    found = []
    for kind, row in area_rules(area=area).items():
        for record_id, due_on in FINDERS[kind](area, row, today, None):
            key = (kind, record_id)
            if key in listed or key in erased or held.holds(kind, record_id):
                continue
            found.append(Due(area, kind, record_id, due_on, row.rule.action))
    return found


def retention_review_run(*, today: date | None = None, dry_run: bool = False) -> list[Due]:
    """List every area's due records for review (or, dry, only find them). Each area's are
    listed in one transaction with one audit record saying how many."""
    today = today or timezone.localdate()
    everything = []
    for area in Area.objects.order_by("name"):
        due = area_due(area=area, today=today)
        everything += due
        if dry_run or not due:
            continue
        with transaction.atomic():
            RetentionReview.objects.bulk_create(
                [
                    RetentionReview(area=area, kind=d.kind, record_id=d.record_id, due_on=d.due_on)
                    for d in due
                ],
                ignore_conflicts=True,  # listed meanwhile by another run
            )
            audit_record(
                action=AuditAction.CREATE,
                area=area,
                details={"retention_reviews_listed": len(due)},
            )
            _tell_reviewers(area=area, due=due, today=today)
    return everything


def _tell_reviewers(*, area: Area, due: list[Due], today: date) -> None:
    """The area's coordinators (young people) and police leads (intelligence) are told how
    many records newly wait for their review, once a day each."""
    for role, kinds in ((Role.COORDINATOR, YOUNG_KINDS), (Role.POLICE_LEAD, INTELLIGENCE_KINDS)):
        listed = sum(1 for d in due if d.kind in kinds)
        if not listed:
            continue
        notify(
            recipients=User.objects.filter(
                memberships__area=area, memberships__role=role, memberships__is_active=True
            ).distinct(),
            kind=NotificationKind.RETENTION_REVIEWS,
            event_key=f"retention-reviews:{area.pk}:{role}:{today.isoformat()}",
            title=f"{listed} {'record waits' if listed == 1 else 'records wait'} for your "
            "review under the retention schedule",
            body="Each reached the end of the period the area keeps it for. Keep it longer "
            "with a reason, or approve what the schedule says.",
            url=reverse("frontend:records-reviews", args=[area.ons_code]),
            area_id=area.pk,
        )
