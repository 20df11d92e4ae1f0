"""The network and clusters through the API: the area's coordinators and police leads only,
every young person shown recorded as seen."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Role, User
from api.network import NetworkSerializer
from audit.models import AuditAction, AuditEvent
from disruption.models import NodeKind
from disruption.network import network
from disruption.selectors import intelligence_membership
from tests.disruption.graph import Graph
from tests.factories import AreaFactory, member, sign_in

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


@pytest.fixture
def graph() -> Graph:
    """Ava and Sam at a hotel; Sam seen in a car a dealer drives (hop 3 from the hotel)."""
    g = Graph(AreaFactory.create())
    g.young_person("Ava")
    g.young_person("Sam")
    g.location("Hotel")
    g.vehicle("Car")
    g.person("Dealer")
    g.link("Ava", "Hotel", observed_on=date(2026, 3, 1))
    g.link("Sam", "Hotel", observed_on=date(2025, 6, 1))
    g.link("Sam", "Car", observed_on=date(2026, 4, 1))
    g.link("Car", "Dealer")
    return g


def url(g: Graph, name: str = "Hotel", kind: str = "location") -> str:
    return f"/api/v1/network/{kind}/{g.pk(name)}/"


def views() -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="referrals.youngperson")
    )


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.POLICE_LEAD])
def test_the_network_for_the_areas_intelligence_roles(graph: Graph, role: Role) -> None:
    user = member(role, area=graph.area)
    response = api(user).get(url(graph))
    assert response.status_code == 200
    body = response.json()
    assert body["centre"] == {
        "id": graph.nodes["Hotel"].pk,
        "kind": "location",
        "label": "Hotel",
        "hop": 0,
        "record_id": graph.pk("Hotel"),
    }
    by_label = {n["label"]: n["hop"] for n in body["nodes"]}
    car = graph.nodes["Car"].label
    assert by_label == {"Hotel": 0, "Ava Person": 1, "Sam Person": 1, car: 2}
    assert body["young_people"] == 2 and body["truncated"] is False
    assert {(e["a"], e["b"]) for e in body["edges"]} == {
        tuple(sorted((graph.nodes[x].pk, graph.nodes[y].pk)))
        for x, y in [("Ava", "Hotel"), ("Sam", "Hotel"), ("Sam", "Car")]
    }
    assert body["edges"][0] == {
        "id": body["edges"][0]["id"],
        "a": body["edges"][0]["a"],
        "b": body["edges"][0]["b"],
        "nature": "seen_with",
        "grading": "1AP",
        "observed_on": "2026-04-01",
    }
    # The body is what the documented serializer gives.
    found = network(user=user, kind=NodeKind.LOCATION, pk=graph.pk("Hotel"))
    assert body == NetworkSerializer(found).data
    # One view recorded per young person shown, under the membership that opens the area.
    seen = views()
    assert sorted(int(e.object_id) for e in seen) == sorted(
        graph.pk(name) for name in ("Ava", "Sam")
    )
    membership = intelligence_membership(user=user, area_id=graph.area.pk)
    assert {(e.actor_id, e.membership_id, e.area_id) for e in seen} == {
        (user.pk, membership.pk if membership else None, graph.area.pk)
    }


def test_filtered_by_dates(graph: Graph) -> None:
    client = api(member(Role.COORDINATOR, area=graph.area))
    body = client.get(url(graph), {"since": "2026-01-01"}).json()
    assert {n["label"] for n in body["nodes"]} == {"Hotel", "Ava Person"}
    assert (body["since"], body["until"]) == ("2026-01-01", None)
    body = client.get(url(graph), {"until": "2025-12-31"}).json()
    assert {n["label"] for n in body["nodes"]} == {"Hotel", "Sam Person"}
    assert len(views()) == 2  # Ava, then Sam


@pytest.mark.parametrize(
    "role", [Role.PRACTITIONER, Role.LEAD_PROFESSIONAL, Role.BOARD_MEMBER, Role.AREA_ADMINISTRATOR]
)
def test_other_roles_get_404_and_nothing_is_recorded(graph: Graph, role: Role) -> None:
    client = api(member(role, area=graph.area))
    assert client.get(url(graph)).status_code == 404
    assert client.get("/api/v1/clusters/", {"area": graph.area.ons_code}).status_code == 404
    assert views() == []


def test_other_areas_and_unknown_records_get_404(graph: Graph) -> None:
    elsewhere = api(member(Role.COORDINATOR, area=AreaFactory.create()))
    assert elsewhere.get(url(graph)).status_code == 404
    assert elsewhere.get("/api/v1/clusters/", {"area": graph.area.ons_code}).status_code == 404
    own = api(member(Role.COORDINATOR, area=graph.area))
    assert own.get("/api/v1/network/vehicle/999999/").status_code == 404
    assert own.get("/api/v1/clusters/", {"area": "E00000000"}).status_code == 404
    assert views() == []


@pytest.mark.parametrize(
    ("path", "query", "field", "words"),
    [
        ("/api/v1/network/lorry/1/", {}, "kind", "Use one of: young_person, person"),
        ("network", {"since": "yesterday"}, "since", "Date has wrong format"),
        ("network", {"until": "2026-13-01"}, "until", "Date has wrong format"),
        (
            "network",
            {"since": "2026-02-01", "until": "2026-01-01"},
            "until",
            "on or after the start date",
        ),
        ("/api/v1/clusters/", {}, "area", "ONS code"),
        ("/api/v1/clusters/", {"area": "E08\x00001"}, "area", "Null characters"),
    ],
)
def test_bad_requests_say_what_is_wrong(
    graph: Graph, path: str, query: dict[str, str], field: str, words: str
) -> None:
    client = api(member(Role.COORDINATOR, area=graph.area))
    response = client.get(url(graph) if path == "network" else path, query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert words in " ".join(error["fields"][field])
    assert views() == []


def test_clusters_largest_first(graph: Graph) -> None:
    graph.young_person("Kit")
    graph.young_person("Jo")
    graph.location("Park")
    graph.link("Kit", "Park")
    graph.link("Jo", "Park")
    graph.young_person("Lone")
    graph.location("Shop")
    graph.link("Lone", "Shop")
    response = api(member(Role.POLICE_LEAD, area=graph.area)).get(
        "/api/v1/clusters/", {"area": graph.area.ons_code}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["area"] == graph.area.ons_code and body["total"] == 2
    first, second = body["clusters"]
    assert (first["young_people"], first["entities"]) == (2, 3)  # Hotel, Car, Dealer
    assert (second["young_people"], second["entities"]) == (2, 1)
    assert second["labels"] == ["Park"]
    assert second["entry"] == {"kind": "location", "record_id": graph.pk("Park"), "label": "Park"}
    assert views() == []  # counts and entities only: no young person's details


@pytest.mark.parametrize("links", [0, 30])
def test_query_count_is_pinned(graph: Graph, django_assert_num_queries: Any, links: int) -> None:
    for n in range(links):
        graph.young_person(f"Extra{n}")
        graph.link(f"Extra{n}", "Ava")
    client = api(member(Role.COORDINATOR, area=graph.area))
    client.get(url(graph))  # first-use caches
    # What every signed-in API read costs (session, user, second factor, history context,
    # memberships), the walk (the centre, hop 1, hop 2, the nodes: 4) and the audit records
    # (one insert for all, sent with the commit: no query of its own): the same whatever the
    # network's size.
    with django_assert_num_queries(13):
        response = client.get(url(graph))
    assert response.json()["young_people"] == 2 + links
