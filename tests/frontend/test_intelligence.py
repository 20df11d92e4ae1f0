"""The intelligence pages through the Django test client: each page's content and happy path,
a bad answer on its field, and 404 for roles that may not see the area's intelligence."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from agencies.models import Role, User
from audit.models import AuditEvent
from disruption.models import Link, LinkAlert, PersonOfConcern, Vehicle
from disruption.services import (
    identifier_create,
    link_share,
    location_create,
    person_of_concern_create,
    vehicle_create,
)
from referrals.services import referral_assign_lead
from tests.disruption.helpers import GRADING, Place, link, place
from tests.factories import AgencyFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

OUTSIDERS = [
    Role.PRACTITIONER,
    Role.AGENCY_SAFEGUARDING_LEAD,
    Role.LEAD_PROFESSIONAL,
    Role.BOARD_MEMBER,
    Role.AREA_ADMINISTRATOR,
]


def browser(user: User) -> Client:
    client = Client()
    sign_in(client, user)
    return client


@pytest.fixture
def here() -> Place:
    return place()


def text(response: Any) -> str:
    return response.content.decode()


def test_the_index_lists_and_searches_every_kind(here: Place) -> None:
    person_of_concern_create(actor=here.police_lead, area=here.area, name="Mohammed Khan")
    vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    location_create(actor=here.police_lead, area=here.area, name="Station Hotel")
    identifier_create(actor=here.police_lead, area=here.area, platform="snapchat", value="mok")
    client = browser(here.coordinator)
    page = text(client.get("/intelligence/"))
    for shown in ("Mohammed Khan", "AB12CDE", "Station Hotel", "Snapchat @mok", "Link alerts (0)"):
        assert shown in page
    found = text(client.get("/intelligence/?q=ab12+cde&kind=vehicle"))
    assert (
        "AB12CDE" in found
        and "Mohammed Khan" not in found
        and 'heading-m">Persons of concern<' not in found
    )
    assert AuditEvent.objects.filter(action="view", object_type="disruption.vehicle").count() == 2
    assert "Intelligence" in page  # the navigation item


def test_a_person_of_concern_page_shows_identifiers_vehicles_associates_links_and_alerts(
    here: Place,
) -> None:
    person = person_of_concern_create(
        actor=here.police_lead,
        area=here.area,
        name="Mohammed Khan",
        aliases=["Mo K"],
        phone_numbers=["07700 900123"],
        grading=GRADING,
    )
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    friend = person_of_concern_create(actor=here.police_lead, area=here.area, name="Taz Ali")
    link(here.police_lead, person, car, nature="uses")
    link(here.police_lead, person, friend, nature="associate")
    for _ in range(2):
        referral = here.referral()
        link(here.police_lead, person, referral.young_person, referral=referral)
    page = text(browser(here.police_lead).get(f"/intelligence/person/{person.pk}/"))
    for shown in ("Mo K", "+447700900123", "AB12CDE", "Taz Ali", "2BP", "Known associate"):
        assert shown in page
    assert "&#x27;Mohammed Khan&#x27; is now linked to 2 young people" in page
    assert AuditEvent.objects.filter(
        action="view", object_type="disruption.personofconcern", object_id=str(person.pk)
    ).exists()


def test_recording_a_person_offers_alike_names_first(here: Place) -> None:
    person_of_concern_create(actor=here.police_lead, area=here.area, name="Mohammed Khan")
    client = browser(here.coordinator)
    assert "Record a person of concern" in text(client.get("/intelligence/person/new/"))
    form = {"name": "Mo Khan", "status": "suspected"}
    offered = client.post("/intelligence/person/new/", form)
    assert offered.status_code == 200
    assert "&#x27;Mo Khan&#x27; is like &#x27;Mohammed Khan&#x27;" in text(offered)
    assert PersonOfConcern.objects.count() == 1
    done = client.post("/intelligence/person/new/", {**form, "confirm_new": "on"})
    new = PersonOfConcern.objects.get(name="Mo Khan")
    assert done["Location"] == f"/intelligence/person/{new.pk}/"
    blank = client.post("/intelligence/person/new/", {"name": "", "status": "suspected"})
    assert "Enter the person&#x27;s name" in text(blank)


def test_forms_record_and_change_each_kind(here: Place) -> None:
    client = browser(here.police_lead)
    client.post("/intelligence/vehicle/new/", {"registration": "ab12 cde"})
    car = Vehicle.objects.get()
    assert car.registration == "AB12CDE"
    bad = client.post("/intelligence/vehicle/new/", {"registration": "--"})
    assert "govuk-error-summary" in text(bad)
    client.post(
        f"/intelligence/vehicle/{car.pk}/change/", {"registration": "AB12CDE", "colour": "Red"}
    )
    car.refresh_from_db()
    assert car.colour == "Red"
    client.post("/intelligence/location/new/", {"name": "Park", "location_type": "park"})
    client.post("/intelligence/identifier/new/", {"platform": "phone", "value": "07700 900123"})
    assert "+447700900123" in text(client.get("/intelligence/"))
    assert client.get("/intelligence/identifier/1/change/").status_code == 404
    assert client.get("/intelligence/castle/new/").status_code == 404


def test_a_link_is_added_from_a_record_and_shared_by_a_coordinator(here: Place) -> None:
    referral = here.referral()
    agency = AgencyFactory.create(areas=[here.area])
    lead = member(Role.LEAD_PROFESSIONAL, area=here.area, agency=agency)
    referral_assign_lead(referral=referral, actor=here.coordinator, agency=agency)
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    client = browser(here.police_lead)
    url = f"/intelligence/vehicle/{car.pk}/link/"
    assert str(referral.young_person) in text(client.get(url))
    form = {
        "other": f"young_person:{referral.young_person_id}",
        "nature": "seen_in",
        "referral": referral.reference,
        **GRADING,
        "observed_on": "2026-01-10",
    }
    bad = client.post(url, {**form, "observed_on": "2099-01-01"})
    assert "The date must be today or in the past" in text(bad)
    assert client.post(url, form).status_code == 302
    added = Link.objects.get()
    assert client.get(f"/intelligence/links/{added.pk}/share/").status_code == 403
    coordinator = browser(here.coordinator)
    assert "Share" in text(coordinator.get(f"/intelligence/vehicle/{car.pk}/"))
    coordinator.post(f"/intelligence/links/{added.pk}/share/", {"reason": "For the plan."})
    added.refresh_from_db()
    assert added.share_reason == "For the plan."
    lead_client = browser(lead)
    page = lead_client.get(f"/intelligence/vehicle/{car.pk}/")
    assert page.status_code == 200 and "AB12CDE" in text(page)
    assert lead_client.get(url).status_code == 404  # sees, does not add links
    assert lead_client.get("/intelligence/").status_code == 404


def test_the_alerts_page_lists_the_areas_alerts(here: Place) -> None:
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    for _ in range(2):
        referral = here.referral()
        link(here.police_lead, car, referral.young_person, referral=referral)
    assert LinkAlert.objects.count() == 1
    page = text(browser(here.coordinator).get("/intelligence/alerts/"))
    assert "Vehicle AB12CDE is now linked to 2 young people" in page
    other = place()
    assert "AB12CDE" not in text(browser(other.coordinator).get("/intelligence/alerts/"))


def test_mentions_become_linked_records_from_the_referral_page(here: Place) -> None:
    referral = raise_referral(
        here.practitioner,
        submit=True,
        concern={"people_mentioned": "Mo, older man", "vehicles_mentioned": "AB12 CDE"},
    )
    client = browser(here.coordinator)
    detail = text(client.get(f"/referrals/{referral.reference}/"))
    assert f"/referrals/{referral.reference}/mentions/" in detail
    url = f"/referrals/{referral.reference}/mentions/"
    page = text(client.get(url))
    assert "Person: Mo, older man" in page and "Vehicle: AB12 CDE" in page
    grading = {"source_evaluation": "2", "intelligence_assessment": "C", "handling_code": "P"}
    assert client.post(url, {"line": "vehicle|AB12 CDE", **grading}).status_code == 302
    assert Vehicle.objects.get().registration == "AB12CDE"
    assert "Mentioned as: AB12 CDE" in text(client.get(url))
    practitioner_page = text(browser(here.practitioner).get(f"/referrals/{referral.reference}/"))
    assert "/mentions/" not in practitioner_page
    assert browser(here.practitioner).get(url).status_code == 404


@pytest.mark.parametrize("role", OUTSIDERS)
def test_other_roles_get_404_on_every_page(here: Place, role: Role) -> None:
    referral = raise_referral(
        here.practitioner, submit=True, concern={"people_mentioned": "Mo, older man"}
    )
    person = person_of_concern_create(actor=here.police_lead, area=here.area, name="Mo Khan")
    added = link(here.police_lead, person, referral.young_person, referral=referral)
    link_share(link=added, actor=here.coordinator, reason="For the plan.")
    client = browser(member(role, area=here.area))
    for url in (
        "/intelligence/",
        "/intelligence/alerts/",
        "/intelligence/person/new/",
        f"/intelligence/person/{person.pk}/",
        f"/intelligence/person/{person.pk}/change/",
        f"/intelligence/person/{person.pk}/link/",
        f"/intelligence/links/{added.pk}/share/",
        f"/referrals/{referral.reference}/mentions/",
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.POLICE_LEAD])
def test_another_areas_intelligence_roles_get_404(here: Place, role: Role) -> None:
    person = person_of_concern_create(actor=here.police_lead, area=here.area, name="Mo Khan")
    client = browser(member(role))
    assert client.get(f"/intelligence/person/{person.pk}/").status_code == 404
    assert client.get(f"/intelligence/person/{person.pk}/change/").status_code == 404
    assert "Mo Khan" not in text(client.get("/intelligence/"))
