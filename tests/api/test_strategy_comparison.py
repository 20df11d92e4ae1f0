"""/api/v1/strategy-profile-comparison/: every area's answers compared for a year, with
disclosure control, for national analysts and board members."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Area, Role
from audit.models import AuditAction, AuditEvent
from reports.models import StrategyProfile
from reports.profiles import reporting_year
from tests.factories import AreaFactory, member, sign_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/strategy-profile-comparison/"
YEAR = 2025


def api(role: Role, area: Area | None = None) -> APIClient:
    client = APIClient()
    sign_in(client, member(role, area=area))
    return client


def test_the_comparison_suppresses_small_counts_and_is_recorded(
    django_assert_max_num_queries: Any,
) -> None:
    areas = [AreaFactory.create() for _ in range(10)]
    for area in areas[:3]:
        StrategyProfile.objects.create(area=area, year=YEAR, responded=True, coordinator="in_post")
    analyst = member(Role.NATIONAL_ANALYST)
    client = APIClient()
    sign_in(client, analyst)
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"year": YEAR})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["year"], body["label"]) == (YEAR, "2025-26")
    assert body["all_areas"] == {"shown": "10", "value": 10}
    # 3 responded and 7 did not, of 10: both hidden, or 7 would give the 3 away.
    assert body["responding"]["shown"] == body["not_responding"]["shown"] == "c"
    coordinator = next(row for row in body["items"] if row["key"] == "coordinator_in_post")
    assert coordinator["count"] == {"shown": "c", "value": None}
    table = body["cross_tables"][0]
    assert set(table["cells"]) == {"yes_yes", "yes_no", "no_yes", "no_no"}
    assert AuditEvent.objects.filter(
        actor=analyst, action=AuditAction.VIEW, details__national_comparison=YEAR
    ).exists()


def test_the_current_year_when_none_is_asked() -> None:
    body = api(Role.BOARD_MEMBER, AreaFactory.create()).get(URL).json()
    assert body["year"] == reporting_year(timezone.localdate())


@pytest.mark.parametrize(("year", "status"), [("1999", 422), ("9999", 422), ("last", 400)])
def test_a_year_the_service_does_not_keep_is_refused(year: str, status: int) -> None:
    response = api(Role.NATIONAL_ANALYST).get(URL, {"year": year})
    assert response.status_code == status
    assert "year" in response.json()["error"]["fields"]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.AREA_ADMINISTRATOR, Role.PRACTITIONER])
def test_other_roles_are_refused_as_on_the_page(role: Role) -> None:
    assert api(role, AreaFactory.create()).get(URL, {"year": YEAR}).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()
