"""The intelligence pages through the Django test client: each page's content and happy path,
a bad answer on its field, and 404 for roles that may not see the area's intelligence."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from agencies.models import Role, User
from audit.models import AuditEvent
from disruption.home_selectors import link_alerts_to_review
from disruption.models import Link, LinkAlert, PersonOfConcern, Vehicle
from disruption.selectors import mention_matches
from disruption.services import (
    identifier_create,
    link_share,
    location_create,
    person_of_concern_create,
    vehicle_create,
)
from referrals.workflow import referral_assign_lead
from tests.disruption.helpers import GRADING, Place, link, place
from tests.factories import AgencyFactory, member, raise_referral, sign_in

# The index, one kind page by page, whatever the page: the session, user, device and
# memberships; the rows and their count; the audit of what is shown (sent with
# the next statement); the alerts count; the
# header's permissions (2) and unread notifications; the session saved (3).
QUERIES_OF_A_PAGE = 13

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
    for shown in (
        "Mohammed Khan",
        "AB12CDE",
        "Station Hotel",
        "Snapchat @mok",
        "Link alerts to review (0)",
    ):
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
        "observed_on_day": "10",
        "observed_on_month": "1",
        "observed_on_year": "2026",
    }
    bad = client.post(url, {**form, "observed_on_year": "2099"})
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
    assert "Mo, older man" in page and "AB12 CDE" in page
    grading = {"source_evaluation": "2", "intelligence_assessment": "C", "handling_code": "P"}
    # Nothing like it is recorded: the line becomes a new record.
    assert "create a new record" not in text(client.get(f"{url}?line=1"))
    assert client.post(f"{url}?line=1", grading).status_code == 302
    assert Vehicle.objects.get().registration == "AB12CDE"
    assert "Mentioned as: AB12 CDE" in text(client.get(url))
    assert client.get(f"{url}?line=9").status_code == 404
    practitioner_page = text(browser(here.practitioner).get(f"/referrals/{referral.reference}/"))
    assert "/mentions/" not in practitioner_page
    assert browser(here.practitioner).get(url).status_code == 404


def test_the_link_picker_lists_names_naturally_and_suggests_within_need_to_know(
    here: Place,
) -> None:
    for name in ("History 10", "History 2", "History 1"):
        person_of_concern_create(actor=here.police_lead, area=here.area, name=name)
    elsewhere = place()
    person_of_concern_create(actor=elsewhere.police_lead, area=elsewhere.area, name="History 3")
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    client = browser(here.coordinator)
    page = text(client.get(f"/intelligence/vehicle/{car.pk}/link/"))
    assert page.index(">History 1<") < page.index(">History 2<") < page.index(">History 10<")
    assert '<optgroup label="Persons of concern">' in page and "History 3" not in page
    url = f"/intelligence/suggestions/?kinds=person,vehicle&area={here.area.pk}&q=hist"
    before = AuditEvent.objects.filter(action="view").count()
    results = client.get(url).json()["results"]
    assert [r["label"] for r in results] == [
        "History 1 (person of concern)",
        "History 2 (person of concern)",
        "History 10 (person of concern)",
    ]
    assert AuditEvent.objects.filter(action="view").count() == before + 3
    assert browser(elsewhere.coordinator).get(url).status_code == 404
    assert browser(here.practitioner).get(url).status_code == 404


def test_a_mention_is_linked_to_the_record_the_area_already_has(here: Place) -> None:
    darren = person_of_concern_create(actor=here.police_lead, area=here.area, name="Darren Smith")
    referral = raise_referral(
        here.practitioner,
        submit=True,
        concern={"people_mentioned": "Darren Smith, 40s, drives a silver car"},
    )
    client = browser(here.coordinator)
    url = f"/referrals/{referral.reference}/mentions/?line=0"
    page = text(client.get(url))
    assert "Yes, Darren Smith: the concern names &#x27;Darren Smith&#x27;" in page
    grading = {"source_evaluation": "2", "intelligence_assessment": "C", "handling_code": "P"}
    unanswered = client.post(url, grading)
    assert "Choose the record it is, or create a new record" in text(unanswered)
    done = client.post(url, {**grading, "record": f"person:{darren.pk}"})
    assert done.status_code == 302
    assert PersonOfConcern.objects.count() == 1
    assert (
        Link.objects.get().b.person_id == darren.pk or Link.objects.get().a.person_id == darren.pk
    )
    client.post(url, {**grading, "record": "new"})
    assert PersonOfConcern.objects.count() == 2


def test_mentions_find_the_areas_persons_places_and_vehicles(here: Place) -> None:
    darren = person_of_concern_create(
        actor=here.police_lead, area=here.area, name="Darren Smith", aliases=["Daz"]
    )
    kebab = location_create(actor=here.police_lead, area=here.area, name="Mill Street Kebab House")
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    location_create(actor=here.police_lead, area=here.area, name="Mill Park")
    elsewhere = place()
    person_of_concern_create(actor=elsewhere.police_lead, area=elsewhere.area, name="Darren Smith")

    def found(kind: str, line: str) -> list[Any]:
        rows = mention_matches(user=here.coordinator, area_id=here.area.pk, kind=kind, line=line)
        return [record for record, _ in rows]

    assert found("person", "Darren Smith, 40s, drives a silver car") == [darren]
    assert found("person", "an older man called Daz") == [darren]
    assert found("person", "Darren, first name only") == []
    assert found("place", "the mill street kebab house after school") == [kebab]
    assert found("vehicle", "silver Astra ab12 cde") == [car]
    assert found("vehicle", "a blue van") == []
    assert (
        mention_matches(
            user=elsewhere.coordinator, area_id=here.area.pk, kind="person", line="Darren Smith"
        )
        == []
    )


def test_the_index_shows_the_newest_of_each_kind_and_pages_through_one(
    here: Place, django_assert_num_queries: Any
) -> None:
    for n in range(30):
        person_of_concern_create(actor=here.police_lead, area=here.area, name=f"Person {n}")
    client = browser(here.coordinator)
    page = text(client.get("/intelligence/"))
    # Names end the cell (">"): the signed-in person's own name may contain "Person 19".
    assert "Person 29<" in page and "Person 19<" not in page
    assert "See all persons of concern" in page
    first = text(client.get("/intelligence/?kind=person"))
    assert "Person 29" in first and "Person 4<" not in first and "?kind=person&amp;page=2" in first
    with django_assert_num_queries(QUERIES_OF_A_PAGE):
        second = text(client.get("/intelligence/?kind=person&page=2"))
    assert "Person 4<" in second and "Person 5<" not in second


def test_a_link_alert_is_marked_reviewed_from_the_alerts_page(here: Place) -> None:
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    for _ in range(2):
        referral = here.referral()
        link(here.police_lead, car, referral.young_person, referral=referral)
    alert = LinkAlert.objects.get()
    client = browser(here.coordinator)
    assert "Link alerts to review (1)" in text(client.get("/intelligence/"))
    assert link_alerts_to_review(user=here.coordinator, limit=3).total == 1
    done = client.post(f"/intelligence/alerts/{alert.pk}/review/", follow=True)
    page = text(done)
    assert "Link alert marked as reviewed: AB12CDE" in page and "Reviewed" in page
    alert.refresh_from_db()
    assert alert.reviewed_by == here.coordinator
    assert client.get(f"/intelligence/alerts/{alert.pk}/review/").status_code == 405
    assert "Link alerts to review (0)" in text(client.get("/intelligence/"))
    # Home pages list only the alerts still to review.
    assert link_alerts_to_review(user=here.coordinator, limit=3).total == 0


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
