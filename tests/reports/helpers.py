"""An area with concerns raised in this month and the one before, through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from agencies.models import AgencyType, Area, Role, User
from referrals.models import Referral
from reports.periods import Period, period_from
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral


def this_month() -> Period:
    today = timezone.localdate()
    return period_from(kind="month", on=today, start=None, end=None, today=today)


@dataclass
class ReportWorld:
    area: Area
    practitioner: User
    referrals: list[Referral] = field(default_factory=list)

    def raise_now(self, count: int, **person: Any) -> list[Referral]:
        """`count` concerns submitted now (this month)."""
        raised = [raise_referral(self.practitioner, submit=True, **person) for _ in range(count)]
        self.referrals += raised
        return raised

    def raise_last_month(self, count: int, **person: Any) -> list[Referral]:
        """`count` concerns submitted at noon on the last day of last month."""
        raised = self.raise_now(count, **person)
        day = this_month().start - timedelta(days=1)
        moment = timezone.make_aware(datetime.combine(day, time(12)))
        Referral.objects.filter(pk__in=[r.pk for r in raised]).update(submitted_at=moment)
        return raised


def date_boxes(name: str, day: date) -> dict[str, str]:
    """A date question's answer as the GOV.UK date input sends it."""
    return {
        f"{name}_day": str(day.day),
        f"{name}_month": str(day.month),
        f"{name}_year": str(day.year),
    }


def period_boxes(period: Period) -> dict[str, str]:
    """The period form's answers for `period`: its kind and the day (or days) in date boxes."""
    query = period.as_query()
    boxes = {"kind": query.pop("kind")}
    for name, iso in query.items():
        boxes |= date_boxes(name, date.fromisoformat(iso))
    return boxes


def report_world() -> ReportWorld:
    area = AreaFactory.create()
    school = AgencyFactory.create(areas=[area], agency_type=AgencyType.EDUCATION)
    return ReportWorld(area, member(Role.PRACTITIONER, area=area, agency=school))


def months_of_the_week() -> dict[str, str]:
    """The whole months the last week falls in: tables are for whole months."""
    today = timezone.localdate()
    start = (today - timedelta(days=6)).replace(day=1)
    end = today.replace(day=1) + relativedelta(months=1, days=-1)
    return {"start": str(start), "end": str(end)}
