"""The network and clusters pages: the drawing's data, the accessible tables, the date filter,
who may see them, and their cost."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import Role, User
from audit.models import AuditAction, AuditEvent
from tests.disruption.graph import Graph
from tests.factories import AreaFactory, member, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def graph() -> Graph:
    """Ava and Sam at a hotel; Sam seen in a car a dealer drives (three steps from the hotel);
    Kit and Jo at a park."""
    g = Graph(AreaFactory.create(name="Northmoor"))
    for name in ("Ava", "Sam", "Kit", "Jo"):
        g.young_person(name)
    g.location("Hotel")
    g.vehicle("Car")
    g.person("Dealer")
    g.location("Park")
    g.link("Ava", "Hotel", observed_on=date(2026, 3, 1))
    g.link("Sam", "Hotel", observed_on=date(2025, 6, 1))
    g.link("Sam", "Car", observed_on=date(2026, 4, 1))
    g.link("Car", "Dealer")
    g.link("Kit", "Park")
    g.link("Jo", "Park")
    return g


def client_for(user: User) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def hotel(g: Graph) -> str:
    return reverse("frontend:network", args=["location", g.pk("Hotel")])


def table_rows(html: str, caption: str) -> list[str]:
    """The rows of the table whose caption holds `caption` (not a region naming it)."""
    found = re.search(
        rf"<caption[^>]*>(?:(?!</caption>).)*{re.escape(caption)}.*?</table>", html, re.S
    )
    assert found, caption
    body = found.group(0).split('<tbody class="govuk-table__body">')[1]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def drawing(html: str) -> Any:
    found = re.search(r'<script id="network-data" type="application/json">(.*?)</script>', html)
    assert found is not None
    return json.loads(found.group(1))


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.POLICE_LEAD])
def test_the_network_page_draws_and_lists_the_same_records(graph: Graph, role: Role) -> None:
    response = client_for(member(role, area=graph.area)).get(hotel(graph))
    assert response.status_code == 200
    html = response.content.decode()
    car = graph.nodes["Car"].label
    assert table_rows(html, "Records in the network") == [
        "Hotel Location 0",
        "Ava Person : open its network Young person 1",
        "Sam Person : open its network Young person 1",
        f"{car} : open its network Vehicle 2",
    ]
    assert table_rows(html, "Links, most recent first") == [
        f"Sam Person {car} Seen with 1AP 1 April 2026",
        "Ava Person Hotel Seen with 1AP 1 March 2026",
        "Sam Person Hotel Seen with 1AP 1 June 2025",
    ]
    assert "<strong>2 young people</strong>" in html
    data = drawing(html)
    assert data["centre"] == graph.nodes["Hotel"].pk
    assert {n["label"] for n in data["nodes"]} == {"Hotel", "Ava Person", "Sam Person", car}
    assert len(data["edges"]) == 3
    # Drawn by a script file (no inline script under the CSP), described by the summary.
    assert 'src="/static/frontend/network.js"' in html
    assert 'data-summary="network-summary"' in html and 'id="network-summary"' in html
    assert "Dealer" not in html  # three steps away
    # Every record links on to its own network.
    sam = reverse("frontend:network", args=["young_person", graph.pk("Sam")])
    assert f'href="{sam}"' in html
    views = AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="referrals.youngperson")
    assert sorted(int(e.object_id) for e in views) == sorted([graph.pk("Ava"), graph.pk("Sam")])


def test_the_date_filter(graph: Graph) -> None:
    client = client_for(member(Role.COORDINATOR, area=graph.area))
    html = client.get(
        hotel(graph), {"since_day": "1", "since_month": "1", "since_year": "2026"}
    ).content.decode()
    assert [row.split(" Young")[0] for row in table_rows(html, "Records in the network")] == [
        "Hotel Location 0",
        "Ava Person : open its network",
    ]
    assert "through links seen from 1 January 2026" in html
    assert 'name="since_year" type="text" inputmode="numeric" value="2026"' in html  # shown back
    html = client.get(
        hotel(graph),
        {
            "since_day": "2",
            "since_month": "1",
            "since_year": "2026",
            "until_day": "1",
            "until_month": "1",
        },
    ).content.decode()
    assert "There is a problem" in html
    assert "Links seen up to must be a real date" in html
    html = client.get(
        hotel(graph),
        {
            **{"since_day": "2", "since_month": "1", "since_year": "2026"},
            **{"until_day": "1", "until_month": "1", "until_year": "2026"},
        },
    ).content.decode()
    assert "The end date must be on or after the start date" in html


def test_the_clusters_page_lists_the_largest_first_with_a_way_into_each(graph: Graph) -> None:
    graph.young_person("Lee")
    graph.link("Lee", "Park")
    response = client_for(member(Role.COORDINATOR, area=graph.area)).get(
        reverse("frontend:clusters")
    )
    assert response.status_code == 200
    html = response.content.decode()
    car = graph.nodes["Car"].label
    rows = table_rows(html, "largest first")
    assert rows == [
        "1 3 1 Park Open the network of cluster 1",
        f"2 2 3 Hotel, {car}, Dealer Open the network of cluster 2",
    ]
    park = reverse("frontend:network", args=["location", graph.pk("Park")])
    assert f'href="{park}"' in html
    assert "Ava" not in html  # counts, not young people's names


def test_a_coordinator_of_two_areas_chooses_one(graph: Graph) -> None:
    user = member(Role.COORDINATOR, area=graph.area)
    other = AreaFactory.create(name="Southvale")
    from agencies.models import Membership

    first = Membership.objects.get(user=user)
    Membership.objects.create(user=user, role=Role.POLICE_LEAD, area=other, agency=first.agency)
    client = client_for(user)
    html = client.get(reverse("frontend:clusters"), {"area": other.ons_code}).content.decode()
    assert "No two young people in Southvale are linked" in html
    assert '<select class="govuk-select" id="area" name="area">' in html
    html = client.get(reverse("frontend:clusters"), {"area": graph.area.ons_code}).content.decode()
    assert "2 clusters, largest first" in html


@pytest.mark.parametrize(
    "role",
    [
        Role.PRACTITIONER,
        Role.AGENCY_SAFEGUARDING_LEAD,
        Role.LEAD_PROFESSIONAL,
        Role.BOARD_MEMBER,
        Role.AREA_ADMINISTRATOR,
    ],
)
def test_other_roles_get_404(graph: Graph, role: Role) -> None:
    client = client_for(member(role, area=graph.area))
    assert client.get(hotel(graph)).status_code == 404
    assert client.get(reverse("frontend:clusters")).status_code == 404


def test_other_areas_and_unknown_kinds_get_404(graph: Graph) -> None:
    elsewhere = client_for(member(Role.COORDINATOR, area=AreaFactory.create()))
    assert elsewhere.get(hotel(graph)).status_code == 404
    assert (
        elsewhere.get(reverse("frontend:clusters"), {"area": graph.area.ons_code}).status_code
        == 404
    )
    own = client_for(member(Role.COORDINATOR, area=graph.area))
    assert own.get(f"/intelligence/network/lorry/{graph.pk('Hotel')}/").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()


def test_query_count_is_pinned(graph: Graph, django_assert_num_queries: Any) -> None:
    client = client_for(member(Role.COORDINATOR, area=graph.area))
    client.get(hotel(graph))
    with django_assert_num_queries(16):
        client.get(hotel(graph))
    for n in range(20):
        graph.young_person(f"Extra{n}")
        graph.link(f"Extra{n}", "Ava")
    with django_assert_num_queries(16):
        html = client.get(hotel(graph)).content.decode()
    assert "<strong>22 young people</strong>" in html


def test_an_entity_page_leads_to_its_network(graph: Graph) -> None:
    client = client_for(member(Role.POLICE_LEAD, area=graph.area))
    html = client.get(reverse("frontend:entity", args=["location", graph.pk("Hotel")])).content
    assert f'href="{hotel(graph)}">See its network</a>' in html.decode()
