"""The catalogues' API: screening tools, protective action types and disruption tactics."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Role, User
from audit.models import AuditAction, AuditEvent
from referrals.models import ProtectiveActionType, ScreeningTool
from tests.factories import AreaFactory, member, sign_in

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


@pytest.fixture
def area() -> Any:
    return AreaFactory.create()


def _new_version(area: Any, based_on: str = "default-1") -> dict[str, Any]:
    base = ScreeningTool.objects.get(version=based_on)
    return {
        "area": area.ons_code,
        "based_on": based_on,
        "name": "Our screening tool",
        "exploitation_types": ["sexual"],
        "indicators": [
            {"code": i.code, "category": i.category, "label": i.label, "weight": i.weight}
            for i in base.indicators.all()
        ]
        + [{"category": "moderate", "label": "Sleeping at friends' houses", "weight": 2}],
    }


def test_a_coordinator_publishes_a_version_and_reads_it(
    area: Any, django_assert_max_num_queries: Any
) -> None:
    coordinator = api(member(Role.COORDINATOR, area=area))
    answer = coordinator.post(
        "/api/v1/screening-tools/", _new_version(area), format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert answer.status_code == 201, answer.json()
    made = answer.json()
    assert made["national"] is False and made["in_use"] is True
    assert made["indicators"][-1]["label"] == "Sleeping at friends' houses"
    assert made["indicators"][-1]["code"] == "sleeping-at-friends-houses"
    again = coordinator.post(
        "/api/v1/screening-tools/", _new_version(area), format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert again.json()["version"] == made["version"]
    assert ScreeningTool.objects.filter(area=area).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, area=area).count() == 1

    with django_assert_max_num_queries(8):
        listed = coordinator.get(f"/api/v1/screening-tools/?area={area.ons_code}")
    versions = {t["version"]: t for t in listed.json()}
    assert {"default-1", "county-lines-1", made["version"]} <= set(versions)
    one = coordinator.get(f"/api/v1/screening-tools/{made['version']}/")
    assert one.status_code == 200 and len(one.json()["indicators"]) == len(made["indicators"])


def test_a_refused_version_says_why(area: Any) -> None:
    coordinator = api(member(Role.COORDINATOR, area=area))
    body = {**_new_version(area), "indicators": [], "exploitation_types": ["smuggling"]}
    answer = coordinator.post("/api/v1/screening-tools/", body, format="json")
    assert answer.status_code == 400
    assert {"indicators", "exploitation_types"} <= set(answer.json()["error"]["fields"])
    unknown = {**_new_version(area), "based_on": "no-such-tool"}
    assert coordinator.post("/api/v1/screening-tools/", unknown, format="json").status_code == 404


def test_roles_other_than_the_keeper_are_refused(area: Any) -> None:
    administrator = api(member(Role.AREA_ADMINISTRATOR, area=area))
    answer = administrator.post("/api/v1/screening-tools/", _new_version(area), format="json")
    assert answer.status_code == 403
    coordinator = api(member(Role.COORDINATOR, area=area))
    added = coordinator.post(
        "/api/v1/protective-action-types/", {"label": "Detached youth work"}, format="json"
    )
    assert added.status_code == 403
    retire = coordinator.post("/api/v1/disruption-tactics/cawn/retire/", {}, format="json")
    assert retire.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.CREATE, area=area).exists()


def test_another_areas_entries_answer_404(area: Any) -> None:
    elsewhere = AreaFactory.create()
    theirs = api(member(Role.COORDINATOR, area=elsewhere)).post(
        "/api/v1/screening-tools/", _new_version(elsewhere), format="json"
    )
    version = theirs.json()["version"]
    their_admin = api(member(Role.AREA_ADMINISTRATOR, area=elsewhere))
    their_type = their_admin.post(
        "/api/v1/protective-action-types/", {"label": "Their own"}, format="json"
    ).json()["code"]

    coordinator = api(member(Role.COORDINATOR, area=area))
    assert coordinator.get(f"/api/v1/screening-tools/{version}/").status_code == 404
    assert coordinator.post(f"/api/v1/screening-tools/{version}/retire/").status_code == 404
    administrator = api(member(Role.AREA_ADMINISTRATOR, area=area))
    retire = administrator.post(f"/api/v1/protective-action-types/{their_type}/retire/")
    assert retire.status_code == 404
    codes = [t["code"] for t in administrator.get("/api/v1/protective-action-types/").json()]
    assert their_type not in codes
    # Naming an area the caller holds no role in is the same 404.
    listed = coordinator.get(f"/api/v1/screening-tools/?area={elsewhere.ons_code}")
    assert listed.status_code == 404


def test_an_administrator_keeps_action_types_and_tactics(area: Any) -> None:
    administrator = api(member(Role.AREA_ADMINISTRATOR, area=area))
    added = administrator.post(
        "/api/v1/protective-action-types/", {"label": "Detached youth work"}, format="json"
    )
    assert added.status_code == 201 and added.json()["national"] is False
    stop = administrator.post("/api/v1/protective-action-types/mentoring/retire/")
    assert stop.json() == {
        "code": "mentoring",
        "label": "Mentoring or youth work",
        "national": True,
        "in_use": False,
    }
    assert area in ProtectiveActionType.objects.get(code="mentoring").not_used_by.all()
    again = administrator.post("/api/v1/protective-action-types/mentoring/use/")
    assert again.json()["in_use"] is True

    tactic = administrator.post(
        "/api/v1/disruption-tactics/",
        {
            "label": "Community protection notice",
            "category": "notice",
            "expires": True,
            "default_duration_days": 365,
        },
        format="json",
    )
    assert tactic.status_code == 201 and tactic.json()["in_use"] is True
    code = tactic.json()["code"]
    retired = administrator.post(f"/api/v1/disruption-tactics/{code}/retire/")
    assert retired.json()["in_use"] is False
    refused = administrator.post(
        "/api/v1/disruption-tactics/", {"label": "", "category": "rumour"}, format="json"
    )
    assert refused.status_code == 400
    assert {"label", "category"} <= set(refused.json()["error"]["fields"])
    assert AuditEvent.objects.filter(area=area, action=AuditAction.CHANGE).count() == 3


def test_someone_in_two_areas_names_the_area(area: Any) -> None:
    user = member(Role.COORDINATOR, area=area)
    other = AreaFactory.create()
    member_of_other = member(Role.COORDINATOR, area=other)
    membership = member_of_other.memberships.get()
    membership.user = user
    membership.save()
    client = api(user)
    assert client.get("/api/v1/screening-tools/").status_code == 422
    assert client.get(f"/api/v1/screening-tools/?area={other.ons_code}").status_code == 200
