"""The intelligence pages in real Chromium: no script or CSP errors, nothing serious for
axe-core, nothing sideways at 375 px; and every form submitted wrong, then right, as a police
lead or coordinator would: recording and changing each kind of record, adding a link with the
autocomplete, sharing it, turning a concern's mentions into records, reviewing an alert."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from disruption.models import Link, Location, OnlineIdentifier, PersonOfConcern, Vehicle
from disruption.services import location_create, person_of_concern_create, vehicle_create
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    assert_fits_a_phone,
    fill_date,
    sign_in,
    visit,
)
from tests.disruption.helpers import link, place
from tests.factories import raise_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page: Any, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def assert_problem(page: Any, message: str) -> None:
    """The page came back with the GOV.UK error summary naming `message`."""
    assert message in page.locator(".govuk-error-summary").inner_text()
    assert_clean_console(page)
    assert_accessible(page)


def assert_done(page: Any, banner: str) -> None:
    """The next page, with the success banner."""
    assert banner in page.locator(".govuk-notification-banner--success").inner_text()
    assert_clean_console(page)


def test_records_are_recorded_and_changed(page: Any) -> None:
    here = place()
    person = person_of_concern_create(
        actor=here.police_lead, area=here.area, name="Mohammed Khan", aliases=["Mo K"]
    )
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    hotel = location_create(actor=here.police_lead, area=here.area, name="Station Hotel")
    link(here.police_lead, person, car, nature="uses")
    sign_in(page, here.police_lead.username)
    for path in ("/intelligence/", "/intelligence/?q=khan&kind=person"):
        visit(page, path)

    visit(page, "/intelligence/person/new/")
    submit(page, "Record")
    assert_problem(page, "Enter the person's name, or what they are called")
    page.get_by_label("Name", exact=True).fill("Mo Khan")
    submit(page, "Record")
    assert page.get_by_text("'Mo Khan' is like 'Mohammed Khan'").is_visible()
    page.get_by_label("Name", exact=True).fill("Darren Smith")
    fill_date(page, "Date of birth (if known)", date(1984, 5, 2))
    submit(page, "Record them")
    assert_done(page, "Person of concern recorded: Darren Smith")
    assert PersonOfConcern.objects.get(name="Darren Smith").date_of_birth == date(1984, 5, 2)

    visit(page, "/intelligence/location/new/")
    submit(page, "Record")
    assert_problem(page, "Enter the place's name")
    page.get_by_label("Name of the place").fill("Mill Street Kebab House")
    page.get_by_label("Kind of place").select_option(label="Takeaway")
    submit(page, "Record")
    assert_done(page, "Location recorded: Mill Street Kebab House")

    visit(page, "/intelligence/vehicle/new/")
    page.get_by_label("Registration").fill("--")
    submit(page, "Record")
    assert_problem(page, "Enter the registration")
    page.get_by_label("Registration").fill("xy34 zzz")
    submit(page, "Record")
    assert_done(page, "Vehicle recorded: XY34ZZZ")

    visit(page, "/intelligence/identifier/new/")
    submit(page, "Record")
    assert_problem(page, "Enter the phone number or handle")
    page.get_by_label("Phone number or handle").fill("07700 900456")
    submit(page, "Record")
    assert_done(page, "recorded: +447700900456")
    assert OnlineIdentifier.objects.count() == 1

    for kind, record, label, good in (
        ("person", person, "Name", "Mohammed Ali Khan"),
        ("location", hotel, "Name of the place", "Station Hotel, Mill Street"),
        ("vehicle", car, "Registration", "AB12CDF"),
    ):
        visit(page, f"/intelligence/{kind}/{record.pk}/change/")
        page.get_by_label(label, exact=True).fill("")
        submit(page, "Save the changes")
        assert page.locator(".govuk-error-summary").is_visible()
        assert_accessible(page)
        page.get_by_label(label, exact=True).fill(good)
        submit(page, "Save the changes")
        assert_done(page, f"Changes saved: {good}")
    assert Location.objects.get(pk=hotel.pk).name == "Station Hotel, Mill Street"
    assert Vehicle.objects.get(pk=car.pk).registration == "AB12CDF"


def test_links_are_added_shared_and_alerted(page: Any) -> None:
    here = place()
    referral = raise_referral(
        here.practitioner,
        submit=True,
        concern={"people_mentioned": "Mohammed Khan, 30s, drives a grey car"},
    )
    person = person_of_concern_create(actor=here.police_lead, area=here.area, name="Mohammed Khan")
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    link(here.police_lead, car, referral.young_person, referral=referral)
    link(here.police_lead, car, here.referral().young_person)  # a second young person: an alert
    sign_in(page, here.coordinator.username)

    # The person's page fits a phone once it has links: its table scrolls in its own region.
    visit(page, f"/intelligence/person/{person.pk}/")
    page.get_by_role("link", name="Add a link").click()
    page.wait_for_load_state()
    assert_clean_console(page)
    assert_accessible(page)
    assert_fits_a_phone(page)
    page.get_by_label("Who or what the information came from").fill("Patrol log 12")
    submit(page, "Add the link")
    assert_problem(page, "Choose the record to link to")
    fill_date(page, "When it happened or was seen", date(2026, 1, 10))
    page.get_by_label("Link to").fill("ab12")
    page.get_by_role("option", name="AB12CDE (vehicle)").click()
    page.get_by_label("How are they linked?").select_option(
        label="Uses (a phone, account or vehicle)"
    )
    submit(page, "Add the link")
    assert_done(page, "Link added: Mohammed Khan – AB12CDE")
    assert (
        Link.objects.filter(a=person.node, b=car.node).exists()
        or Link.objects.filter(a=car.node, b=person.node).exists()
    )
    assert_fits_a_phone(page)

    visit(page, f"/intelligence/vehicle/{car.pk}/")
    page.get_by_role("link", name="Share this link with the lead professionals").click()
    page.wait_for_load_state()
    submit(page, "Share the link")
    assert_problem(page, "Enter why the lead professionals need to know this")
    page.get_by_label("Why do the lead professionals need to know this?").fill("For the plan.")
    submit(page, "Share the link")
    assert_done(page, "Link shared with the lead professionals")

    visit(page, f"/referrals/{referral.reference}/mentions/")
    page.get_by_role("link", name="Record person: Mohammed Khan, 30s").click()
    page.wait_for_load_state()
    assert_accessible(page)
    submit(page, "Record and link")
    assert_problem(page, "Choose the record it is, or create a new record")
    page.get_by_label("Yes, Mohammed Khan").check()
    submit(page, "Record and link")
    assert_done(page, "Recorded and linked to")
    assert PersonOfConcern.objects.count() == 1

    visit(page, "/intelligence/alerts/")
    page.get_by_role("button", name="Mark as reviewed").first.click()
    page.wait_for_load_state()
    assert_done(page, "Link alert marked as reviewed: AB12CDE")
    assert_accessible(page)
