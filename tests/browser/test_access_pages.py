"""The access pages in real Chromium: no script or CSP errors, and axe-core finds nothing
serious, for referral detail, emergency access and every administration page."""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Membership, Role
from referrals.break_glass import break_glass_open
from tests.browser.helpers import assert_accessible, sign_in, visit
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_pages(page: Any) -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    elsewhere = raise_referral(member(Role.PRACTITIONER), submit=True)
    access = break_glass_open(
        referral=referral, actor=member(Role.COORDINATOR), reason="Found at the station at 2am."
    )
    sign_in(page, coordinator.username)
    visit(page, f"/referrals/{referral.reference}/")
    assert page.get_by_role("heading", name="Who has seen or changed this referral").is_visible()
    assert page.get_by_role("heading", name="Missing episodes").is_visible()  # no tab hides it
    changes = page.locator("li", has_text="Status: Draft").first
    assert not changes.is_visible()  # folded away until asked for
    page.locator("summary", has_text="Changes to the record").click()
    assert changes.is_visible()
    assert page.get_by_role("button", name="Start triage").is_visible()
    page.emulate_media(media="print")  # on paper: no navigation, no buttons
    assert not page.get_by_role("button", name="Start triage").is_visible()
    assert not page.get_by_role("navigation", name="Contents").is_visible()
    page.emulate_media(media="screen")
    visit(page, f"/referrals/{referral.reference}/steps/start_triage/")
    page.get_by_role("button", name="Start triage").click()
    page.wait_for_load_state()
    visit(page, f"/referrals/{referral.reference}/steps/decide/")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    visit(page, "/referrals/emergency-access/review/")
    review = f"Record review of {referral.reference}"
    page.get_by_role("button", name=review).click()
    page.wait_for_load_state()
    assert "Enter what you found" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Review note").fill("Asked the police lead: a child found at night.")
    page.get_by_role("button", name=review).click()
    page.wait_for_load_state()
    access.refresh_from_db()
    assert access.review_note == "Asked the police lead: a child found at night."
    assert not page.get_by_role("button", name=review).is_visible()
    assert page.get_by_role("alert").filter(has_text="Review recorded").is_visible()

    visit(page, "/referrals/emergency-access/")
    page.get_by_role("button", name="Open the referral").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Referral reference").fill(elsewhere.reference)
    page.get_by_label("Why do you need").fill("Found at the station at 2am, with no adult.")
    page.get_by_role("button", name="Open the referral").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/referrals/{elsewhere.reference}/")
    assert page.get_by_role("alert").filter(has_text="Emergency access to").is_visible()
    assert page.get_by_text("You are seeing this referral through emergency access").is_visible()
    assert_accessible(page)


def test_the_referrer_sees_where_their_concern_stands(page: Any) -> None:
    referral = raise_referral(member(Role.PRACTITIONER), submit=True)
    sign_in(page, referral.raised_by.username)
    visit(page, f"/referrals/{referral.reference}/")
    assert page.get_by_role("heading", name="What happens next").is_visible()
    assert page.get_by_text("Decision expected by").is_visible()
    assert not page.get_by_role("heading", name="The concern").is_visible()


def test_administration_pages(page: Any) -> None:
    area = AreaFactory.create()
    agency = AgencyFactory.create(areas=[area])
    admin = member(Role.AREA_ADMINISTRATOR, area=area, agency=agency)
    Membership.objects.create(user=admin, role=Role.PRACTITIONER, area=area, agency=agency)
    sign_in(page, admin.username)
    visit(page, "/")  # two roles: the acting-as choice
    for section in ("people", "people/add", "agencies", "settings", "lockouts", "emails", "audit"):
        visit(page, f"/administration/{area.ons_code}/{section}/")
    page.goto(f"/administration/{area.ons_code}/people/add/")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
