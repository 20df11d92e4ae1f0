"""`GET /api/v1/search/?q=`: young people and their referrals within need to know, recorded."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from agencies.models import Role, User
from audit.models import AuditAction, AuditEvent
from referrals.models import Referral
from tests.factories import AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


@pytest.fixture
def referral() -> Referral:
    area = AreaFactory.create()
    return raise_referral(
        member(Role.PRACTITIONER, area=area),
        submit=True,
        given_name="Darren",
        family_name="Smith",
        aliases=["Daz"],
        date_of_birth=date(2010, 12, 18),
        nhs_number="9434765919",
        postcode="LS1 4AB",
        school="Hillside Academy",
    )


def test_a_coordinator_finds_a_young_person_with_their_referrals(referral: Referral) -> None:
    coordinator = member(Role.COORDINATOR, area=referral.area)
    response = api(coordinator).get("/api/v1/search/", {"q": "smyth daz"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (found,) = body["results"]
    assert found["given_name"] == "Darren" and found["aliases"] == ["Daz"]
    assert (found["nhs_number"], found["postcode"], found["school"]) == (
        "9434765919",
        "LS1 4AB",
        "Hillside Academy",
    )
    assert found["referrals"] == [
        {
            "reference": referral.reference,
            "state": "submitted",
            "state_label": "Submitted",
            "rag": "",
            "rag_label": "",
            "area": referral.area.name,
            "created_at": found["referrals"][0]["created_at"],
        }
    ]
    seen = AuditEvent.objects.filter(actor=coordinator, action=AuditAction.VIEW)
    assert set(seen.values_list("object_type", "object_id")) == {
        ("referrals.youngperson", str(referral.young_person_id)),
        ("referrals.referral", str(referral.pk)),
    }


def test_the_referrer_sees_no_more_than_their_summary(referral: Referral) -> None:
    found = api(referral.raised_by).get("/api/v1/search/", {"q": "18/12/2010"}).json()
    (person,) = found["results"]
    assert (person["nhs_number"], person["postcode"], person["school"]) == (None, None, None)


def test_another_areas_coordinator_finds_nothing(referral: Referral) -> None:
    client = api(member(Role.COORDINATOR))
    for q in ("darren smith", referral.reference, "943 476 5919", "LS1 4AB"):
        assert client.get("/api/v1/search/", {"q": q}).json() == {
            "count": 0,
            "next": None,
            "previous": None,
            "results": [],
        }
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()


def test_a_role_that_sees_no_records_is_refused(referral: Referral) -> None:
    board = member(Role.BOARD_MEMBER, area=referral.area)
    assert api(board).get("/api/v1/search/", {"q": "darren"}).status_code == 403


@pytest.mark.parametrize(("q", "status"), [("", 400), ("   ", 422), ("!!", 422), ("x" * 201, 400)])
def test_nothing_to_search_for_is_refused(referral: Referral, q: str, status: int) -> None:
    # 400 outside the schema's length; 422 for text of its shape holding nothing to find.
    client = api(member(Role.COORDINATOR, area=referral.area))
    response = client.get("/api/v1/search/", {"q": q})
    assert response.status_code == status
    assert set(response.json()["error"]["fields"]) == {"q"}


def test_pages_of_results_in_a_fixed_number_of_queries(referral: Referral) -> None:
    coordinator = member(Role.COORDINATOR, area=referral.area)
    practitioner = member(Role.PRACTITIONER, area=referral.area)
    for _ in range(24):
        raise_referral(practitioner, submit=True, family_name="Smith")
    client = api(coordinator)
    with CaptureQueriesContext(connection) as first:
        body = client.get("/api/v1/search/", {"q": "smith"}).json()
    assert body["count"] == 25 and len(body["results"]) == 20 and body["next"]
    with CaptureQueriesContext(connection) as second:
        body = client.get("/api/v1/search/", {"q": "smith", "page": "2"}).json()
    assert len(body["results"]) == 5
    assert len(first) == len(second)
