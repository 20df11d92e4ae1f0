"""Records that have reached their retention trigger: the world of the records tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agencies.models import Area, Role, User
from disruption.models import Link, PersonOfConcern
from disruption.services import link_add, person_of_concern_create
from notifications.models import Notification, NotificationKind
from records.selectors import month_number
from referrals.casework import note_add
from referrals.information_requests import information_request_answer
from referrals.models import Referral, ReferralState, YoungPerson
from tests.factories import member
from tests.referrals.asking import build_asking

# The tests' records are due under the national defaults today: approval checks they still are.
TODAY = timezone.localdate()
# A day to keep a record until, or to end a hold on: a year ahead.
KEEP_UNTIL = TODAY + timedelta(days=365)
# A month whose notifications are all past the national 90 days.
OLD = (TODAY - timedelta(days=200)).replace(day=1)
OLD_MONTH = month_number(OLD)


@dataclass
class World:
    area: Area
    coordinator: User
    police_lead: User
    administrator: User
    referral: Referral
    young_person: YoungPerson
    person: PersonOfConcern


def build_world() -> World:
    """A young person past their 25th birthday whose only referral closed, with a note, an
    answered information request (and its uploaded file) and a link to a person of concern
    last linked on 1 May 2016, over ten years ago."""
    asking = build_asking()
    area, referral = asking.area, asking.referral
    police_lead = member(Role.POLICE_LEAD, area=area)
    note_add(
        referral=referral, actor=asking.coordinator, text="Amira said she met Dan at the park."
    )
    information_request_answer(
        information_request=asking.request,
        actor=asking.lead,
        answer="Amira attends most days.",
        attachment=SimpleUploadedFile("attendance.txt", b"Amira Khan attended.\n", "text/plain"),
    )
    person = person_of_concern_create(actor=police_lead, area=area, name="Dan Smith")
    link_add(
        actor=police_lead,
        a=referral.young_person,
        b=person,
        nature="seen_with",
        source="Amira's teacher",
        source_evaluation="1",
        intelligence_assessment="B",
        handling_code="P",
        observed_on=date(2016, 4, 1),
        referral=referral,
        detail="Seen with Amira at the park.",
    )
    linked = datetime(2016, 5, 1, tzinfo=UTC)
    Link.every_link.all().update(recorded_at=linked)
    PersonOfConcern.objects.filter(pk=person.pk).update(created_at=linked)
    Referral.objects.filter(pk=referral.pk).update(
        state=ReferralState.CLOSED, closed_at=timezone.now() - timedelta(days=30)
    )
    YoungPerson.objects.filter(pk=referral.young_person_id).update(date_of_birth=date(2000, 4, 2))
    referral.refresh_from_db()
    return World(
        area=area,
        coordinator=asking.coordinator,
        police_lead=police_lead,
        administrator=member(Role.AREA_ADMINISTRATOR, area=area),
        referral=referral,
        young_person=referral.young_person,
        person=person,
    )


def sent(world: World, day: date, **about: Any) -> Notification:
    """A notification of the area sent on `day`."""
    notification = Notification.objects.create(
        recipient=world.coordinator,
        kind=NotificationKind.RETENTION_REVIEWS,
        event_key=f"test:{day}:{Notification.objects.count()}",
        title="R26-000001 was updated",
        area=world.area,
        **about,
    )
    moment = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=12)
    Notification.objects.filter(pk=notification.pk).update(created_at=moment)
    return notification
