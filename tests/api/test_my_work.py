"""A lead professional's own cases and actions through the API, as the home page lists them."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Role
from audit.models import AuditAction, AuditEvent
from tests.factories import member, sign_in
from tests.frontend.test_home import build_homes

pytestmark = pytest.mark.django_db


def api(user: Any) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def test_a_lead_professional_gets_their_cases_and_actions(django_assert_num_queries: Any) -> None:
    homes = build_homes()
    client = api(homes.lead)
    with django_assert_num_queries(11):
        cases = client.get("/api/v1/my-cases/").json()["results"]
    assert [case["reference"] for case in cases] == [homes.decided.reference]
    with django_assert_num_queries(11):
        actions = client.get("/api/v1/my-actions/").json()["results"]
    assert len(actions) == 3
    assert [a["due_on"] for a in actions] == sorted(a["due_on"] for a in actions)
    seen = AuditEvent.objects.filter(action=AuditAction.VIEW, actor=homes.lead)
    assert seen.filter(object_type="referrals.referral").count() == 1
    assert seen.filter(object_type="referrals.protectiveaction").count() == 3


def test_someone_else_sees_none_of_it() -> None:
    build_homes()
    client = api(member(Role.LEAD_PROFESSIONAL))
    assert client.get("/api/v1/my-cases/").json()["results"] == []
    assert client.get("/api/v1/my-actions/").json()["results"] == []
