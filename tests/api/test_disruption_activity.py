"""Disruption activity through the API: log, list with filters, read, update, the catalogue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import AgencyType, Role, User
from audit.models import AuditAction, AuditEvent
from disruption.models import DisruptionActivity, DisruptionTactic, PersonOfConcern, Vehicle
from referrals.models import Referral, ReferralEvent, ReferralEventType
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/disruption-activities/"


class World:
    def __init__(self) -> None:
        self.area = AreaFactory.create()
        police = AgencyFactory.create(areas=[self.area], agency_type=AgencyType.POLICE)
        self.school = AgencyFactory.create(areas=[self.area])
        self.police_lead = member(Role.POLICE_LEAD, area=self.area, agency=police)
        self.coordinator = member(Role.COORDINATOR, area=self.area, agency=self.school)
        self.practitioner = member(Role.PRACTITIONER, area=self.area, agency=self.school)
        self.person = PersonOfConcern.objects.create(
            area=self.area, name="Synthetic Suspect", created_by=self.police_lead
        )
        self.referral: Referral = raise_referral(self.practitioner, submit=True)

    def body(self, **changes: Any) -> dict[str, Any]:
        return {
            "target_kind": "person",
            "target_id": self.person.pk,
            "tactic": "cawn",
            "mode": "direct",
            "owner": self.police_lead.pk,
            "referrals": [self.referral.reference],
        } | changes


@pytest.fixture
def world() -> World:
    return World()


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def test_an_activity_is_logged_read_and_updated(world: World) -> None:
    client = api(world.police_lead)
    issued = timezone.localdate() - timedelta(days=1)
    created = client.post(URL, world.body(issued_on=str(issued)), format="json")
    assert created.status_code == 201, created.json()
    activity = created.json()
    assert activity["target"] == {
        "kind": "person",
        "id": world.person.pk,
        "label": "Synthetic Suspect",
    }
    assert activity["referrals"] == [world.referral.reference]
    assert activity["expires_on"] == str(issued + timedelta(days=730))
    assert activity["legal_power"].startswith("No statutory basis")
    assert activity["status"] == "planned"
    assert ReferralEvent.objects.filter(
        referral=world.referral, event_type=ReferralEventType.DISRUPTION_LOGGED
    ).exists()

    read = api(world.coordinator).get(f"{URL}{activity['id']}/")
    assert read.status_code == 200 and read.json()["id"] == activity["id"]
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, actor=world.coordinator, object_id=str(activity["id"])
    ).exists()

    done = client.patch(f"{URL}{activity['id']}/", {"status": "done"}, format="json")
    assert done.status_code == 422 and "outcome" in done.json()["error"]["fields"]
    done = client.patch(
        f"{URL}{activity['id']}/",
        {"status": "done", "outcome": "Served in person", "served_on": str(issued)},
        format="json",
    )
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "done" and done.json()["served_on"] == str(issued)


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"tactic": "no_such_tactic"}, "tactic", 404),
        ({"mode": "sideways"}, "mode", 400),
        ({"status": "done"}, "outcome", 422),
        ({"referrals": ["R00-000000"]}, "referrals", 404),  # named, but not there
        ({"issued_on": "2026-01-10", "served_on": "2026-01-09"}, "served_on", 422),
        ({"tactic": "arrest", "expires_on": "2030-01-01"}, "expires_on", 422),
    ],
)
def test_bad_input_is_refused_by_field(
    world: World, change: dict[str, Any], field: str, status: int
) -> None:
    answer = api(world.police_lead).post(URL, world.body(**change), format="json")
    assert answer.status_code == status
    assert field in answer.json()["error"]["fields"]
    assert not DisruptionActivity.objects.exists()


def test_a_closed_referral_is_a_state_conflict(world: World) -> None:
    Referral.objects.filter(pk=world.referral.pk).update(state="closed")
    answer = api(world.police_lead).post(URL, world.body(), format="json")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "conflict"
    assert "is not open" in answer.json()["error"]["fields"]["referrals"][0]
    assert not DisruptionActivity.objects.exists()


def test_an_owner_outside_the_area_is_refused(world: World) -> None:
    answer = api(world.police_lead).post(
        URL, world.body(owner=member(Role.POLICE_LEAD).pk), format="json"
    )
    assert answer.status_code == 400 and "owner" in answer.json()["error"]["fields"]


def test_a_target_out_of_scope_answers_404(world: World) -> None:
    other = World()
    answer = api(world.police_lead).post(URL, world.body(target_id=other.person.pk), format="json")
    assert answer.status_code == 404
    answer = api(world.practitioner).post(URL, world.body(), format="json")
    assert answer.status_code == 404


def test_a_retried_create_with_its_key_logs_once(world: World) -> None:
    client = api(world.police_lead)
    first = client.post(URL, world.body(), format="json", HTTP_IDEMPOTENCY_KEY="disruption-1")
    again = client.post(URL, world.body(), format="json", HTTP_IDEMPOTENCY_KEY="disruption-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert DisruptionActivity.objects.count() == 1


def _log(world: World, **changes: Any) -> dict[str, Any]:
    answer = api(world.police_lead).post(URL, world.body(**changes), format="json")
    assert answer.status_code == 201, answer.json()
    return dict(answer.json())


def test_the_list_filters_and_records_each_row_as_seen(world: World) -> None:
    car = Vehicle.objects.create(
        area=world.area, registration="AB12CDE", created_by=world.police_lead
    )
    cawn = _log(world)
    marker = _log(
        world, target_kind="vehicle", target_id=car.pk, tactic="vehicle_marker", referrals=[]
    )
    client = api(world.coordinator)

    def ids(**query: Any) -> list[int]:
        answer = client.get(URL, query)
        assert answer.status_code == 200, answer.json()
        return [row["id"] for row in answer.json()["results"]]

    assert ids() == [marker["id"], cawn["id"]]
    assert ids(tactic="cawn") == [cawn["id"]]
    assert ids(target_kind="vehicle") == [marker["id"]]
    assert ids(status="done") == []
    assert ids(owner=world.police_lead.pk) == [marker["id"], cawn["id"]]
    assert ids(since=str(timezone.localdate())) == [marker["id"], cawn["id"]]
    assert ids(until=str(timezone.localdate() - timedelta(days=1))) == []
    assert ids(referral=world.referral.reference) == [cawn["id"]]
    assert ids(referral="R99-999999") == []
    seen = AuditEvent.objects.filter(action=AuditAction.VIEW, actor=world.coordinator)
    assert {int(e.object_id) for e in seen} == {cawn["id"], marker["id"]}
    assert client.get(URL, {"status": "lost"}).status_code == 400


def test_other_roles_and_areas_see_nothing(world: World) -> None:
    activity = _log(world)
    outsiders = [
        world.practitioner,
        member(Role.AGENCY_SAFEGUARDING_LEAD, area=world.area, agency=world.school),
        member(Role.LEAD_PROFESSIONAL, area=world.area, agency=world.school),
        member(Role.BOARD_MEMBER, area=world.area, agency=world.school),
        member(Role.AREA_ADMINISTRATOR, area=world.area, agency=world.school),
        member(Role.NATIONAL_ANALYST),
        member(Role.POLICE_LEAD),
        member(Role.COORDINATOR),
    ]
    for outsider in outsiders:
        client = api(outsider)
        assert client.get(URL).json()["results"] == []
        assert client.get(f"{URL}{activity['id']}/").status_code == 404
        patched = client.patch(f"{URL}{activity['id']}/", {"court": "x"}, format="json")
        assert patched.status_code == 404


@pytest.mark.parametrize("count", [2, 6])
def test_the_list_takes_the_same_queries_however_many_rows(
    world: World, django_assert_num_queries: Any, count: int
) -> None:
    for _ in range(count):
        _log(world)
    client = api(world.coordinator)
    client.get(URL)  # the session's first use loads it once
    with django_assert_num_queries(11):
        answer = client.get(URL)
    assert len(answer.json()["results"]) == count


def test_the_tactics_catalogue(world: World) -> None:
    DisruptionTactic.objects.filter(code="flag").update(is_active=False)
    answer = api(world.practitioner).get("/api/v1/disruption-tactics/")
    assert answer.status_code == 200
    codes = [t["code"] for t in answer.json()]
    assert codes[:2] == ["cawn", "sexual_risk_order"] and "flag" not in codes
    cawn = answer.json()[0]
    assert cawn["expires"] is True and cawn["default_duration_days"] == 730
    assert APIClient().get("/api/v1/disruption-tactics/").status_code in (401, 403)


@pytest.mark.parametrize("name", ["tactic", "status", "target_kind", "since", "until", "referral"])
def test_a_filter_sent_empty_is_refused_not_ignored(world: World, name: str) -> None:
    answer = api(world.coordinator).get(URL, {name: ""})
    assert answer.status_code == 400
    assert name in answer.json()["error"]["fields"]
