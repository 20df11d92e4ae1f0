"""GET /api/v1/triage-queue/ (the triage page's order and filters) and what the referral
detail carries for each kind of access."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Membership, Role
from audit.models import AuditAction, AuditEvent
from referrals.models import Rag, Referral, ReferralState, RiskLevel
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/triage-queue/"
REFERRALS = "/api/v1/referrals/"


@pytest.fixture
def world() -> dict[str, Any]:
    area = AreaFactory.create()
    school = AgencyFactory.create(areas=[area], name="Hillside Academy")
    teacher = member(Role.PRACTITIONER, area=area, agency=school)
    coordinator = member(Role.COORDINATOR, area=area)
    now = timezone.now()
    red = raise_referral(teacher, submit=True)
    Referral.objects.filter(pk=red.pk).update(
        rag=Rag.RED,
        rag_due_at=now - timedelta(hours=2),
        risk_level=RiskLevel.HIGH,
        state=ReferralState.IN_TRIAGE,
        triaged_by=coordinator,
    )
    later = raise_referral(teacher, submit=True)
    Referral.objects.filter(pk=later.pk).update(triage_due_at=now + timedelta(hours=3))
    other = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    Referral.objects.filter(pk=other.pk).update(triage_due_at=now + timedelta(hours=1))
    return {"teacher": teacher, "coordinator": coordinator, "school": school, "red": red}


def client_for(user: Any) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def references(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["reference"] for row in response.json()["results"]]


def test_the_queue_is_red_first_then_the_nearest_deadline(world: dict[str, Any]) -> None:
    response = client_for(world["coordinator"]).get(URL)

    rows = response.json()["results"]
    assert [row["rag"] for row in rows] == ["red", "", ""]
    assert rows[0]["risk_level"] == "high" and rows[0]["triaged_by"]
    assert rows[1]["due_at"] < rows[2]["due_at"]
    seen = AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="referrals.referral")
    assert seen.count() == 3


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({"rag": "red"}, 1),
        ({"overdue": "true"}, 1),
        ({"taken": "nobody"}, 2),
        ({"taken": "me"}, 1),
        ({"state": "submitted"}, 2),
    ],
)
def test_the_queue_filters(world: dict[str, Any], query: dict[str, str], count: int) -> None:
    response = client_for(world["coordinator"]).get(URL, query)
    assert len(references(response)) == count


def test_the_raising_agency_filter(world: dict[str, Any]) -> None:
    client = client_for(world["coordinator"])
    response = client.get(URL, {"agency": str(world["school"].pk)})
    assert len(references(response)) == 2
    stranger = AgencyFactory.create()
    assert client.get(URL, {"agency": str(stranger.pk)}).status_code == 404


def test_the_referral_list_refuses_the_queue_it_once_answered(world: dict[str, Any]) -> None:
    # A client still asking the list for the queue is told where it is, not given the list.
    response = client_for(world["coordinator"]).get(REFERRALS, {"queue": "triage"})
    assert response.status_code == 400
    assert "triage-queue" in str(response.json()["error"]["fields"]["queue"])


def test_queue_pages_follow_on(world: dict[str, Any], monkeypatch: Any) -> None:
    monkeypatch.setattr("api.triage_queue.TRIAGE_PAGE_SIZE", 2)
    client = client_for(world["coordinator"])
    first = client.get(URL).json()
    assert len(first["results"]) == 2 and first["next_after"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None


def test_the_queue_is_empty_for_those_who_coordinate_nothing(world: dict[str, Any]) -> None:
    assert references(client_for(world["teacher"]).get(URL)) == []
    another = member(Role.COORDINATOR)
    assert references(client_for(another).get(URL)) == []


@pytest.mark.parametrize("size", [1, 3])
def test_the_queue_costs_the_same_whatever_its_size(
    django_assert_num_queries: Any, size: int
) -> None:
    area = AreaFactory.create()
    teacher = member(Role.PRACTITIONER, area=area)
    for _ in range(size):
        raise_referral(teacher, submit=True)
    client = client_for(member(Role.COORDINATOR, area=area))
    # session, user, device; in one transaction memberships, the page, the audit insert
    # (sent with the commit: no query of its own);
    # the session refresh: as the plain list.
    with django_assert_num_queries(10):
        assert len(references(client.get(URL))) == size


def test_the_detail_carries_the_case_page_fields(world: dict[str, Any]) -> None:
    red = world["red"]
    Referral.objects.filter(pk=red.pk).update(
        screening_score=7,
        proposed_risk=RiskLevel.MEDIUM,
        next_review_due_on=timezone.localdate() + timedelta(weeks=12),
    )
    body = client_for(world["coordinator"]).get(f"{REFERRALS}{red.reference}/").json()
    assert body["access"] == "full"
    assert body["rag"] == "red" and body["risk_level"] == "high"
    assert body["screening_score"] == 7 and body["proposed_risk"] == "medium"
    assert body["next_review_due_on"]
    assert {"rag_due_at", "risk_reassessment_due_on", "statutory_type", "decided_at"} <= set(body)


def test_the_referrer_is_not_told_the_urgency_or_risk(world: dict[str, Any]) -> None:
    body = client_for(world["teacher"]).get(f"{REFERRALS}{world['red'].reference}/").json()
    assert body["access"] == "summary"
    hidden = {"rag", "risk_level", "proposed_risk", "screening_score", "next_review_due_on"}
    assert not hidden & set(body)
    assert {"decision", "statutory_type", "decided_at", "outcome"} <= set(body)


def test_another_areas_coordinator_gets_404(world: dict[str, Any]) -> None:
    stranger = member(Role.COORDINATOR)
    assert Membership.objects.get(user=stranger).area_id != world["red"].area_id
    assert client_for(stranger).get(f"{REFERRALS}{world['red'].reference}/").status_code == 404
