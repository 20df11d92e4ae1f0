"""Records management in real Chromium, every form submitted wrong and then right: a
coordinator changes the area's retention schedule, approves the erasure of a young person's
record after checking the answers, places a legal hold and releases it; a police lead keeps a
record of intelligence longer."""

from __future__ import annotations

from typing import Any

import pytest

from records.models import LegalHold, RetentionReview, Tombstone
from records.review_job import retention_review_run
from referrals.models import YoungPerson
from tests.browser.helpers import (
    assert_accessible,
    assert_fits_a_phone,
    fill_date,
    sign_in,
    visit,
)
from tests.browser.test_casework_pages import shots
from tests.records.world import KEEP_UNTIL, TODAY, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page: Any, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def assert_refused(page: Any, message: str) -> None:
    assert message in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)


def assert_banner(page: Any, message: str) -> None:
    assert message in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    assert_fits_a_phone(page)


def test_a_coordinator_keeps_the_schedule_approves_erasure_and_holds_records(page: Any) -> None:
    world = build_world()
    retention_review_run(today=TODAY)
    sign_in(page, world.coordinator.username)
    visit(page, "/")
    page.get_by_role("link", name="Records management").click()
    page.wait_for_load_state()
    assert "The young person's 25th birthday" in page.locator("main").inner_text()
    assert_accessible(page)
    assert_fits_a_phone(page)

    page.get_by_role("link", name="Change Young people and their referrals").click()
    page.get_by_label("Age or number of years").fill("")
    submit(page, "Save the rule")
    assert_refused(page, "Enter the age or number of years")
    page.get_by_label("Age or number of years").fill("25")
    page.get_by_label("The young person's birthday at the area's retention age").check()
    page.get_by_label("Anonymise").check()
    submit(page, "Save the rule")
    assert_banner(page, "Retention schedule changed")

    page.get_by_role("link", name="Records to review").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_role("link", name="Amira Khan").click()
    page.get_by_role("link", name="Approve erasure").click()
    page.wait_for_load_state()
    submit(page, "Continue")
    assert_refused(page, "Choose what happens to the record")
    page.get_by_label("Anonymise").check()
    submit(page, "Continue")
    assert "Check before you approve" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("heading", name="What will happen").is_visible()
    assert_accessible(page)
    assert_fits_a_phone(page)
    assert YoungPerson.objects.get(pk=world.young_person.pk).given_name == "Amira"
    submit(page, "Confirm")
    assert_banner(page, "record anonymised")
    assert "No records to review" in page.locator("main").inner_text()
    assert Tombstone.objects.filter(approved_by=world.coordinator).exists()
    page.get_by_role("link", name="Erased records").click()
    page.wait_for_load_state()
    assert "Young people and their referrals" in page.locator("main").inner_text()
    assert_accessible(page)
    assert_fits_a_phone(page)
    shots(page, "records-erased")

    page.get_by_role("link", name="Legal holds").click()
    page.wait_for_load_state()
    assert "No legal holds" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Place a legal hold").click()
    page.wait_for_load_state()
    assert_accessible(page)
    submit(page, "Place the hold")
    assert_refused(page, "Choose what to hold")
    assert not page.get_by_label("Referral reference").is_visible()
    page.get_by_label("A referral").check()  # its follow-up shows under it
    assert page.get_by_label("Referral reference").is_visible()
    page.get_by_label("Every record of the area").check()
    page.get_by_label("Why is it held?").fill("Independent inquiry moratorium on records.")
    fill_date(page, "When does the hold end? (optional)", KEEP_UNTIL)
    submit(page, "Place the hold")
    assert_banner(page, "Legal hold placed: Every record of the area")

    page.get_by_role("link", name="Release the hold on Every record of the area").click()
    page.wait_for_load_state()
    page.get_by_label("Why is the hold released?").fill("Over")
    submit(page, "Release the hold")
    assert_refused(page, "Give a reason of at least 10 characters")
    page.get_by_label("Why is the hold released?").fill("The inquiry has reported.")
    submit(page, "Release the hold")
    assert_banner(page, "Legal hold released")
    assert LegalHold.objects.get().released_by == world.coordinator


def test_a_police_lead_keeps_intelligence_longer(page: Any) -> None:
    world = build_world()
    retention_review_run(today=TODAY)
    sign_in(page, world.police_lead.username)
    visit(page, f"/records/{world.area.ons_code}/reviews/")
    page.get_by_role("link", name="Dan Smith").click()
    page.get_by_role("link", name="Keep it longer").click()
    page.wait_for_load_state()
    assert_accessible(page)
    assert_fits_a_phone(page)
    page.get_by_label("Why keep it longer?").fill("The prosecution is still under way.")
    fill_date(page, "Keep it until", "40")
    submit(page, "Keep it")
    assert_refused(page, "Keep it until must be a real date")
    fill_date(page, "Keep it until", KEEP_UNTIL)
    submit(page, "Keep it")
    assert_banner(page, f"Record kept until {KEEP_UNTIL:%-d %B %Y}")


def test_a_coordinator_lists_a_record_for_erasure_when_asked(page: Any) -> None:
    world = build_world()
    sign_in(page, world.coordinator.username)
    visit(page, f"/records/{world.area.ons_code}/reviews/")
    page.get_by_role("link", name="list it for review now").click()
    page.wait_for_load_state()
    assert_accessible(page)

    submit(page, "List it for review")
    assert_refused(page, "Choose the record whose erasure was asked for")
    assert (
        "Enter who asked for its erasure, and why"
        in page.locator(".govuk-error-summary").inner_text()
    )
    page.get_by_label("Which record?").fill("Amira")
    page.get_by_role("option").filter(has_text="Amira").first.click()
    page.get_by_label("Who asked for its erasure, and why?").fill(
        "Amira asked on 1 December for her record to be erased."
    )
    submit(page, "List it for review")

    assert_banner(page, "Listed for review: decide now whether to erase it")
    assert "because erasure was asked for: Amira asked" in page.locator("main").inner_text()
    review = RetentionReview.objects.get()
    assert review.asked_by == world.coordinator and review.record_id == world.young_person.pk
    shots(page, "records-review-asked")
