"""The intelligence pages in real Chromium: no script or CSP errors, and axe-core finds nothing
serious, for the index, a person of concern, the forms, link alerts and mention conversion."""

from __future__ import annotations

from typing import Any

import pytest

from disruption.services import person_of_concern_create, vehicle_create
from tests.browser.helpers import assert_accessible, sign_in, visit
from tests.disruption.helpers import link, place
from tests.factories import raise_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_intelligence_pages(page: Any) -> None:
    here = place()
    referral = raise_referral(
        here.practitioner, submit=True, concern={"people_mentioned": "Mo, older man"}
    )
    person = person_of_concern_create(
        actor=here.police_lead, area=here.area, name="Mohammed Khan", aliases=["Mo K"]
    )
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    link(here.police_lead, person, car, nature="uses")
    link(here.police_lead, car, referral.young_person, referral=referral)
    link(here.police_lead, car, here.referral().young_person)
    sign_in(page, here.coordinator.username)
    for path in (
        "/intelligence/",
        "/intelligence/?q=khan&kind=person",
        f"/intelligence/person/{person.pk}/",
        f"/intelligence/vehicle/{car.pk}/",
        "/intelligence/person/new/",
        f"/intelligence/person/{person.pk}/change/",
        f"/intelligence/vehicle/{car.pk}/link/",
        "/intelligence/location/new/",
        "/intelligence/identifier/new/",
        "/intelligence/alerts/",
        f"/referrals/{referral.reference}/mentions/",
    ):
        visit(page, path)
    page.goto("/intelligence/person/new/")
    page.get_by_label("Name", exact=True).fill("Mo Khan")
    page.get_by_role("button", name="Record").click()
    page.wait_for_load_state()
    assert page.get_by_text("'Mo Khan' is like 'Mohammed Khan'").is_visible()
    assert_accessible(page)
    page.goto(f"/referrals/{referral.reference}/mentions/")
    page.get_by_role("button", name="Record and link").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
