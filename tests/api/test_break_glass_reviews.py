"""Reviewing emergency access through the API: the coordinator's list and the review."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Area, Membership, Role
from audit.models import AuditAction, AuditEvent
from referrals.models import BreakGlassAccess, Referral
from tests.factories import AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/break-glass-reviews/"


def uses(referral: Referral, how_many: int) -> list[BreakGlassAccess]:
    """`how_many` coordinators from elsewhere who used emergency access to `referral`."""
    made = []
    for n in range(how_many):
        user = member(Role.COORDINATOR)
        made.append(
            BreakGlassAccess.objects.create(
                user=user,
                membership=Membership.objects.get(user=user),
                referral=referral,
                reason=f"Reason {n}: found at night far from home",
                expires_at=timezone.now() + timedelta(hours=4),
            )
        )
    return made


@pytest.fixture
def area() -> Area:
    return AreaFactory.create()


@pytest.fixture
def referral(area: Area) -> Referral:
    return raise_referral(member(Role.PRACTITIONER, area=area), submit=True)


def client_for(user: Any) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


@pytest.mark.parametrize("count", [1, 5])
def test_the_list_is_recorded_as_seen_at_a_fixed_cost(
    area: Area, referral: Referral, count: int, django_assert_num_queries: Any
) -> None:
    uses(referral, count)
    client = client_for(member(Role.COORDINATOR, area=area))
    with django_assert_num_queries(11):  # the same for one as for five
        response = client.get(URL)
    rows = response.json()["results"]
    assert len(rows) == count and rows[0]["referral"] == referral.reference
    assert rows[0]["reviewed_at"] is None
    seen = AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="referrals.breakglassaccess"
    )
    assert seen.count() == count


def test_a_review_is_recorded_once(area: Area, referral: Referral) -> None:
    (access,) = uses(referral, 1)
    client = client_for(member(Role.COORDINATOR, area=area))
    response = client.post(f"{URL}{access.pk}/", {"note": "Justified."}, format="json")
    assert response.status_code == 200
    assert response.json()["review_note"] == "Justified." and response.json()["reviewed_by"]
    again = client.post(f"{URL}{access.pk}/", {"note": "Me too."}, format="json")
    assert again.status_code == 422
    assert client.post(f"{URL}{access.pk}/", {}, format="json").status_code == 400


def test_another_areas_coordinator_finds_nothing(referral: Referral) -> None:
    (access,) = uses(referral, 1)
    client = client_for(member(Role.COORDINATOR))
    assert client.get(URL).json()["results"] == []
    assert client.post(f"{URL}{access.pk}/", {"note": "x"}, format="json").status_code == 404


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.POLICE_LEAD, Role.AREA_ADMINISTRATOR])
def test_other_roles_are_refused(area: Area, referral: Referral, role: Role) -> None:
    (access,) = uses(referral, 1)
    client = client_for(member(role, area=area))
    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}{access.pk}/", {"note": "x"}, format="json").status_code == 403
