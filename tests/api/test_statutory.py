"""Strategy discussions, section 47 enquiries and NRM referrals through the API: listed,
created and updated under the referral, with the need-to-know rules and documented errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from agencies.models import Agency, Role, User
from audit.models import AuditAction, AuditEvent
from referrals.break_glass import break_glass_open
from referrals.models import NRMReferral, Referral, StrategyDiscussion
from referrals.statutory import (
    nrm_referral_record,
    section_47_record,
    strategy_discussion_record,
)
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(days: int) -> str:
    return str(TODAY - timedelta(days=days))


@dataclass
class Case:
    referral: Referral
    coordinator: User
    practitioner: User
    agencies: list[Agency]

    def url(self, rest: str = "") -> str:
        return f"/api/v1/referrals/{self.referral.reference}/{rest}"


@pytest.fixture
def case() -> Case:
    area = AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)
    return Case(
        referral=raise_referral(practitioner, submit=True),
        coordinator=member(Role.COORDINATOR, area=area),
        practitioner=practitioner,
        agencies=[AgencyFactory.create(areas=[area]) for _ in range(3)],
    )


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def discussion_body(case: Case, **change: Any) -> dict[str, Any]:
    return {
        "held_on": days_ago(2),
        "agencies": [a.pk for a in case.agencies],
        "outcome": "Enquiry agreed.",
        "section_47": True,
    } | change


def test_a_strategy_discussion_then_its_section_47_enquiry(case: Case) -> None:
    client = api(case.coordinator)
    created = client.post(case.url("strategy-discussions/"), discussion_body(case), format="json")
    assert created.status_code == 201, created.json()
    discussion = created.json()
    assert sorted(a["id"] for a in discussion["agencies"]) == sorted(a.pk for a in case.agencies)
    enquiry = client.post(
        case.url("section-47-enquiries/"),
        {"started_on": days_ago(1), "strategy_discussion": discussion["id"]},
        format="json",
    )
    assert enquiry.status_code == 201, enquiry.json()
    assert enquiry.json()["outcome"] == "" and enquiry.json()["conference_due_on"]
    found = client.put(
        case.url(f"section-47-enquiries/{enquiry.json()['id']}/"),
        {
            "started_on": days_ago(1),
            "strategy_discussion": discussion["id"],
            "outcome": "conference",
            "conference_on": str(TODAY + timedelta(days=7)),
        },
        format="json",
    )
    assert found.status_code == 200, found.json()
    assert found.json()["conference_on"] == str(TODAY + timedelta(days=7))
    listed = client.get(case.url("section-47-enquiries/")).json()["results"]
    assert [e["outcome"] for e in listed] == ["conference"]


def test_an_nrm_referral_gets_its_decisions_in_order(case: Case) -> None:
    client = api(case.coordinator)
    body = {"referred_on": days_ago(30), "first_responder": "Northmoor Police"}
    created = client.post(case.url("nrm-referrals/"), body, format="json")
    assert created.status_code == 201, created.json()
    url = case.url(f"nrm-referrals/{created.json()['id']}/")
    body |= {"reasonable_grounds": "positive", "reasonable_grounds_on": days_ago(25)}
    early = client.put(
        url,
        body | {"conclusive_grounds": "positive", "conclusive_grounds_on": days_ago(26)},
        format="json",
    )
    assert early.status_code == 422
    assert "conclusive_grounds_on" in early.json()["error"]["fields"]
    decided = client.put(
        url,
        body | {"conclusive_grounds": "positive", "conclusive_grounds_on": days_ago(1)},
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    assert NRMReferral.objects.get().conclusive_grounds == "positive"


@pytest.mark.parametrize(
    ("path", "body", "field", "status"),
    [
        ("strategy-discussions/", {"held_on": "9999-01-01"}, "held_on", 422),
        ("strategy-discussions/", {"held_on": str(TODAY + timedelta(days=1))}, "held_on", 422),
        ("strategy-discussions/", {"section_47": "perhaps"}, "section_47", 400),
        ("section-47-enquiries/", {"started_on": "2026-02-30"}, "started_on", 400),
        ("section-47-enquiries/", {"started_on": days_ago(1), "outcome": "maybe"}, "outcome", 400),
        (
            "nrm-referrals/",
            {"referred_on": days_ago(3), "first_responder": "X", "reasonable_grounds": "yes"},
            "reasonable_grounds",
            400,
        ),
    ],
)
def test_bad_answers_are_refused_by_field(
    case: Case, path: str, body: Any, field: str, status: int
) -> None:
    if path == "strategy-discussions/":
        body = discussion_body(case, **body)
    response = api(case.coordinator).post(case.url(path), body, format="json")
    assert response.status_code == status
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "path", ["strategy-discussions/", "section-47-enquiries/", "nrm-referrals/"]
)
def test_out_of_scope_is_404_and_read_only_access_is_403(case: Case, path: str) -> None:
    other_area = member(Role.COORDINATOR)
    assert api(other_area).get(case.url(path)).status_code == 404
    assert api(case.practitioner).get(case.url(path)).status_code == 404  # a summary only
    assert api(case.practitioner).post(case.url(path), {}, format="json").status_code == 404
    break_glass_open(
        referral=case.referral, actor=other_area, reason="Found far from home overnight, urgent."
    )
    reader = api(other_area)
    assert reader.get(case.url(path)).status_code == 200
    body = {
        "strategy-discussions/": discussion_body(case),
        "section-47-enquiries/": {"started_on": days_ago(1)},
        "nrm-referrals/": {"referred_on": days_ago(1), "first_responder": "Council"},
    }[path]
    assert reader.post(case.url(path), body, format="json").status_code == 403


def test_a_record_of_another_referral_is_404(case: Case) -> None:
    other = raise_referral(case.practitioner, submit=True)
    discussion = strategy_discussion_record(
        referral=other,
        actor=case.coordinator,
        held_on=TODAY,
        agencies=case.agencies,
        outcome="Agreed.",
        section_47=False,
    )
    response = api(case.coordinator).put(
        case.url(f"strategy-discussions/{discussion.pk}/"), discussion_body(case), format="json"
    )
    assert response.status_code == 404


def test_a_retried_create_records_once(case: Case) -> None:
    client = api(case.coordinator)
    for _ in range(2):
        response = client.post(
            case.url("strategy-discussions/"),
            discussion_body(case),
            format="json",
            HTTP_IDEMPOTENCY_KEY="strategy-1",
        )
        assert response.status_code == 201
    assert StrategyDiscussion.objects.count() == 1


ADD = {
    "strategy-discussions/": lambda case: strategy_discussion_record(
        referral=case.referral,
        actor=case.coordinator,
        held_on=TODAY,
        agencies=case.agencies,
        outcome="Agreed.",
        section_47=True,
    ),
    "section-47-enquiries/": lambda case: section_47_record(
        referral=case.referral, actor=case.coordinator, started_on=TODAY
    ),
    "nrm-referrals/": lambda case: nrm_referral_record(
        referral=case.referral,
        actor=case.coordinator,
        referred_on=TODAY,
        first_responder="Council",
    ),
}


@pytest.mark.parametrize("count", [1, 6])
@pytest.mark.parametrize(
    ("path", "queries"),
    # As the other casework lists (13); the discussions' agencies are one query more.
    [("strategy-discussions/", 13), ("section-47-enquiries/", 12), ("nrm-referrals/", 12)],
)
def test_lists_use_a_fixed_number_of_queries_and_audit_each_row(
    case: Case, django_assert_num_queries: Any, path: str, queries: int, count: int
) -> None:
    for _ in range(count):
        ADD[path](case)
    client = api(case.coordinator)
    with django_assert_num_queries(queries):
        response = client.get(case.url(path))
    assert response.status_code == 200
    assert len(response.json()["results"]) == count
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, actor=case.coordinator).count() == (
        count
    )


def test_every_operation_documents_its_error_statuses() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for kind in ("strategy-discussions", "section-47-enquiries", "nrm-referrals"):
        listed = schema["paths"][f"/api/v1/referrals/{{reference}}/{kind}/"]
        one = schema["paths"][f"/api/v1/referrals/{{reference}}/{kind}/{{id}}/"]
        every = {"401", "403", "429", "503"}
        writes = every | {"400", "404", "409", "413", "415", "422"}
        assert set(listed["get"]["responses"]) == every | {"200", "400", "404", "422"}
        assert set(listed["post"]["responses"]) == writes | {"201"}
        assert set(one["put"]["responses"]) == writes | {"200"}
