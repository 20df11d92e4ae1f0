"""Board reports through the API: the same suppressed figures as the page, 404 for another
area, field errors for a wrong period, one audit record per reading."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Membership, Role
from api.reports import DashboardSerializer
from audit.models import AuditAction, AuditEvent
from tests.factories import AreaFactory, member, sign_in
from tests.reports.helpers import report_world, this_month

pytestmark = pytest.mark.django_db

REPORT_ROLES = {Role.BOARD_MEMBER, Role.COORDINATOR, Role.AREA_ADMINISTRATOR}


def api(user: Any) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def url(area: Any) -> str:
    return f"/api/v1/reports/areas/{area.ons_code}/dashboard/"


def table(body: dict[str, Any], slug: str) -> dict[str, Any]:
    return next(t for t in body["tables"] if t["slug"] == slug)


def row(body: dict[str, Any], slug: str, key: str) -> dict[str, Any]:
    return next(r for r in table(body, slug)["rows"] if r["key"] == key)


def dashboard_views() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.VIEW, object_type=""))


def test_the_dashboard_as_json_with_small_counts_suppressed() -> None:
    world = report_world()
    world.raise_now(7, sex="female")
    world.raise_last_month(3, sex="male")
    board = member(Role.BOARD_MEMBER, area=world.area)
    period = this_month()

    response = api(board).get(url(world.area), period.as_query())

    assert response.status_code == 200
    body = response.json()
    assert body["area"] == {"ons_code": world.area.ons_code, "name": world.area.name}
    assert body["period"]["start"] == period.start.isoformat()
    assert body["previous_period"]["end"] == period.previous().end.isoformat()
    raised = row(body, "summary", "raised")
    assert raised["current"] == {"shown": "7", "value": 7}
    assert raised["previous"] == {"shown": "c", "value": None}
    assert raised["change"] == {"shown": "c", "value": None}
    assert row(body, "sex", "raised.sex:male")["previous"] == {"shown": "c", "value": None}
    assert [t["slug"] for t in body["tables"]][:2] == ["summary", "raised_by_month"]
    # The body is what the schema says it is.
    assert DashboardSerializer(data=body).is_valid(), DashboardSerializer(data=body).errors


def test_each_reading_is_audited_with_its_period() -> None:
    world = report_world()
    admin = member(Role.AREA_ADMINISTRATOR, area=world.area)
    period = this_month()
    api(admin).get(url(world.area), period.as_query())
    (event,) = dashboard_views()
    assert (event.actor, event.area) == (admin, world.area)
    assert event.membership == Membership.objects.get(user=admin)
    assert event.details["period"] == {
        "kind": "month",
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }


@pytest.mark.parametrize(
    ("query", "field", "status"),
    [
        ({"kind": "custom"}, "start end", 422),
        ({"kind": "custom", "start": "2026-01-01"}, "end", 422),
        ({"kind": "fortnight"}, "kind", 400),
        ({"kind": "month", "on": "31/02/2026"}, "on", 400),
        ({"kind": "month", "on": "2999-01-01"}, "on", 422),
        ({"kind": "custom", "start": "2026-03-01", "end": "2026-02-01"}, "end", 422),
        ({"kind": "custom", "start": "1999-12-31", "end": "2000-02-01"}, "start", 422),
    ],
)
def test_a_wrong_period_is_refused_by_field_and_not_read(
    query: dict[str, str], field: str, status: int
) -> None:
    # 400 for a value of the wrong shape, 422 for a period of the right shape a rule refuses.
    world = report_world()
    response = api(member(Role.BOARD_MEMBER, area=world.area)).get(url(world.area), query)
    assert response.status_code == status
    assert list(response.json()["error"]["fields"]) == field.split()
    assert dashboard_views() == []


@pytest.mark.parametrize("role", list(Role))
def test_who_may_read_an_areas_dashboard(role: Role) -> None:
    world = report_world()
    reader = member(role, area=None if role is Role.NATIONAL_ANALYST else world.area)
    client = api(reader)
    assert client.get(url(AreaFactory.create())).status_code == 404
    own = client.get(url(world.area))
    areas = client.get("/api/v1/reports/areas/").json()
    if role in REPORT_ROLES:
        assert own.status_code == 200
        assert areas == [{"ons_code": world.area.ons_code, "name": world.area.name}]
    else:
        assert own.status_code == 404
        assert areas == []
    assert len(dashboard_views()) == (role in REPORT_ROLES)


def test_signed_out_callers_are_refused() -> None:
    world = report_world()
    assert APIClient().get(url(world.area)).status_code in {401, 403}
    assert APIClient().get("/api/v1/reports/areas/").status_code in {401, 403}


def test_the_dashboard_reads_a_fixed_number_of_queries(django_assert_num_queries: Any) -> None:
    world = report_world()
    world.raise_now(2)
    client = api(member(Role.COORDINATOR, area=world.area))
    query = this_month().as_query()
    client.get(url(world.area), query)  # refreshes the rollups the concerns marked stale
    # The session and its user (4), the area (2), the rollups' refresh (3), the tactics (1),
    # the figures (4), the links' version (1: the cluster count is cached), the audit record
    # (2: its insert goes with the next statement), the session saved (3).
    with django_assert_num_queries(18):
        assert client.get(url(world.area), query).status_code == 200
    world.raise_now(8)
    client.get(url(world.area), query)
    with django_assert_num_queries(18):
        body = client.get(url(world.area), query).json()
    assert row(body, "summary", "raised")["current"]["shown"] == "10"
