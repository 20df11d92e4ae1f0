"""The administration's API: the area administrator's people, agencies, settings, lockouts,
undelivered emails and audit record, with the pages' rules."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from agencies.models import Agency, Area, Membership, Role
from audit.models import AuditAction, AuditEvent
from tests.factories import AgencyFactory, AreaFactory, member, sign_in, sign_in_with_password

pytestmark = pytest.mark.django_db


@pytest.fixture
def area() -> Area:
    return AreaFactory.create()


@pytest.fixture
def agency(area: Area) -> Agency:
    return AgencyFactory.create(areas=[area])


@pytest.fixture
def admin(area: Area, agency: Agency) -> APIClient:
    client = APIClient()
    sign_in(client, member(Role.AREA_ADMINISTRATOR, area=area, agency=agency))
    return client


def url(area: Area, page: str) -> str:
    return f"/api/v1/administration/{area.ons_code}/{page}/"


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.PRACTITIONER, Role.BOARD_MEMBER])
def test_other_roles_are_refused(area: Area, role: Role) -> None:
    client = APIClient()
    sign_in(client, member(role, area=area))
    for page in ("people", "agencies", "settings", "lockouts", "emails", "audit"):
        assert client.get(url(area, page)).status_code == 403
    assert client.get("/api/v1/administration/areas/").status_code == 403


def test_another_areas_administration_is_not_found(admin: APIClient) -> None:
    other = AreaFactory.create()
    for page in ("people", "agencies", "settings", "lockouts", "emails", "audit"):
        assert admin.get(url(other, page)).status_code == 404


def test_the_areas_administered(admin: APIClient, area: Area) -> None:
    assert admin.get("/api/v1/administration/areas/").json() == [
        {"ons_code": area.ons_code, "name": area.name}
    ]


@pytest.mark.parametrize("count", [1, 6])
def test_people_are_listed_at_a_fixed_cost(
    admin: APIClient, area: Area, agency: Agency, count: int, django_assert_num_queries: Any
) -> None:
    for _ in range(count):
        member(Role.PRACTITIONER, area=area, agency=agency)
    # The same for one person as for six: the people and their roles are one query each.
    with django_assert_num_queries(10):
        response = admin.get(url(area, "people"))
    assert response.json()["count"] == count + 1
    assert response.json()["results"][0]["roles"][0]["agency"] == agency.name


def test_a_person_is_given_a_role_and_loses_it(
    admin: APIClient, area: Area, agency: Agency
) -> None:
    body = {"username": "sam.okafor", "role": Role.COORDINATOR, "agency": agency.pk}
    refused = admin.post(url(area, "people"), body, format="json")
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"email", "password"}

    body |= {"email": "sam@example.org", "password": "a long and unusual pass phrase 7"}
    created = admin.post(url(area, "people"), body, format="json")
    assert created.status_code == 201, created.json()
    membership = Membership.objects.get(pk=created.json()["id"])
    assert membership.role == Role.COORDINATOR and membership.area == area

    ended = admin.post(url(area, f"memberships/{membership.pk}/end"))
    assert ended.json()["is_active"] is False
    assert AuditEvent.objects.filter(object_type="agencies.membership").count() >= 2


def test_an_agency_of_another_area_is_refused(admin: APIClient, area: Area) -> None:
    stranger = AgencyFactory.create()
    body = {"username": "x.y", "role": Role.PRACTITIONER, "agency": stranger.pk}
    response = admin.post(url(area, "people"), body, format="json")
    assert "agency" in response.json()["error"]["fields"]


def test_a_leaver_is_deactivated(admin: APIClient, area: Area, agency: Agency) -> None:
    leaver = member(Role.PRACTITIONER, area=area, agency=agency)
    assert admin.post(url(area, f"people/{leaver.pk}/deactivate")).status_code == 204
    leaver.refresh_from_db()
    assert not leaver.is_active
    elsewhere = member(Role.PRACTITIONER)
    assert admin.post(url(area, f"people/{elsewhere.pk}/deactivate")).status_code == 404


def test_agencies_are_added_and_deactivated(admin: APIClient, area: Area) -> None:
    body = {"name": "Riverside Academy", "agency_type": "education"}
    created = admin.post(url(area, "agencies"), body, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    names = [row["name"] for row in admin.get(url(area, "agencies")).json()["results"]]
    assert "Riverside Academy" in names
    done = admin.post(url(area, f"agencies/{pk}/deactivate"))
    assert done.json()["is_active"] is False


def test_settings_are_read_and_changed_within_the_pages_limits(
    admin: APIClient, area: Area
) -> None:
    assert admin.get(url(area, "settings")).json()["break_glass_hours"] == area.break_glass_hours
    too_many = admin.patch(url(area, "settings"), {"break_glass_hours": 500}, format="json")
    assert too_many.status_code == 400
    assert too_many.json()["error"]["fields"]["break_glass_hours"] == [
        "Enter a number of 168 or less"
    ]
    changed = admin.patch(url(area, "settings"), {"break_glass_hours": 12}, format="json")
    assert changed.json()["break_glass_hours"] == 12
    change = AuditEvent.objects.get(action=AuditAction.CHANGE, object_type="agencies.area")
    assert change.details == {"changed": ["break_glass_hours"]}


def test_lockouts_are_listed_and_unlocked(admin: APIClient, area: Area, agency: Agency) -> None:
    person = member(Role.PRACTITIONER, area=area, agency=agency)
    for _ in range(5):
        sign_in_with_password(Client(), person.username, "wrong")
    listed = admin.get(url(area, "lockouts")).json()
    assert [row["username"] for row in listed] == [person.username]
    body = {"username": person.username}
    assert admin.post(url(area, "lockouts"), body, format="json").status_code == 204
    assert admin.get(url(area, "lockouts")).json() == []


def test_undelivered_emails_list(admin: APIClient, area: Area) -> None:
    response = admin.get(url(area, "emails"))
    assert response.status_code == 200 and response.json()["results"] == []


def test_audit_search_is_recorded_and_exported(
    admin: APIClient, area: Area, agency: Agency
) -> None:
    person = member(Role.PRACTITIONER, area=area, agency=agency)
    sign_in_with_password(Client(), person.username, "wrong")
    query = {"username": person.username, "action": AuditAction.SIGN_IN_FAILED}
    found = admin.get(url(area, "audit"), query).json()
    assert [row["actor"] for row in found["results"]] == [person.username]
    searched = AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="agencies.area")
    assert searched.count() == 1
    export = admin.get(url(area, "audit/export.csv").rstrip("/"), query)
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))  # type: ignore[attr-defined]
    assert len(rows) == 2
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
    assert admin.get(url(area, "audit"), {"reference": "R99-000001"}).status_code == 400
