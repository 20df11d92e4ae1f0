"""/api/v1/strategy-profiles/: list (by area and year), one profile, and answering it."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Area, Role
from audit.models import AuditAction, AuditEvent
from reports.models import StrategyProfile
from tests.factories import AreaFactory, member, sign_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/strategy-profiles/"
ANSWERS = {
    "protocol": "in_place",
    "protocol_reviewed_on": "2025-06-01",
    "protocol_reviewed_since_guidance": "yes",
    "sub_group": True,
    "lead_professional_agencies": ["police"],
    "coordinator": "in_post",
    "specialist_service": "none",
    "awareness_professionals": "delivered",
    "awareness_young_people": "planned",
    "awareness_parents_and_carers": "none",
    "training_identification": "delivered",
    "training_protection": "none",
    "training_evidence_gathering": "none",
    "disruption_activity": "active",
    "local_data_collection": False,
}


@pytest.fixture
def areas() -> tuple[Area, Area]:
    first, second = AreaFactory.create(), AreaFactory.create()
    for area in (first, second):
        for year in (2024, 2025):
            StrategyProfile.objects.create(area=area, year=year, responded=True)
    return first, second


def one(area: Area, year: int = 2025) -> str:
    return f"{URL}{area.ons_code}/{year}/"


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.BOARD_MEMBER, 2),
        (Role.COORDINATOR, 2),
        (Role.AREA_ADMINISTRATOR, 2),
        (Role.PRACTITIONER, 0),
        (Role.POLICE_LEAD, 0),
    ],
)
def test_the_list_holds_only_the_callers_areas(
    api_client: APIClient,
    areas: tuple[Area, Area],
    role: Role,
    sees: int,
    django_assert_max_num_queries: Any,
) -> None:
    sign_in(api_client, member(role, area=areas[0]))
    with django_assert_max_num_queries(14):
        response = api_client.get(URL)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == sees
    assert {row["ons_code"] for row in rows} <= {areas[0].ons_code}
    assert api_client.get(one(areas[1])).status_code == 404
    assert api_client.get(one(areas[0])).status_code == (200 if sees else 404)


def test_a_national_analyst_lists_every_area_filtered_by_code_and_year(
    api_client: APIClient, areas: tuple[Area, Area]
) -> None:
    sign_in(api_client, member(Role.NATIONAL_ANALYST))
    assert len(api_client.get(URL).json()["results"]) == 4
    rows = api_client.get(URL, {"ons_code": areas[1].ons_code.lower(), "year": "2024"}).json()
    assert [(r["ons_code"], r["year"], r["year_label"]) for r in rows["results"]] == [
        (areas[1].ons_code, 2024, "2024-25")
    ]
    assert api_client.get(URL, {"year": "soon"}).status_code == 400
    seen = AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="reports.strategyprofile")
    assert seen.count() == 5  # every profile listed is recorded as seen


@pytest.mark.parametrize(
    ("role", "same_area", "status"),
    [
        (Role.COORDINATOR, True, 200),
        (Role.AREA_ADMINISTRATOR, True, 200),
        (Role.BOARD_MEMBER, True, 403),
        (Role.COORDINATOR, False, 404),
        (Role.AREA_ADMINISTRATOR, False, 404),
        (Role.NATIONAL_ANALYST, False, 403),
        (Role.PRACTITIONER, True, 404),
    ],
)
def test_answering_by_role_and_area(
    api_client: APIClient, areas: tuple[Area, Area], role: Role, same_area: bool, status: int
) -> None:
    area = areas[0]
    sign_in(api_client, member(role, area=area if same_area else AreaFactory.create()))

    response = api_client.put(one(area, 2025), ANSWERS, format="json")

    assert response.status_code == status, response.json()
    profile = StrategyProfile.objects.get(area=area, year=2025)
    assert (profile.coordinator == "in_post") == (status == 200)
    if status == 200:
        assert response.json()["lead_professional_agencies"] == ["police"]
        assert AuditEvent.objects.filter(action=AuditAction.CHANGE, area_id=area.pk).exists()


def test_bad_answers_are_named_by_field_and_change_nothing(
    api_client: APIClient, areas: tuple[Area, Area]
) -> None:
    area = areas[0]
    sign_in(api_client, member(Role.COORDINATOR, area=area))
    bad = {**ANSWERS, "coordinator": "sometimes", "protocol_reviewed_on": "1999-01-01"}
    del bad["sub_group"]

    response = api_client.put(one(area), bad, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"coordinator", "sub_group"}
    response = api_client.put(
        one(area), {**ANSWERS, "protocol_reviewed_on": "1999-01-01"}, format="json"
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"protocol_reviewed_on"}
    assert StrategyProfile.objects.get(area=area, year=2025).coordinator == "none"
