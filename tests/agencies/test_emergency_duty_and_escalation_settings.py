"""The escalation cap and the out-of-hours emergency duty contact: the area settings page and
the API, each refusing what may not be named."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from agencies.models import Agency, Area, Membership, Role
from agencies.services import (
    EMERGENCY_DUTY_AGENCY_INVALID,
    EMERGENCY_DUTY_BOTH,
    EMERGENCY_DUTY_PERSON_INVALID,
    area_settings_update,
)
from tests.factories import AgencyFactory, member, sign_in
from tests.frontend.test_administration import admin, admin_user, agency, area, settings_as_shown
from tests.frontend.test_administration import url as page_url

pytestmark = pytest.mark.django_db
__all__ = ["admin", "agency", "area"]  # fixtures, used by name


def api_url(area: Area) -> str:
    return f"/api/v1/administration/{area.ons_code}/settings/"


def api_for(area: Area) -> APIClient:
    client = APIClient()
    sign_in(client, admin_user(area))
    return client


def test_the_page_saves_the_cap_and_an_agency(admin: Client, area: Area, agency: Agency) -> None:
    data = settings_as_shown(admin, area)
    assert data["escalation_max_repeats"] == 3
    data.update(escalation_max_repeats=5, emergency_duty_agency=agency.pk)
    assert admin.post(page_url(area, "settings"), data).status_code == 302
    area.refresh_from_db()
    assert area.escalation_max_repeats == 5 and area.emergency_duty_agency == agency


def test_the_page_refuses_both_contacts_and_a_cap_out_of_range(
    admin: Client, area: Area, agency: Agency
) -> None:
    person = member(Role.COORDINATOR, area=area, agency=agency)
    data = settings_as_shown(admin, area)
    data.update(
        escalation_max_repeats=21, emergency_duty_agency=agency.pk, emergency_duty_person=person.pk
    )
    response = admin.post(page_url(area, "settings"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert EMERGENCY_DUTY_BOTH in html and "Enter a number of 20 or less" in html
    area.refresh_from_db()
    assert area.emergency_duty_person is None and area.escalation_max_repeats == 3


def test_the_service_refuses_an_agency_elsewhere_or_a_person_without_oversight(
    admin: Client, area: Area, agency: Agency
) -> None:
    actor = admin_user(area)
    elsewhere = AgencyFactory.create()
    with pytest.raises(ValidationError) as refused:
        area_settings_update(actor=actor, area=area, changes={"emergency_duty_agency": elsewhere})
    assert refused.value.message_dict == {"emergency_duty_agency": [EMERGENCY_DUTY_AGENCY_INVALID]}
    practitioner = member(Role.PRACTITIONER, area=area, agency=agency)
    with pytest.raises(ValidationError) as refused:
        area_settings_update(
            actor=actor, area=area, changes={"emergency_duty_person": practitioner}
        )
    assert refused.value.message_dict == {"emergency_duty_person": [EMERGENCY_DUTY_PERSON_INVALID]}


def test_the_api_reads_and_changes_the_settings(admin: Client, area: Area, agency: Agency) -> None:
    client = api_for(area)
    shown = client.get(api_url(area)).json()
    assert shown["escalation_max_repeats"] == 3 and shown["emergency_duty_agency"] is None
    person = member(Role.POLICE_LEAD, area=area, agency=agency)
    changed = client.patch(
        api_url(area),
        {"escalation_max_repeats": 2, "emergency_duty_person": person.pk},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["emergency_duty_person"] == person.pk
    area.refresh_from_db()
    assert area.escalation_max_repeats == 2 and area.emergency_duty_person == person


def test_the_api_refuses_with_the_field_named(admin: Client, area: Area, agency: Agency) -> None:
    client = api_for(area)
    person = member(Role.COORDINATOR, area=area, agency=agency)
    both = client.patch(
        api_url(area),
        {"emergency_duty_agency": agency.pk, "emergency_duty_person": person.pk},
        format="json",
    )
    assert both.status_code == 422
    assert both.json()["error"]["fields"] == {"emergency_duty_person": [EMERGENCY_DUTY_BOTH]}
    Membership.objects.filter(user=person).update(is_active=False)
    left = client.patch(api_url(area), {"emergency_duty_person": person.pk}, format="json")
    assert left.json()["error"]["fields"] == {
        "emergency_duty_person": [EMERGENCY_DUTY_PERSON_INVALID]
    }
    zero = client.patch(api_url(area), {"escalation_max_repeats": 0}, format="json")
    assert zero.status_code == 400 and "escalation_max_repeats" in zero.json()["error"]["fields"]
    area.refresh_from_db()
    assert area.emergency_duty_agency is None and area.escalation_max_repeats == 3


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.PRACTITIONER])
def test_other_roles_of_the_area_are_refused(area: Area, role: Role) -> None:
    client = APIClient()
    sign_in(client, member(role, area=area))
    assert client.get(api_url(area)).status_code == 403
    changed = client.patch(api_url(area), {"escalation_max_repeats": 2}, format="json")
    assert changed.status_code == 403
    area.refresh_from_db()
    assert area.escalation_max_repeats != 2
