"""The out-of-hours route: an immediate-danger concern submitted outside working time tells
the area's emergency duty contact (an agency or one person) at once, urgently; the page after
submitting says who was told. Clocks are moved with time-machine."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from agencies.models import AgencyType, Area, Role, User
from notifications.models import Notification, NotificationKind
from referrals.models import Referral
from referrals.working_time import LONDON, is_working_time
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

SATURDAY_NIGHT = datetime(2026, 5, 23, 22, 30, tzinfo=LONDON)
BANK_HOLIDAY = datetime(2026, 5, 25, 11, tzinfo=LONDON)
TUESDAY_MORNING = datetime(2026, 5, 26, 10, tzinfo=LONDON)
TUESDAY_EVENING = datetime(2026, 5, 26, 17, tzinfo=LONDON)


class Place:
    def __init__(self) -> None:
        self.area = AreaFactory.create()
        self.school = AgencyFactory.create(areas=[self.area])
        self.duty = AgencyFactory.create(
            areas=[self.area], agency_type=AgencyType.CHILDRENS_SOCIAL_CARE
        )
        self.coordinator = member(Role.COORDINATOR, area=self.area, agency=self.school)
        self.practitioner = member(Role.PRACTITIONER, area=self.area, agency=self.school)
        self.duty_workers = [
            member(Role.LEAD_PROFESSIONAL, area=self.area, agency=self.duty),
            member(Role.AGENCY_SAFEGUARDING_LEAD, area=self.area, agency=self.duty),
        ]
        self.duty_board_member = member(Role.BOARD_MEMBER, area=self.area, agency=self.duty)

    def contact(self, **contact: Any) -> None:
        Area.objects.filter(pk=self.area.pk).update(**contact)

    def raise_at(self, moment: datetime, *, danger: bool = True) -> Referral:
        with time_machine.travel(moment, tick=False):
            return raise_referral(
                self.practitioner, submit=True, concern={"immediate_danger": danger}
            )


def told() -> set[int]:
    return set(
        Notification.objects.filter(kind=NotificationKind.EMERGENCY_DUTY).values_list(
            "recipient_id", flat=True
        )
    )


def test_working_time_is_weekdays_nine_to_five_less_bank_holidays() -> None:
    assert is_working_time(TUESDAY_MORNING)
    assert not is_working_time(TUESDAY_EVENING)
    assert not is_working_time(SATURDAY_NIGHT)
    assert not is_working_time(BANK_HOLIDAY)


@pytest.mark.parametrize("moment", [SATURDAY_NIGHT, BANK_HOLIDAY, TUESDAY_EVENING])
def test_immediate_danger_out_of_hours_tells_the_duty_agency_at_once(moment: datetime) -> None:
    place = Place()
    place.contact(emergency_duty_agency=place.duty)
    referral = place.raise_at(moment)
    assert told() == {u.pk for u in place.duty_workers}
    notice = Notification.objects.filter(kind=NotificationKind.EMERGENCY_DUTY).first()
    assert notice is not None and notice.urgent and notice.referral_id == referral.pk
    assert place.practitioner.email in notice.body
    assert referral.young_person.given_name not in notice.title + notice.body


def test_a_named_person_is_told_instead_of_an_agency() -> None:
    place = Place()
    place.contact(emergency_duty_person=place.coordinator)
    place.raise_at(SATURDAY_NIGHT)
    assert told() == {place.coordinator.pk}


@pytest.mark.parametrize(("moment", "danger"), [(TUESDAY_MORNING, True), (SATURDAY_NIGHT, False)])
def test_in_working_hours_or_without_immediate_danger_nobody_extra_is_told(
    moment: datetime, danger: bool
) -> None:
    place = Place()
    place.contact(emergency_duty_agency=place.duty)
    place.raise_at(moment, danger=danger)
    assert told() == set()


def test_a_named_person_who_left_the_area_is_not_told() -> None:
    place = Place()
    place.contact(emergency_duty_person=place.coordinator)
    place.coordinator.memberships.update(is_active=False)
    place.raise_at(SATURDAY_NIGHT)
    assert told() == set()


def sent_page(user: User, referral: Referral) -> str:
    client = Client()
    sign_in(client, user)
    response = client.get(f"/concerns/{referral.reference}/sent/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_after_submitting_says_who_was_told() -> None:
    place = Place()
    place.contact(emergency_duty_agency=place.duty)
    referral = place.raise_at(SATURDAY_NIGHT)
    page = sent_page(place.practitioner, referral)
    assert f"we told {place.duty.name}, the area's emergency duty contact" in page
    for worker in place.duty_workers:
        assert worker.get_full_name() in page


def test_the_page_says_so_when_nobody_could_be_told() -> None:
    place = Place()
    referral = place.raise_at(SATURDAY_NIGHT)
    page = sent_page(place.practitioner, referral)
    assert "has no emergency duty contact who could be told" in page
    assert "Out of hours" not in sent_page(place.practitioner, place.raise_at(TUESDAY_MORNING))
