"""Who sees an area's intelligence: its coordinators and police leads, everything; a lead
professional, only a link shared to their referral and its two ends; everyone else nothing
(404 on every record, empty lists), through the selectors, the API and the pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from rest_framework.test import APIClient

from agencies.models import Role, User
from disruption.models import Link, Location, PersonOfConcern, Vehicle
from disruption.selectors import entity_get, entity_list, link_alerts_for, link_get, links_for
from disruption.services import (
    link_share,
    location_create,
    person_of_concern_create,
    vehicle_create,
)
from referrals.workflow import referral_assign_lead
from tests.disruption.helpers import link, place
from tests.factories import AgencyFactory, member, sign_in

pytestmark = pytest.mark.django_db

NOTHING = [
    Role.PRACTITIONER,
    Role.AGENCY_SAFEGUARDING_LEAD,
    Role.LEAD_PROFESSIONAL,  # not assigned on the referral
    Role.BOARD_MEMBER,
    Role.AREA_ADMINISTRATOR,
    Role.NATIONAL_ANALYST,
]


@dataclass
class World:
    coordinator: User
    police_lead: User
    lead: User  # assigned on the referral the shared link names
    person: PersonOfConcern
    car: Vehicle
    hotel: Location
    shared: Link
    unshared: Link
    area: Any


@pytest.fixture
def world() -> World:
    here = place()
    referral, other = here.referral(), here.referral()
    agency = AgencyFactory.create(areas=[here.area])
    lead = member(Role.LEAD_PROFESSIONAL, area=here.area, agency=agency)
    referral_assign_lead(referral=referral, actor=here.coordinator, agency=agency)
    person = person_of_concern_create(actor=here.police_lead, area=here.area, name="Mo Khan")
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    hotel = location_create(actor=here.police_lead, area=here.area, name="Station Hotel")
    shared = link(here.police_lead, car, referral.young_person, referral=referral)
    link(here.police_lead, car, other.young_person, referral=other)  # raises an alert
    unshared = link(here.police_lead, person, car, nature="uses")
    link(here.police_lead, hotel, referral.young_person, referral=referral, nature="seen_at")
    link_share(link=shared, actor=here.coordinator, reason="For the safety plan.")
    return World(
        here.coordinator, here.police_lead, lead, person, car, hotel, shared, unshared, here.area
    )


def sees_nothing(user: User, world: World) -> None:
    for model, record in (
        (PersonOfConcern, world.person),
        (Vehicle, world.car),
        (Location, world.hotel),
    ):
        assert not entity_list(user=user, model=model).exists()
        with pytest.raises(Http404):
            entity_get(user=user, model=model, pk=record.pk)
    assert not links_for(user=user).exists()
    assert not link_alerts_for(user=user).exists()
    with pytest.raises(Http404):
        link_get(user=user, pk=world.shared.pk)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.POLICE_LEAD])
def test_the_areas_coordinators_and_police_leads_see_everything_of_it(
    world: World, role: Role
) -> None:
    user = member(role, area=world.area)
    assert set(entity_list(user=user, model=Vehicle)) == {world.car}
    assert set(entity_list(user=user, model=PersonOfConcern)) == {world.person}
    assert links_for(user=user).count() == 4
    assert link_alerts_for(user=user).count() == 1
    assert entity_get(user=user, model=Location, pk=world.hotel.pk) == world.hotel


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.POLICE_LEAD])
def test_another_areas_coordinators_and_police_leads_see_nothing(world: World, role: Role) -> None:
    sees_nothing(member(role), world)


@pytest.mark.parametrize("role", NOTHING)
def test_other_roles_of_the_area_see_nothing(world: World, role: Role) -> None:
    user = member(role) if role is Role.NATIONAL_ANALYST else member(role, area=world.area)
    sees_nothing(user, world)


def test_an_assigned_lead_professional_sees_the_shared_link_and_its_two_ends_only(
    world: World,
) -> None:
    lead = world.lead
    assert list(links_for(user=lead)) == [world.shared]
    assert list(entity_list(user=lead, model=Vehicle)) == [world.car]
    assert not entity_list(user=lead, model=PersonOfConcern).exists()
    assert not entity_list(user=lead, model=Location).exists()
    assert not link_alerts_for(user=lead).exists()
    with pytest.raises(Http404):
        link_get(user=lead, pk=world.unshared.pk)
    with pytest.raises(Http404):
        entity_get(user=lead, model=PersonOfConcern, pk=world.person.pk)


def api_and_pages(user: User, world: World) -> dict[str, int]:
    """The status of every intelligence read, through the API and the pages."""
    api, browser = APIClient(), Client()
    sign_in(api, user)
    sign_in(browser, user)
    person, car = world.person.pk, world.car.pk
    return {
        url: (api if url.startswith("/api/") else browser).get(url).status_code
        for url in (
            f"/api/v1/persons-of-concern/{person}/",
            f"/api/v1/vehicles/{car}/",
            f"/api/v1/locations/{world.hotel.pk}/",
            f"/intelligence/person/{person}/",
            f"/intelligence/vehicle/{car}/",
            "/intelligence/",
            "/intelligence/alerts/",
        )
    }


def api_rows(user: User, endpoint: str) -> list[Any]:
    client = APIClient()
    sign_in(client, user)
    return list(client.get(f"/api/v1/{endpoint}/").json()["results"])


@pytest.mark.parametrize("role", NOTHING)
def test_other_roles_get_404_and_empty_lists_through_the_api_and_pages(
    world: World, role: Role
) -> None:
    user = member(role) if role is Role.NATIONAL_ANALYST else member(role, area=world.area)
    assert set(api_and_pages(user, world).values()) == {404}
    for endpoint in ("persons-of-concern", "vehicles", "locations", "links", "link-alerts"):
        assert api_rows(user, endpoint) == []


def test_the_assigned_lead_sees_the_shared_ends_through_the_api_and_pages(world: World) -> None:
    statuses = api_and_pages(world.lead, world)
    assert {url for url, code in statuses.items() if code == 200} == {
        f"/api/v1/vehicles/{world.car.pk}/",
        f"/intelligence/vehicle/{world.car.pk}/",
    }
    assert [row["id"] for row in api_rows(world.lead, "links")] == [world.shared.pk]
    assert api_rows(world.lead, "link-alerts") == []
