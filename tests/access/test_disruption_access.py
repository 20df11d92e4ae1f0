"""Who sees disruption activity: every role, in the activity's area and in another, on every
endpoint and page. Only the area's police leads and coordinators see or change it; for
everyone else lists are empty and everything else answers 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from rest_framework.test import APIClient

from agencies.models import AgencyType, Role, User
from disruption.activity_selectors import (
    activities_for_referral,
    disruption_log,
)
from disruption.activity_services import disruption_activity_add, disruption_activity_update
from disruption.models import DisruptionActivity, DisruptionTactic, PersonOfConcern
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

SAME_AREA, OTHER_AREA = "same_area", "other_area"
SEES = {Role.POLICE_LEAD, Role.COORDINATOR}
CASES = [
    (role, relation)
    for role in Role
    for relation in (SAME_AREA, OTHER_AREA)
    if not (role is Role.NATIONAL_ANALYST and relation == SAME_AREA)  # they hold no area
]


@pytest.fixture
def world() -> dict[str, Any]:
    area = AreaFactory.create()
    police = AgencyFactory.create(areas=[area], agency_type=AgencyType.POLICE)
    school = AgencyFactory.create(areas=[area])
    police_lead = member(Role.POLICE_LEAD, area=area, agency=police)
    referral = raise_referral(member(Role.PRACTITIONER, area=area, agency=school), submit=True)
    person = PersonOfConcern.objects.create(area=area, name="Synthetic", created_by=police_lead)
    activity = disruption_activity_add(
        actor=police_lead,
        target=person,
        tactic=DisruptionTactic.objects.get(code="cawn"),
        mode="direct",
        owner=police_lead,
        status="planned",
        referrals=[referral],
    )
    return {
        "area": area,
        "school": school,
        "police_lead": police_lead,
        "referral": referral,
        "person": person,
        "activity": activity,
    }


def subject(world: dict[str, Any], role: Role, relation: str) -> User:
    if relation == SAME_AREA:
        return member(role, area=world["area"], agency=world["school"])
    return member(role)


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_selectors(world: dict[str, Any], role: Role, relation: str) -> None:
    user = subject(world, role, relation)
    sees = role in SEES and relation == SAME_AREA
    assert list(disruption_log(user=user)) == ([world["activity"]] if sees else [])
    if sees:
        assert list(activities_for_referral(user=user, referral=world["referral"])) == [
            world["activity"]
        ]
    else:
        with pytest.raises(Http404):
            activities_for_referral(user=user, referral=world["referral"])


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_services(world: dict[str, Any], role: Role, relation: str) -> None:
    user = subject(world, role, relation)
    if role in SEES and relation == SAME_AREA:
        disruption_activity_update(activity=world["activity"], actor=user, court="A court")
        return
    with pytest.raises(PermissionDenied):
        disruption_activity_update(activity=world["activity"], actor=user, court="A court")
    with pytest.raises(PermissionDenied):
        disruption_activity_add(
            actor=user,
            target=world["person"],
            tactic=DisruptionTactic.objects.get(code="flag"),
            mode="direct",
            owner=world["police_lead"],
            status="planned",
        )
    assert DisruptionActivity.objects.count() == 1


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_api(world: dict[str, Any], role: Role, relation: str) -> None:
    user = subject(world, role, relation)
    sees = role in SEES and relation == SAME_AREA
    client = APIClient()
    sign_in(client, user)
    url = "/api/v1/disruption-activities/"
    pk = world["activity"].pk
    listed = [row["id"] for row in client.get(url).json()["results"]]
    assert listed == ([pk] if sees else [])
    assert client.get(f"{url}{pk}/").status_code == (200 if sees else 404)
    patched = client.patch(f"{url}{pk}/", {"court": "A court"}, format="json")
    assert patched.status_code == (200 if sees else 404)
    created = client.post(
        url,
        {
            "target_kind": "person",
            "target_id": world["person"].pk,
            "tactic": "flag",
            "mode": "direct",
            "owner": world["police_lead"].pk,
        },
        format="json",
    )
    assert created.status_code == (201 if sees else 404)


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_pages(world: dict[str, Any], role: Role, relation: str) -> None:
    user = subject(world, role, relation)
    sees = role in SEES and relation == SAME_AREA
    client = Client()
    sign_in(client, user)
    pk = world["activity"].pk
    pages = [
        f"/disruption/{pk}/",
        f"/disruption/new/?referral={world['referral'].reference}",
        f"/disruption/new/?area={world['area'].pk}",
    ]
    for url in pages:
        assert client.get(url).status_code == (200 if sees else 404), url
    log = client.get("/disruption/")
    if role in SEES:  # another area's: their own, empty log
        assert log.status_code == 200
        assert ("Synthetic" in log.content.decode()) is sees
    else:
        assert log.status_code == 404
        assert client.get("/disruption/expiring/").status_code == 404
