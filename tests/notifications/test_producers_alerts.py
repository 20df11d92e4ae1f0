"""Who is told of a link alert (as link_alerts_for shows it) and of an account locked out."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from agencies.models import AgencyType, Role, User
from agencies.services import person_unlock
from disruption.models import LinkAlert
from disruption.selectors import link_alerts_for
from disruption.services import vehicle_create
from notifications.models import Notification, NotificationKind
from tests.disruption.helpers import link
from tests.factories import (
    AgencyFactory,
    AreaFactory,
    MembershipFactory,
    member,
    raise_referral,
    sign_in_with_password,
)

from .producing import (
    YOUNG_PERSON,
    World,
    no_personal_details,  # noqa: F401  (a fixture)
    people,
    told,
    world,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("no_personal_details"),
]

Kind = NotificationKind


@pytest.fixture
def w() -> World:
    return world()


def test_a_link_alert_tells_the_areas_coordinators_and_police_leads(w: World) -> None:
    car = vehicle_create(actor=w.police_lead, area=w.area, registration="AB12 CDE")
    first, second = w.concern(), w.concern()
    link(w.police_lead, car, first.young_person, referral=first)
    with pytest.raises(ValidationError):
        link(w.police_lead, car, second.young_person, referral=second, source_evaluation="9")
    assert not told(Kind.LINK_ALERT)

    link(w.police_lead, car, second.young_person, referral=second)
    alert = LinkAlert.objects.get()
    alerts = told(Kind.LINK_ALERT)
    # The police lead who added the link is told too: the match is news to them.
    assert set(alerts) == people(w.coordinator, w.colleague, w.police_lead)
    assert all(alert in link_alerts_for(user=User.objects.get(pk=pk)) for pk in alerts)
    notice = alerts[w.coordinator.pk]
    assert notice.title == f"Link alert in {w.area.name}: vehicle linked to 2 young people"
    assert "AB12" not in f"{notice.title} {notice.body}"  # the intelligence stays on its page
    assert notice.url == reverse("frontend:link-alerts")
    assert (notice.area_id, notice.referral_id) == (w.area.pk, None)
    assert notice.event_key == f"link_alert:{alert.pk}"


def test_an_alert_naming_another_areas_records_is_for_that_forces_police_leads_alone(
    w: World,
) -> None:
    force = AgencyFactory.create(agency_type=AgencyType.POLICE, areas=[w.area, w.other_area])
    force_lead = member(Role.POLICE_LEAD, area=w.area, agency=force)
    in_north = w.concern()
    car_north = vehicle_create(actor=w.police_lead, area=w.area, registration="AB12CDE")
    link(w.police_lead, car_north, in_north.young_person, referral=in_north)

    south_police = member(Role.POLICE_LEAD, area=w.other_area)
    south = member(Role.PRACTITIONER, area=w.other_area)
    referral = raise_referral(south, submit=True, **YOUNG_PERSON)
    car_south = vehicle_create(actor=south_police, area=w.other_area, registration="ab12 cde")
    link(south_police, car_south, referral.young_person, referral=referral)

    by_force = LinkAlert.objects.get(police_agency=force)
    notices = Notification.objects.filter(event_key=f"link_alert:{by_force.pk}")
    assert {n.recipient_id for n in notices} == people(force_lead)
    assert not Notification.objects.exclude(recipient=force_lead).filter(kind=Kind.LINK_ALERT)


def failed_sign_ins(username: str, times: int) -> None:
    client = Client()
    for _ in range(times):
        sign_in_with_password(client, username, "not-the-password")


def test_a_lockout_tells_the_administrators_of_each_area_of_the_account_once() -> None:
    north, south, left, unrelated = (AreaFactory.create() for _ in range(4))
    account = member(Role.PRACTITIONER, area=north)
    MembershipFactory.create(user=account, role=Role.POLICE_LEAD, area=south)
    MembershipFactory.create(user=account, role=Role.PRACTITIONER, area=left, is_active=False)
    north_admin, south_admin, left_admin, unrelated_admin = (
        member(Role.AREA_ADMINISTRATOR, area=area) for area in (north, south, left, unrelated)
    )
    retired_admin = member(Role.AREA_ADMINISTRATOR, area=north)
    User.objects.filter(pk=retired_admin.pk).update(is_active=False)

    failed_sign_ins(account.username, 4)
    assert not told(Kind.LOCKOUT)
    failed_sign_ins(account.username, 3)  # locked at the fifth; the others are the same lockout

    lockouts = told(Kind.LOCKOUT)
    assert set(lockouts) == people(north_admin, south_admin)
    assert not {left_admin.pk, unrelated_admin.pk, retired_admin.pk} & set(lockouts)
    notice = lockouts[north_admin.pk]
    assert notice.title == f"Account locked out: {account.username}"
    assert notice.body.startswith(f"{account.get_full_name()} is locked out for 30 minutes")
    assert notice.url == reverse("frontend:admin-lockouts", args=[north.ons_code])
    assert lockouts[south_admin.pk].url == reverse("frontend:admin-lockouts", args=[south.ons_code])
    assert notice.area_id == north.pk

    # Unlocked, then locked out again: another lockout, told again.
    person_unlock(actor=north_admin, area=north, user=account)
    failed_sign_ins(account.username, 5)
    assert Notification.objects.filter(kind=Kind.LOCKOUT, recipient=north_admin).count() == 2


def test_a_lockout_of_a_name_no_account_has_tells_nobody() -> None:
    member(Role.AREA_ADMINISTRATOR)
    failed_sign_ins("nobody-has-this-name", 6)
    assert not Notification.objects.exists()
