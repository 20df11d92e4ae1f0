"""The coordinator's overdue actions and correcting a young person, through the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Area, Role, User
from audit.models import AuditAction, AuditEvent
from referrals.break_glass import break_glass_open
from referrals.casework import action_add
from referrals.models import ProtectiveAction, ProtectiveActionType, Referral
from tests.factories import AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

OVERDUE = "/api/v1/overdue-actions/"


@pytest.fixture
def area() -> Area:
    return AreaFactory.create()


@pytest.fixture
def coordinator(area: Area) -> User:
    return member(Role.COORDINATOR, area=area)


@pytest.fixture
def referral(area: Area) -> Referral:
    return raise_referral(member(Role.PRACTITIONER, area=area), submit=True, given_name="Jo")


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def overdue_actions(referral: Referral, owner: User, count: int) -> None:
    for _ in range(count):
        action = action_add(
            referral=referral,
            actor=owner,
            action_type=ProtectiveActionType.objects.get(code="safety_plan"),
            owner=owner,
            due_on=timezone.localdate() + timedelta(days=1),
        )
        ProtectiveAction.objects.filter(pk=action.pk).update(
            due_on=timezone.localdate() - timedelta(days=3)
        )


@pytest.mark.parametrize("count", [1, 4])
def test_overdue_actions_are_listed_and_recorded_as_seen(
    referral: Referral, coordinator: User, count: int, django_assert_num_queries: Any
) -> None:
    overdue_actions(referral, coordinator, count)
    client = api(coordinator)
    with django_assert_num_queries(11):  # the same for one as for four
        response = client.get(OVERDUE)
    rows = response.json()["results"]
    assert len(rows) == count and rows[0]["referral"] == referral.reference
    seen = AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="referrals.protectiveaction"
    )
    assert seen.count() == count


def test_another_areas_overdue_actions_are_not_listed(
    referral: Referral, coordinator: User
) -> None:
    overdue_actions(referral, coordinator, 1)
    assert api(member(Role.COORDINATOR)).get(OVERDUE).json()["results"] == []


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.AREA_ADMINISTRATOR])
def test_overdue_actions_are_for_coordinators(area: Area, role: Role) -> None:
    assert api(member(role, area=area)).get(OVERDUE).status_code == 403


def correct(client: APIClient, referral: Referral, body: dict[str, Any]) -> Any:
    url = f"/api/v1/referrals/{referral.reference}/young-person/correct/"
    return client.post(url, body, format="json")


def test_a_correction_keeps_its_reason(referral: Referral, coordinator: User) -> None:
    body = {"given_name": "Joanne", "reason": "She told us her full name."}
    response = correct(api(coordinator), referral, body)
    assert response.status_code == 200, response.json()
    assert response.json()["given_name"] == "Joanne"
    change = AuditEvent.objects.get(action=AuditAction.CHANGE, object_type="referrals.youngperson")
    assert change.given_reason() == "She told us her full name."
    assert change.details["fields"] == ["given_name"]


def test_a_correction_needs_a_reason_and_a_sane_date(referral: Referral, coordinator: User) -> None:
    client = api(coordinator)
    no_reason = correct(client, referral, {"given_name": "Joanne"})
    assert "reason" in no_reason.json()["error"]["fields"]
    bad_date = correct(client, referral, {"date_of_birth": "9999-01-01", "reason": "Typo."})
    assert "date_of_birth" in bad_date.json()["error"]["fields"]
    unknown = correct(client, referral, {"sex": "male", "reason": "Not a correction field."})
    assert unknown.status_code == 200
    referral.young_person.refresh_from_db()
    assert referral.young_person.given_name == "Jo"


def test_corrections_follow_the_casework_rules(referral: Referral) -> None:
    body = {"given_name": "X", "reason": "Because."}
    assert correct(api(member(Role.COORDINATOR)), referral, body).status_code == 404
    outsider = member(Role.COORDINATOR)
    break_glass_open(referral=referral, actor=outsider, reason="Missing overnight, urgent.")
    assert correct(api(outsider), referral, body).status_code == 403


def seen_by(client: APIClient, referral: Referral) -> Any:
    return client.get(f"/api/v1/referrals/{referral.reference}/seen-by/")


def test_who_has_seen_a_referral(
    area: Area, referral: Referral, coordinator: User, django_assert_max_num_queries: Any
) -> None:
    police = member(Role.POLICE_LEAD, area=area)
    api(police).get(f"/api/v1/referrals/{referral.reference}/")
    client = api(coordinator)
    with django_assert_max_num_queries(16):
        rows = seen_by(client, referral).json()["results"]
    viewers = [row["actor"] for row in rows if row["action"] == AuditAction.VIEW]
    assert viewers[:2] == [coordinator.username, police.username]
    assert seen_by(api(police), referral).status_code == 403
    assert seen_by(api(member(Role.COORDINATOR)), referral).status_code == 404
