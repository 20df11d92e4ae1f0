"""Pages that show identifiable data record what they showed: one VIEW audit event per record,
by the person who saw it. Each page here once wrote none."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db.models import Max
from django.test import Client
from rest_framework.test import APIClient

from agencies.models import Role, User
from audit.models import AuditAction, AuditEvent
from referrals.models import Referral
from referrals.workflow import referral_transition
from tests.disruption import meeting_world as mw
from tests.disruption.graph import Graph
from tests.factories import AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db


def browser(user: User) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def mark() -> int:
    return AuditEvent.objects.aggregate(newest=Max("id"))["newest"] or 0


def seen_since(start: int, actor: User) -> set[tuple[str, int]]:
    """(model, pk) of each record `actor` was recorded as seeing after `start`."""
    events = AuditEvent.objects.filter(id__gt=start, action=AuditAction.VIEW)
    assert all(event.actor_id == actor.pk for event in events)
    return {(event.object_type, int(event.object_id)) for event in events}


def the_referral(referral: Referral) -> tuple[str, int]:
    return ("referrals.referral", referral.pk)


def its_young_person(referral: Referral) -> tuple[str, int]:
    return ("referrals.youngperson", referral.young_person_id)


@pytest.fixture
def case() -> tuple[User, Referral]:
    """A coordinator, and a concern of their area mentioning a man and a car."""
    area = AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)
    referral = raise_referral(
        practitioner,
        submit=True,
        concern={"people_mentioned": "Mo, older man", "vehicles_mentioned": "AB12 CDE"},
    )
    coordinator = member(Role.COORDINATOR, area=area)
    referral_transition(referral=referral, actor=coordinator, name="start_triage")
    return coordinator, referral


def test_the_young_person_correction_page(case: tuple[User, Referral]) -> None:
    coordinator, referral = case
    start = mark()
    page = browser(coordinator).get(f"/referrals/{referral.reference}/young-person/correct/")
    assert page.status_code == 200
    assert its_young_person(referral) in seen_since(start, coordinator)


def test_the_mentions_page(case: tuple[User, Referral]) -> None:
    coordinator, referral = case
    start = mark()
    page = browser(coordinator).get(f"/referrals/{referral.reference}/mentions/")
    assert page.status_code == 200 and "Mo, older man" in page.content.decode()
    assert the_referral(referral) in seen_since(start, coordinator)


def test_a_step_page_answered_again_after_a_post(case: tuple[User, Referral]) -> None:
    """A GET opens the referral (recorded); a POST answered with the page again, its errors
    or its check of the answers, shows the case too."""
    coordinator, referral = case
    client = browser(coordinator)
    for answers in ({}, {"decision": "multi_agency_plan", "reason": "Plan agreed."}):
        start = mark()
        page = client.post(f"/referrals/{referral.reference}/steps/decide/", answers)
        assert page.status_code == 200
        assert the_referral(referral) in seen_since(start, coordinator)


def test_the_concern_sent_page() -> None:
    practitioner = member(Role.PRACTITIONER)
    referral = raise_referral(practitioner, submit=True)
    start = mark()
    page = browser(practitioner).get(f"/concerns/{referral.reference}/sent/")
    assert page.status_code == 200
    assert the_referral(referral) in seen_since(start, practitioner)


def test_the_minutes_page() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    start = mark()
    assert browser(w.coordinator).get(f"/meetings/{meeting.pk}/minutes/").status_code == 200
    assert ("disruption.meeting", meeting.pk) in seen_since(start, w.coordinator)


@pytest.fixture
def graph() -> Graph:
    """Ava and Sam at a hotel, Sam in a car a dealer drives, Kit using a phone Jo uses."""
    g = Graph(AreaFactory.create())
    for name in ("Ava", "Sam", "Kit", "Jo"):
        g.young_person(name)
    g.location("Hotel")
    g.vehicle("Car")
    g.person("Dealer")
    g.identifier("Phone")
    for one, other in (("Ava", "Hotel"), ("Sam", "Hotel"), ("Sam", "Car"), ("Car", "Dealer")):
        g.link(one, other, observed_on=date(2026, 3, 1))
    g.link("Kit", "Phone")
    g.link("Jo", "Phone")
    return g


def entity(g: Graph, name: str) -> tuple[str, int]:
    record = g.nodes[name].record
    return (record._meta.label_lower, record.pk)


def test_the_network_records_every_record_it_shows(graph: Graph) -> None:
    user = member(Role.POLICE_LEAD, area=graph.area)
    start = mark()
    page = browser(user).get(f"/intelligence/network/vehicle/{graph.pk('Car')}/")
    assert page.status_code == 200
    assert seen_since(start, user) == {
        entity(graph, "Car"),
        entity(graph, "Dealer"),
        entity(graph, "Hotel"),
        ("referrals.youngperson", graph.pk("Sam")),
    }


@pytest.mark.parametrize("via", ["page", "api"])
def test_the_clusters_record_the_entities_they_name(graph: Graph, via: str) -> None:
    user = member(Role.COORDINATOR, area=graph.area)
    start = mark()
    response: Any
    if via == "page":
        response = browser(user).get("/intelligence/clusters/")
    else:
        client = APIClient()
        sign_in(client, user)
        response = client.get("/api/v1/clusters/", {"area": graph.area.ons_code})
    assert response.status_code == 200
    # Named: up to three entities of each cluster; its young people are counted, not named.
    assert seen_since(start, user) == {
        entity(graph, name) for name in ("Hotel", "Car", "Dealer", "Phone")
    }
