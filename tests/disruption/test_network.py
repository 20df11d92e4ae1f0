"""The network within two hops of a record, and an area's clusters."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.models import Area, Role
from disruption.models import NodeKind
from disruption.network import clusters, network
from tests.factories import AreaFactory, YoungPersonFactory, member
from tests.strength import examples

from .graph import Graph

pytestmark = pytest.mark.django_db


@pytest.fixture
def graph() -> Graph:
    """Ava - Hotel - Sam - Car - Dealer - Phone2     (hop from the Hotel: 1, 0, 1, 2, 3, 4)
           |                 |
         Phone1 ----------- (Phone1 - Car joins two hop-2 nodes: a third step)
    and a separate pair, Kit - Park, in the same area."""
    g = Graph(AreaFactory.create())
    g.young_person("Ava")
    g.young_person("Sam")
    g.location("Hotel")
    g.vehicle("Car")
    g.person("Dealer")
    g.identifier("Phone1")
    g.identifier("Phone2")
    g.young_person("Kit")
    g.location("Park")
    g.link("Ava", "Hotel", observed_on=date(2026, 3, 1))
    g.link("Sam", "Hotel", observed_on=date(2025, 6, 1))
    g.link("Ava", "Phone1", observed_on=date(2026, 2, 1))
    g.link("Sam", "Car", observed_on=date(2026, 4, 1))
    g.link("Phone1", "Car")
    g.link("Car", "Dealer")
    g.link("Dealer", "Phone2")
    g.link("Kit", "Park")
    return g


def coordinator(area: Area) -> Any:
    return member(Role.COORDINATOR, area=area)


def hops(found: Any, g: Graph) -> dict[str, int]:
    names = {node.pk: name for name, node in g.nodes.items()}
    return {names[n.id]: n.hop for n in found.nodes}


def edges(found: Any, g: Graph) -> set[frozenset[str]]:
    names = {node.pk: name for name, node in g.nodes.items()}
    return {frozenset((names[e.a], names[e.b])) for e in found.edges}


def test_two_hops_exactly_and_nothing_further(graph: Graph) -> None:
    hotel = graph.nodes["Hotel"]
    found = network(user=coordinator(graph.area), kind=NodeKind.LOCATION, pk=graph.pk("Hotel"))
    assert hops(found, graph) == {"Hotel": 0, "Ava": 1, "Sam": 1, "Phone1": 2, "Car": 2}
    assert edges(found, graph) == {
        frozenset(pair)
        for pair in [("Ava", "Hotel"), ("Sam", "Hotel"), ("Ava", "Phone1"), ("Sam", "Car")]
    }
    assert found.centre.id == hotel.pk and found.centre.hop == 0
    assert found.young_people == 2
    assert not found.truncated
    by_id = {n.id: n for n in found.nodes}
    ava = graph.nodes["Ava"]
    assert by_id[ava.pk].kind == NodeKind.YOUNG_PERSON
    assert by_id[ava.pk].record_id == ava.young_person_id
    assert by_id[ava.pk].label == str(ava.young_person)
    assert {e.grading for e in found.edges} == {"1AP"}
    assert [e.observed_on for e in found.edges] == sorted(
        (e.observed_on for e in found.edges), reverse=True
    )


def test_from_a_young_person_and_from_a_person_of_concern(graph: Graph) -> None:
    user = coordinator(graph.area)
    found = network(user=user, kind=NodeKind.YOUNG_PERSON, pk=graph.pk("Ava"))
    assert hops(found, graph) == {"Ava": 0, "Hotel": 1, "Phone1": 1, "Sam": 2, "Car": 2}
    # Phone1 - Car joins two hop-1/hop-2 nodes through Phone1 (hop 1): it is shown.
    assert frozenset(("Phone1", "Car")) in edges(found, graph)
    found = network(user=user, kind=NodeKind.PERSON, pk=graph.pk("Dealer"))
    assert hops(found, graph) == {"Dealer": 0, "Car": 1, "Phone2": 1, "Sam": 2, "Phone1": 2}
    assert found.young_people == 1


def test_links_filtered_by_when_they_were_observed(graph: Graph) -> None:
    user = coordinator(graph.area)
    hotel = graph.pk("Hotel")
    since = network(user=user, kind=NodeKind.LOCATION, pk=hotel, since=date(2026, 1, 15))
    # Sam - Hotel (June 2025) is gone, and with it Sam's side; Ava - Phone1 (February) stays.
    assert hops(since, graph) == {"Hotel": 0, "Ava": 1, "Phone1": 2}
    until = network(user=user, kind=NodeKind.LOCATION, pk=hotel, until=date(2026, 2, 1))
    assert hops(until, graph) == {"Hotel": 0, "Sam": 1}
    both = network(
        user=user, kind=NodeKind.LOCATION, pk=hotel, since=date(2026, 3, 1), until=date(2026, 3, 1)
    )
    assert hops(both, graph) == {"Hotel": 0, "Ava": 1}
    assert both.young_people == 1


def test_a_hub_is_cut_to_the_newest_links_and_says_so(graph: Graph) -> None:
    user = coordinator(graph.area)
    hotel = graph.pk("Hotel")
    found = network(user=user, kind=NodeKind.LOCATION, pk=hotel, limit=3)
    assert found.truncated
    assert len(found.edges) == 3
    # Both hop-1 links first, then the newest hop-2 link (Sam - Car, April 2026).
    assert edges(found, graph) == {
        frozenset(("Ava", "Hotel")),
        frozenset(("Sam", "Hotel")),
        frozenset(("Sam", "Car")),
    }
    found = network(user=user, kind=NodeKind.LOCATION, pk=hotel, limit=1)
    assert found.truncated and edges(found, graph) == {frozenset(("Ava", "Hotel"))}
    assert hops(found, graph) == {"Hotel": 0, "Ava": 1}
    exact = network(user=user, kind=NodeKind.LOCATION, pk=hotel, limit=4)
    assert not exact.truncated and len(exact.edges) == 4


def test_a_record_alone_is_its_own_network(graph: Graph) -> None:
    lonely = graph.vehicle("Lonely")
    found = network(user=coordinator(graph.area), kind=NodeKind.VEHICLE, pk=graph.pk("Lonely"))
    assert [n.id for n in found.nodes] == [lonely.pk]
    assert found.edges == [] and found.young_people == 0


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.POLICE_LEAD])
def test_the_areas_coordinators_and_police_leads_see_it(graph: Graph, role: Role) -> None:
    user = member(role, area=graph.area)
    hotel = graph.pk("Hotel")
    assert network(user=user, kind=NodeKind.LOCATION, pk=hotel).young_people == 2
    assert clusters(user=user, area=graph.area).total == 1


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
def test_other_roles_of_the_area_get_404(graph: Graph, role: Role) -> None:
    user = member(role, area=graph.area)
    with pytest.raises(Http404):
        network(user=user, kind=NodeKind.LOCATION, pk=graph.pk("Hotel"))
    with pytest.raises(Http404):
        clusters(user=user, area=graph.area)


def test_other_areas_and_records_without_a_node_get_404(graph: Graph) -> None:
    elsewhere = coordinator(AreaFactory.create())
    analyst = member(Role.NATIONAL_ANALYST)
    for user in (elsewhere, analyst):
        with pytest.raises(Http404):
            network(user=user, kind=NodeKind.LOCATION, pk=graph.pk("Hotel"))
        with pytest.raises(Http404):
            clusters(user=user, area=graph.area)
    unlinked = YoungPersonFactory.create(area=graph.area)  # no node yet
    with pytest.raises(Http404):
        network(user=coordinator(graph.area), kind=NodeKind.YOUNG_PERSON, pk=unlinked.pk)
    # The right id under the wrong kind is another record (or none).
    with pytest.raises(Http404):
        network(
            user=coordinator(graph.area),
            kind=NodeKind.VEHICLE,
            pk=graph.pk("Hotel") + 10_000,
        )


def test_query_count_does_not_grow_with_the_network(
    graph: Graph, django_assert_num_queries: Any
) -> None:
    user = coordinator(graph.area)
    hotel = graph.pk("Hotel")
    network(user=user, kind=NodeKind.LOCATION, pk=hotel)  # memberships now cached
    with django_assert_num_queries(4):  # the centre, hop 1, hop 2, the nodes
        network(user=user, kind=NodeKind.LOCATION, pk=hotel)
    for n in range(30):
        graph.young_person(f"Extra{n}")
        graph.link(f"Extra{n}", "Sam")  # hop 2 from the Hotel
    with django_assert_num_queries(4):
        found = network(user=user, kind=NodeKind.LOCATION, pk=hotel)
    assert found.young_people == 32


def test_clusters_of_the_hand_built_graph(graph: Graph) -> None:
    graph.young_person("Jo")
    graph.link("Jo", "Dealer")
    result = clusters(user=coordinator(graph.area), area=graph.area)
    # Kit - Park has one young person: not a cluster.
    assert result.total == 1
    (cluster,) = result.clusters
    assert cluster.young_people == 3  # Ava, Sam, Jo
    assert cluster.entities == 5  # Hotel, Car, Dealer, Phone1, Phone2
    # The most linked entities name it: Car (3 links), then Dealer (3), then Hotel/Phone1 (2).
    assert cluster.labels[:2] == [str(graph.nodes["Car"].record), "Dealer"]
    assert cluster.entry.id == graph.nodes["Car"].pk
    assert cluster.entry.record_id == graph.pk("Car")


def test_clusters_of_young_people_linked_to_each_other_alone() -> None:
    g = Graph(AreaFactory.create())
    g.young_person("A")
    g.young_person("B")
    g.link("A", "B")
    (cluster,) = clusters(user=coordinator(g.area), area=g.area).clusters
    assert (cluster.young_people, cluster.entities, cluster.labels) == (2, 0, [])
    assert cluster.entry.kind == NodeKind.YOUNG_PERSON


# A group: how many young people, and how many entities they share (each young person is
# linked to at least one of the group's entities, and the entities are chained, so the group
# is connected). Singletons are young people with an entity of their own.
groups = st.lists(
    st.tuples(st.integers(min_value=1, max_value=5), st.integers(min_value=1, max_value=3)),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=examples(15),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(groups=groups, choices=st.randoms(use_true_random=False))
def test_generated_clusters_are_found_exactly(groups: list[tuple[int, int]], choices: Any) -> None:
    g = Graph(AreaFactory.create())  # a fresh area per example: clusters are per area
    expected = []
    for i, (people, entities) in enumerate(groups):
        kinds = [g.location, g.vehicle, g.person, g.identifier]
        names = [f"G{i}E{j}" for j in range(entities)]
        for j, name in enumerate(names):
            kinds[j % len(kinds)](name)
            if j:
                g.link(names[j - 1], name)
        for k in range(people):
            g.young_person(f"G{i}Y{k}")
            for name in choices.sample(names, choices.randint(1, len(names))):
                g.link(f"G{i}Y{k}", name)
        if people >= 2:
            expected.append((people, entities))
    result = clusters(user=coordinator(g.area), area=g.area)
    assert result.total == len(expected)
    assert [(c.young_people, c.entities) for c in result.clusters] == sorted(
        expected, key=lambda c: (-c[0], -c[1])
    )
