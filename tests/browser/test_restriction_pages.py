"""Restricting a young person's record and lifting the restriction, in real Chromium: from the
young person's chronology the coordinator says why, checks the answers and confirms; the record
then shows the "Restricted" banner, on the chronology and on the referral. Each form is sent
wrong first (the error summary, nothing saved), then right; every page is checked by axe-core
and for a clean console."""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Role
from referrals.models import YoungPersonRestriction
from tests.browser.helpers import assert_accessible, assert_clean_console, sign_in, visit
from tests.browser.test_casework_pages import refused, shots, submit
from tests.factories import AreaFactory, member, raise_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "She contests that the address on the record is hers."


def success(page: Any, words: str) -> None:
    assert page.locator(".govuk-notification-banner--success").get_by_text(words).is_visible()
    assert_clean_console(page)
    assert_accessible(page)


def test_a_coordinator_restricts_a_record_and_lifts_the_restriction(page: Any) -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    referral = raise_referral(
        member(Role.PRACTITIONER, area=area), submit=True, given_name="Amira", family_name="Khan"
    )
    person = referral.young_person
    sign_in(page, coordinator.username)

    visit(page, f"/young-people/{person.pk}/timeline/")
    page.get_by_role("link", name="Restrict the use of the record of Amira Khan").click()
    page.wait_for_load_state()
    submit(page, "Continue")
    refused(page, "Enter why the record is being restricted")
    page.get_by_label("Why are you restricting this record?").fill(REASON)
    submit(page, "Continue")
    assert page.get_by_role("heading", name="Check before you restrict the record").is_visible()
    assert_accessible(page)
    shots(page, "restriction-check")
    assert not YoungPersonRestriction.objects.exists()  # nothing before "Confirm"
    submit(page, "Confirm: restrict the record")

    assert page.url.endswith(f"/young-people/{person.pk}/timeline/")
    success(page, "Record restricted: only the coordinators of")
    restricted = page.get_by_role("region", name="Restricted")
    assert restricted.get_by_text(REASON, exact=False).is_visible()
    assert page.get_by_role("heading", name="Young person's record restricted").is_visible()
    visit(page, f"/referrals/{referral.reference}/")
    assert page.get_by_role("region", name="Restricted").is_visible()
    assert_accessible(page)
    shots(page, "restriction-on-the-referral")

    page.get_by_role("link", name="Lift the restriction on the record of Amira Khan").click()
    page.wait_for_load_state()
    submit(page, "Confirm: lift the restriction")
    refused(page, "Enter why the restriction is being lifted")
    page.get_by_label("Why are you lifting the restriction?").fill("Checked with her: corrected.")
    submit(page, "Confirm: lift the restriction")
    assert page.url.endswith(f"/young-people/{person.pk}/timeline/")
    success(page, "Restriction lifted: the record of Amira Khan is used as before")
    assert page.get_by_role("region", name="Restricted").count() == 0
    lifted = YoungPersonRestriction.objects.get()
    assert (lifted.reason, lifted.lift_reason) == (REASON, "Checked with her: corrected.")
