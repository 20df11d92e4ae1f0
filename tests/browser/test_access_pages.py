"""The access pages in real Chromium: no script or CSP errors, and axe-core finds nothing
serious, for referral detail, emergency access and every administration page."""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Membership, Role
from referrals.services import break_glass_open
from tests.browser.helpers import assert_accessible, sign_in, visit
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_pages(page: Any) -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    break_glass_open(
        referral=referral, actor=member(Role.COORDINATOR), reason="Found at the station at 2am."
    )
    sign_in(page, coordinator.username)
    visit(page, f"/referrals/{referral.reference}/")
    assert page.get_by_role("heading", name="Who has seen or changed this referral").is_visible()
    visit(page, f"/referrals/{referral.reference}/steps/start_triage/")
    page.get_by_role("button", name="Start triage").click()
    page.wait_for_load_state()
    visit(page, f"/referrals/{referral.reference}/steps/decide/")
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    visit(page, "/referrals/emergency-access/review/")
    visit(page, "/referrals/emergency-access/")
    page.get_by_role("button", name="Open the referral").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)


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
