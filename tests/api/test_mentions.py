"""/api/v1/referrals/{reference}/mentions/: a concern's mentions read line by line and turned
into linked records, with the rules, audit and 404s of the mentions page."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Role, User
from audit.models import AuditAction, AuditEvent
from disruption.models import Link, LinkNature, PersonOfConcern, Vehicle
from disruption.services import person_of_concern_create
from referrals.models import Referral
from tests.disruption.helpers import Place, place
from tests.factories import member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

# Session, user, device; in one transaction the referral, memberships, the access check, its
# links, and one audit insert sent with the commit; the session refresh: as many for one line as for
# many.
QUERIES = 12
GRADING = {"source_evaluation": "2", "intelligence_assessment": "C", "handling_code": "P"}


@pytest.fixture
def here() -> Place:
    return place()


@pytest.fixture
def referral(here: Place) -> Referral:
    return raise_referral(
        here.practitioner,
        submit=True,
        concern={"people_mentioned": "Darren Smith, 40s", "vehicles_mentioned": "AB12 CDE"},
    )


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def url(referral: Referral, number: int | None = None) -> str:
    line = "" if number is None else f"{number}/"
    return f"/api/v1/referrals/{referral.reference}/mentions/{line}"


def seen(user: User, record: Any) -> bool:
    return AuditEvent.objects.filter(
        actor=user,
        action=AuditAction.VIEW,
        object_type=record._meta.label_lower,
        object_id=str(record.pk),
    ).exists()


def test_a_new_line_becomes_a_record_linked_to_the_young_person(
    here: Place, referral: Referral
) -> None:
    client = api(here.coordinator)
    lines = client.get(url(referral)).json()["results"]
    assert [(m["number"], m["kind"], m["line"], m["link"]) for m in lines] == [
        (0, "person", "Darren Smith, 40s", None),
        (1, "vehicle", "AB12 CDE", None),
    ]
    assert seen(here.coordinator, referral)
    assert client.get(url(referral, 1)).json()["matches"] == []
    response = client.post(url(referral, 1), GRADING, format="json")
    assert response.status_code == 201, response.json()
    link = Link.objects.get()
    assert response.json()["id"] == link.pk and link.nature == LinkNature.MENTIONED
    assert link.detail == "Mentioned as: AB12 CDE" and link.referral == referral
    assert Vehicle.objects.get().registration == "AB12CDE"
    assert AuditEvent.objects.filter(
        actor=here.coordinator, action=AuditAction.CREATE, object_type="disruption.link"
    ).exists()
    assert client.get(url(referral)).json()["results"][1]["link"]["id"] == link.pk
    assert seen(here.coordinator, link)


def test_a_line_like_a_record_of_the_area_needs_an_answer(here: Place, referral: Referral) -> None:
    darren = person_of_concern_create(actor=here.police_lead, area=here.area, name="Darren Smith")
    client = api(here.police_lead)
    line = client.get(url(referral, 0)).json()
    assert line["matches"] == [
        {"id": darren.pk, "label": "Darren Smith", "why": "the concern names 'Darren Smith'"}
    ]
    assert seen(here.police_lead, darren)
    unanswered = client.post(url(referral, 0), GRADING, format="json")
    assert unanswered.status_code == 400
    assert "record" in unanswered.json()["error"]["fields"]
    not_offered = client.post(url(referral, 0), {**GRADING, "record": "999999"}, format="json")
    assert "record" in not_offered.json()["error"]["fields"]
    assert not Link.objects.exists()
    chosen = client.post(url(referral, 0), {**GRADING, "record": str(darren.pk)}, format="json")
    assert chosen.status_code == 201, chosen.json()
    assert PersonOfConcern.objects.get() == darren
    assert darren.node.pk in {chosen.json()["a"]["id"], chosen.json()["b"]["id"]}


def test_a_grading_or_a_name_refused_is_a_400_by_field(here: Place, referral: Referral) -> None:
    client = api(here.coordinator)
    bad = client.post(url(referral, 1), {**GRADING, "handling_code": "Z"}, format="json")
    assert bad.status_code == 400 and "handling_code" in bad.json()["error"]["fields"]
    long = client.post(url(referral, 1), {**GRADING, "name": "A" * 201}, format="json")
    assert long.status_code == 400 and "name" in long.json()["error"]["fields"]
    assert not Link.objects.exists()


def test_a_retry_with_the_same_key_records_nothing_more(here: Place, referral: Referral) -> None:
    client = api(here.coordinator)
    first = client.post(url(referral, 1), GRADING, format="json", HTTP_IDEMPOTENCY_KEY="m-1")
    again = client.post(url(referral, 1), GRADING, format="json", HTTP_IDEMPOTENCY_KEY="m-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Link.objects.count() == Vehicle.objects.count() == 1


@pytest.mark.parametrize(
    "role", [Role.PRACTITIONER, Role.AGENCY_SAFEGUARDING_LEAD, Role.BOARD_MEMBER]
)
def test_those_who_do_not_work_the_areas_intelligence_get_404(
    here: Place, referral: Referral, role: Role
) -> None:
    client = api(member(role, area=here.area))
    assert client.get(url(referral)).status_code == 404
    assert client.get(url(referral, 0)).status_code == 404
    assert client.post(url(referral, 1), GRADING, format="json").status_code == 404
    assert not Link.objects.exists()


def test_another_areas_coordinator_and_a_line_not_there_are_404(
    here: Place, referral: Referral
) -> None:
    elsewhere = api(place().coordinator)
    assert elsewhere.get(url(referral)).status_code == 404
    assert elsewhere.post(url(referral, 1), GRADING, format="json").status_code == 404
    client = api(here.coordinator)
    assert client.get(url(referral, 2)).status_code == 404
    assert client.post(url(referral, 9), GRADING, format="json").status_code == 404
    assert not Link.objects.exists()


def test_the_lines_come_in_numbered_pages_each_recorded_as_seen(
    here: Place, referral: Referral
) -> None:
    client = api(here.coordinator)
    for number in (0, 1):
        made = client.post(url(referral, number), {**GRADING, "record": "new"}, format="json")
        assert made.status_code == 201, made.json()
    vehicle, person = Link.objects.order_by("detail")  # "…: AB12 CDE" < "…: Darren Smith, 40s"
    reader = member(Role.COORDINATOR, area=here.area)  # who has seen nothing yet
    client = api(reader)

    first = client.get(url(referral), {"page_size": "1"}).json()
    assert (first["count"], [m["number"] for m in first["results"]]) == (2, [0])
    # Only the link of the line shown is recorded as seen, and the referral.
    assert seen(reader, referral) and seen(reader, person) and not seen(reader, vehicle)
    second = client.get(first["next"]).json()
    assert [m["number"] for m in second["results"]] == [1] and second["next"] is None
    assert seen(reader, vehicle)
    assert client.get(url(referral), {"page": "3", "page_size": "1"}).status_code == 404


@pytest.mark.parametrize("size", [1, 4])
def test_a_page_of_lines_costs_the_same_whatever_its_size(
    here: Place, django_assert_num_queries: Any, size: int
) -> None:
    people = "\n".join(f"Person {n}" for n in range(size))
    concern = raise_referral(here.practitioner, submit=True, concern={"people_mentioned": people})
    client = api(here.coordinator)
    for number in range(size):
        made = client.post(url(concern, number), {**GRADING, "record": "new"}, format="json")
        assert made.status_code == 201, made.json()
    with django_assert_num_queries(QUERIES):
        lines = client.get(url(concern)).json()["results"]
    assert len(lines) == size and all(line["link"] for line in lines)
