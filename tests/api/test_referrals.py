from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Area, Role
from tests.factories import AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db


def submitted_referrals(area: Area, count: int) -> None:
    practitioner = member(Role.PRACTITIONER, area=area)
    for _ in range(count):
        raise_referral(practitioner, submit=True)


@pytest.mark.parametrize("count", [1, 12])
def test_list_uses_a_fixed_number_of_queries(
    api_client: APIClient, django_assert_num_queries: Any, count: int
) -> None:
    area = AreaFactory.create()
    submitted_referrals(area, count)
    sign_in(api_client, member(Role.COORDINATOR, area=area))
    # session, user, the second-factor device the session was verified with; then in one
    # transaction (BEGIN, COMMIT) memberships, one page of referrals with their joins, and the
    # audit record of every referral shown (one insert, sent with the commit: no query of
    # its own);
    # then the idle-timeout session refresh (BEGIN, UPDATE, COMMIT). The same for 1 row as 12.
    with django_assert_num_queries(10):
        response = api_client.get("/api/v1/referrals/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == count


def test_list_is_cursor_paginated_and_scoped(api_client: APIClient) -> None:
    area = AreaFactory.create()
    submitted_referrals(area, 3)
    submitted_referrals(AreaFactory.create(), 2)  # another area: never listed
    sign_in(api_client, member(Role.COORDINATOR, area=area))
    first = api_client.get("/api/v1/referrals/?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"]
    assert "cursor=" in first["next"]
    second = api_client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    seen = {r["reference"] for r in first["results"] + second["results"]}
    assert len(seen) == 3
    assert {r["area"] for r in first["results"] + second["results"]} == {area.name}
