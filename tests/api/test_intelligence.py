"""The intelligence API: entities, links, sharing and link alerts; every row shown and every
detail read recorded, creates idempotent, out of scope 404, a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Role, User
from audit.models import AuditEvent
from disruption.models import Link, LinkAlert, OnlineIdentifier, PersonOfConcern, Vehicle
from disruption.services import (
    identifier_create,
    location_create,
    person_of_concern_create,
    vehicle_create,
)
from referrals.workflow import referral_assign_lead
from tests.disruption.helpers import GRADING, link, place
from tests.factories import AgencyFactory, member, sign_in

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def views_of(model: str) -> int:
    return AuditEvent.objects.filter(action="view", object_type=model).count()


def test_a_person_of_concern_is_created_once_per_idempotency_key_read_and_changed() -> None:
    here = place()
    client = api(here.police_lead)
    body = {
        "name": "Mohammed Khan",
        "aliases": ["Mo K"],
        "phone_numbers": ["07700 900123"],
        "handles": [{"platform": "snapchat", "value": "@MoK"}],
        "grading": {**GRADING, "observed_on": "2026-01-10"},
    }
    first = client.post(
        "/api/v1/persons-of-concern/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == 201, first.json()
    again = client.post(
        "/api/v1/persons-of-concern/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert PersonOfConcern.objects.count() == 1 and Link.objects.count() == 2
    pk = first.json()["id"]
    assert first.json()["area"] == here.area.pk and first.json()["node"] is not None
    detail = client.get(f"/api/v1/persons-of-concern/{pk}/")
    assert detail.json()["aliases"] == ["Mo K"]
    assert views_of("disruption.personofconcern") == 1
    changed = client.patch(
        f"/api/v1/persons-of-concern/{pk}/", {"status": "charged"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["status"] == "charged"
    refused = client.patch(f"/api/v1/persons-of-concern/{pk}/", {"name": " "}, format="json")
    assert refused.status_code == 400


def test_bad_input_answers_422_on_its_field() -> None:
    here = place()
    client = api(here.coordinator)
    response = client.post(
        "/api/v1/identifiers/", {"platform": "phone", "value": "call me"}, format="json"
    )
    assert response.status_code == 422
    assert "value" in response.json()["error"]["fields"]
    response = client.post("/api/v1/vehicles/", {"registration": "--"}, format="json")
    assert "registration" in response.json()["error"]["fields"]


def test_the_same_vehicle_typed_twice_is_one_record() -> None:
    here = place()
    client = api(here.coordinator)
    first = client.post("/api/v1/vehicles/", {"registration": "ab12 cde"}, format="json")
    second = client.post("/api/v1/vehicles/", {"registration": "AB12-CDE"}, format="json")
    assert first.json()["id"] == second.json()["id"] and Vehicle.objects.count() == 1
    assert first.json()["registration"] == "AB12CDE"


@pytest.mark.parametrize(
    "role", [Role.PRACTITIONER, Role.LEAD_PROFESSIONAL, Role.BOARD_MEMBER, Role.AREA_ADMINISTRATOR]
)
def test_other_roles_get_404_and_empty_lists_and_may_not_create(role: Role) -> None:
    here = place()
    person = person_of_concern_create(actor=here.police_lead, area=here.area, name="Mo Khan")
    client = api(member(role, area=here.area))
    assert client.get(f"/api/v1/persons-of-concern/{person.pk}/").status_code == 404
    assert (
        client.patch(
            f"/api/v1/persons-of-concern/{person.pk}/", {"status": "charged"}, format="json"
        ).status_code
        == 404
    )
    for url in (
        "persons-of-concern",
        "locations",
        "vehicles",
        "identifiers",
        "links",
        "link-alerts",
    ):
        assert client.get(f"/api/v1/{url}/").json()["results"] == []
    created = client.post(
        "/api/v1/persons-of-concern/", {"name": "X", "area": here.area.pk}, format="json"
    )
    assert created.status_code in (400, 403)
    assert PersonOfConcern.objects.count() == 1


def test_links_are_created_filtered_shared_and_seen_by_the_assigned_lead() -> None:
    here = place()
    referral = here.referral()
    agency = AgencyFactory.create(areas=[here.area])
    lead = member(Role.LEAD_PROFESSIONAL, area=here.area, agency=agency)
    referral_assign_lead(referral=referral, actor=here.coordinator, agency=agency)
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    police = api(here.police_lead)
    body = {
        "a": {"kind": "young_person", "id": referral.young_person_id},
        "b": {"kind": "vehicle", "id": car.pk},
        "nature": "seen_in",
        "referral": referral.reference,
        **GRADING,
        "observed_on": "2026-01-10",
    }
    created = police.post("/api/v1/links/", body, format="json", HTTP_IDEMPOTENCY_KEY="l-1")
    assert created.status_code == 201, created.json()
    assert created.json()["grading"] == "2BP"
    pk = created.json()["id"]
    node = created.json()["b"]["id"] if created.json()["b"]["kind"] == "vehicle" else None
    node = node or created.json()["a"]["id"]
    assert [r["id"] for r in police.get(f"/api/v1/links/?node={node}").json()["results"]] == [pk]
    assert police.get("/api/v1/links/?kind=location").json()["results"] == []
    for query in ("node=", "node=%205", "node=1e0", "kind=", "kind=planet"):
        refused = police.get(f"/api/v1/links/?{query}")
        assert refused.status_code == 400, query
        assert set(refused.json()["error"]["fields"]) == {query.split("=")[0]}
    by_referral = police.get(f"/api/v1/links/?referral={referral.reference}").json()["results"]
    assert [r["id"] for r in by_referral] == [pk]
    lead_client = api(lead)
    assert lead_client.get("/api/v1/links/").json()["results"] == []
    assert (
        police.post(f"/api/v1/links/{pk}/share/", {"reason": "Plan."}, format="json").status_code
        == 403
    )
    shared = api(here.coordinator).post(
        f"/api/v1/links/{pk}/share/", {"reason": "Plan."}, format="json"
    )
    assert shared.status_code == 200 and shared.json()["share_reason"] == "Plan."
    assert [r["id"] for r in lead_client.get("/api/v1/links/").json()["results"]] == [pk]
    assert lead_client.get(f"/api/v1/vehicles/{car.pk}/").status_code == 200
    assert (
        lead_client.patch(
            f"/api/v1/vehicles/{car.pk}/", {"colour": "Red"}, format="json"
        ).status_code
        == 404
    )
    elsewhere = place()
    outsider = api(elsewhere.police_lead)
    assert (
        outsider.post(f"/api/v1/links/{pk}/share/", {"reason": "x"}, format="json").status_code
        == 404
    )
    body["a"] = {"kind": "young_person", "id": elsewhere.referral().young_person_id}
    assert police.post("/api/v1/links/", body, format="json").status_code == 404


def test_link_alerts_are_listed_for_the_area() -> None:
    here = place()
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    for _ in range(2):
        referral = here.referral()
        link(here.police_lead, car, referral.young_person, referral=referral)
    rows = api(here.coordinator).get("/api/v1/link-alerts/").json()["results"]
    assert [r["reason"] for r in rows] == ["Vehicle AB12CDE is now linked to 2 young people"]
    assert views_of("disruption.linkalert") == 1


def test_a_link_alert_is_marked_reviewed_once_by_those_it_is_for() -> None:
    here = place()
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    for _ in range(2):
        referral = here.referral()
        link(here.police_lead, car, referral.young_person, referral=referral)
    alert = LinkAlert.objects.get()
    url = f"/api/v1/link-alerts/{alert.pk}/review/"
    assert api(place().coordinator).post(url).status_code == 404  # another area's
    reviewed = api(here.police_lead).post(url)
    assert reviewed.status_code == 200, reviewed.json()
    assert reviewed.json()["reviewed_by"] == here.police_lead.get_full_name()
    assert reviewed.json()["reviewed_at"] is not None
    again = api(here.coordinator).post(url)
    assert again.status_code == 422
    alert.refresh_from_db()
    assert alert.reviewed_by == here.police_lead
    changes = AuditEvent.objects.filter(action="change", object_type="disruption.linkalert")
    assert changes.count() == 1
    listed = api(here.coordinator)
    assert listed.get("/api/v1/link-alerts/?reviewed=false").json()["results"] == []
    assert len(listed.get("/api/v1/link-alerts/?reviewed=true").json()["results"]) == 1
    assert listed.get("/api/v1/link-alerts/?reviewed=maybe").status_code == 400


def fill(here: Any, count: int) -> None:
    """`count` of each kind of entity, links, and (through one young person every car is
    seen with) as many link alerts."""
    hub = here.referral()
    for n in range(count):
        referral = here.referral()
        person = person_of_concern_create(actor=here.police_lead, area=here.area, name=f"P {n}")
        location_create(actor=here.police_lead, area=here.area, name=f"Place {n}")
        car = vehicle_create(actor=here.police_lead, area=here.area, registration=f"AB{n}CDE")
        identifier_create(
            actor=here.police_lead, area=here.area, platform="snapchat", value=f"user{n}"
        )
        link(here.police_lead, car, referral.young_person, referral=referral)
        link(here.police_lead, person, referral.young_person, referral=referral)
        link(here.police_lead, car, person, nature="uses")
        link(here.police_lead, car, hub.young_person, referral=hub)


@pytest.mark.parametrize("count", [1, 6])
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/api/v1/persons-of-concern/", 10),
        ("/api/v1/locations/", 10),
        ("/api/v1/vehicles/", 10),
        ("/api/v1/identifiers/", 10),
        ("/api/v1/links/", 10),
        ("/api/v1/link-alerts/", 10),
    ],
)
def test_each_list_uses_a_fixed_number_of_queries(
    django_assert_num_queries: Any, count: int, url: str, queries: int
) -> None:
    here = place()
    fill(here, count)
    client = api(here.coordinator)
    # session, user, second-factor device; then in one transaction (BEGIN, COMMIT)
    # memberships, one page of rows with what they show, and the audit of every one shown
    # (one insert, sent with the commit: no query of its own); then the idle-timeout
    # session refresh (BEGIN, UPDATE, COMMIT). The same for 1 entity each as for 6.
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200 and response.json()["results"]
    assert OnlineIdentifier.objects.count() == count


@pytest.mark.parametrize(
    ("path", "name", "value", "words"),
    [
        ("/api/v1/persons-of-concern/", "q", "Mo\x00", "Null characters"),
        ("/api/v1/vehicles/", "q", "x" * 201, "no more than 200"),
        ("/api/v1/links/", "referral", "R26-\x00", "Null characters"),
    ],
)
def test_a_bad_query_text_answers_400_naming_it(
    path: str, name: str, value: str, words: str
) -> None:
    response = api(member(Role.POLICE_LEAD)).get(path, {name: value})
    assert response.status_code == 400
    assert words in " ".join(response.json()["error"]["fields"][name])


def test_a_phone_number_sent_as_a_handle_is_refused_with_where_it_goes() -> None:
    here = place()
    response = api(here.police_lead).post(
        "/api/v1/persons-of-concern/",
        {"name": "Mo K", "handles": [{"platform": "phone", "value": "07700 900123"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "Send phone numbers in phone_numbers." in str(response.json()["error"]["fields"])
    assert not PersonOfConcern.objects.exists()


def test_an_area_named_that_is_not_there_answers_404_and_a_change_keeps_its_area() -> None:
    here = place()
    client = api(here.police_lead)
    missing = client.post(
        "/api/v1/vehicles/", {"registration": "AB12CDE", "area": 999999}, format="json"
    )
    assert missing.status_code == 404
    assert "area" in missing.json()["error"]["fields"]
    made = client.post("/api/v1/vehicles/", {"registration": "AB12CDE"}, format="json").json()
    moved = client.patch(
        f"/api/v1/vehicles/{made['id']}/", {"area": 999999, "colour": "Red"}, format="json"
    )
    assert moved.status_code == 200
    assert (moved.json()["area"], moved.json()["colour"]) == (made["area"], "Red")


def test_each_kind_of_entity_is_documented_with_its_own_bodies(api_client: APIClient) -> None:
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]

    def ref(node: dict[str, Any]) -> str:
        return str(node["content"]["application/json"]["schema"]["$ref"]).rsplit("/", 1)[-1]

    for path, shown, change in [
        ("persons-of-concern", "PersonOfConcern", "PatchedPersonChangeRequest"),
        ("locations", "Location", "PatchedLocationChangeRequest"),
        ("vehicles", "Vehicle", "PatchedVehicleChangeRequest"),
    ]:
        item = schema["paths"][f"/api/v1/{path}/{{id}}/"]
        assert ref(item["get"]["responses"]["200"]) == shown
        assert ref(item["patch"]["requestBody"]) == change
        assert "area" not in components[change]["properties"]
    handle = components["HandleRequest"]["properties"]["platform"]
    assert "phone" not in str(components[handle["$ref"].rsplit("/", 1)[-1]]["enum"])


@pytest.mark.parametrize(
    ("latitude", "longitude", "status"),
    [
        ("51.5", "-0.127758", 201),
        ("-90", "180.000000", 201),
        ("", None, 201),
        ("90.5", "0", 400),
        ("0", "-180.1", 400),
        ("0", "-506", 400),
        ("-", "0", 400),
        ("+5", "0", 400),
        ("1e1", "0", 400),
        (51.5, "0", 400),
    ],
)
def test_coordinates_are_read_as_the_schemas_pattern_says(
    latitude: str | float, longitude: str | None, status: int
) -> None:
    body = {"name": "Synthetic park", "latitude": latitude, "longitude": longitude}
    response = api(place().police_lead).post("/api/v1/locations/", body, format="json")
    assert response.status_code == status, response.json()
