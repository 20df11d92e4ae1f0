"""Raising a concern in real Chromium: every page, check your answers, the acknowledgement;
axe-core finds nothing serious on any of them, errors included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from agencies.models import Role
from frontend.concern_forms import LONG_TEXT_CAP
from referrals.models import Referral, ReferralState
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    choose_what_is_not_offered,
    sign_in,
)
from tests.factories import member, raise_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def continue_to(page: Any, heading: str) -> None:
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert_clean_console(page)
    assert_accessible(page)


def test_a_practitioner_raises_a_concern_through_the_pages(page: Any) -> None:
    practitioner = member(Role.PRACTITIONER)
    sign_in(page, practitioner.username)
    page.get_by_role("button", name="Raise a concern").click()
    page.wait_for_load_state()
    assert_accessible(page)

    # A mistake first: the error summary, linked to the field.
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Enter the young person's first name").click()
    assert page.evaluate("document.activeElement.id") == "id_given_name"

    page.get_by_label("First name").fill("Synthetic")
    page.get_by_label("Last name").fill("Child")
    continue_to(page, "How old are they?")
    page.get_by_label("If you do not know their date of birth").fill("14")
    continue_to(page, "About them")
    page.get_by_label("Female").check()
    page.get_by_label("NHS number (optional)").fill("943 476 5918")
    continue_to(page, "About them")
    assert page.get_by_text("the last digit does not match").first.is_visible()
    page.get_by_label("NHS number (optional)").fill("943 476 5919")
    continue_to(page, "Where they live and how they can be reached")
    page.get_by_label("Postcode (optional)").fill("sw1a 1aa")
    continue_to(page, "What was seen or disclosed")
    today = timezone.localdate()
    page.get_by_label("What was seen or disclosed?").fill("Seen getting into a car at 2am.")
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    continue_to(page, "Screening indicators")
    page.get_by_label("Going missing").check()
    continue_to(page, "Models of exploitation")
    page.get_by_label("Gang or group").check()
    continue_to(page, "Places, people and vehicles mentioned")
    page.get_by_label("Vehicles (optional)").fill("Silver hatchback")
    continue_to(page, "Immediate danger")
    page.get_by_label("Yes").check()
    continue_to(page, "Lawful basis for sharing")
    assert page.get_by_text("Call 999 now").is_visible()
    page.get_by_label("Public task").check()
    continue_to(page, "Consent")
    page.get_by_label("Not sought").check()
    continue_to(page, "Your contact details")
    assert page.get_by_label("Your email address").input_value() == practitioner.email
    page.get_by_label("Your phone number").fill("0161 496 0000")
    continue_to(page, "Check your answers before sending the concern")

    # Change an answer and come back to check them.
    page.get_by_role("link", name="Change vehicles (optional)").click()
    page.get_by_label("Vehicles (optional)").fill("Silver hatchback, part registration AB12")
    continue_to(page, "Check your answers before sending the concern")
    assert page.get_by_text("part registration AB12").is_visible()
    assert page.get_by_text("SW1A 1AA").is_visible()

    page.get_by_role("button", name="Accept and send").click()
    page.wait_for_load_state()
    referral = Referral.objects.get(raised_by=practitioner)
    assert referral.state == ReferralState.SUBMITTED
    panel = page.locator(".govuk-panel")
    assert "Concern sent" in panel.inner_text() and referral.reference in panel.inner_text()
    assert_clean_console(page)
    assert_accessible(page)


def typed_past_the_cap(label: str, cap: int = LONG_TEXT_CAP) -> Callable[[Any], None]:
    """More than the box takes, set as a hostile page would (the box's maxlength stops a
    person typing it)."""
    return lambda page: page.get_by_label(label).evaluate(
        "(box, n) => box.value = 'x'.repeat(n)", cap + 1
    )


def chose_what_is_not_offered(page: Any) -> None:
    choose_what_is_not_offered(page.locator("main form"))


# Every page of the concern form, and a wrong answer for it.
WRONG_ANSWERS: dict[str, Callable[[Any], None]] = {
    "name": lambda page: page.get_by_label("First name").fill(""),
    "age": lambda page: page.get_by_label("how old do you think they are").fill("30"),
    "about": lambda page: page.get_by_label("NHS number (optional)").fill("943 476 5918"),
    "home": typed_past_the_cap("Postcode (optional)", 10),
    "what-happened": lambda page: page.get_by_label("What was seen or disclosed?").fill(""),
    "indicators": chose_what_is_not_offered,
    "models": chose_what_is_not_offered,
    "mentioned": typed_past_the_cap("Places (optional)"),
    "danger": chose_what_is_not_offered,
    "lawful-basis": chose_what_is_not_offered,
    "consent": chose_what_is_not_offered,
    "contact": lambda page: page.get_by_label("Your phone number").fill(""),
}


def test_every_page_of_the_concern_form_refuses_a_wrong_answer(page: Any) -> None:
    practitioner = member(Role.PRACTITIONER)
    draft = raise_referral(practitioner, given_name="Synthetic")
    saved = (model_to_dict(draft), model_to_dict(draft.young_person))
    sign_in(page, practitioner.username)

    for slug, wrong_answer in WRONG_ANSWERS.items():
        page.goto(f"/concerns/{draft.reference}/{slug}/")
        wrong_answer(page)
        page.get_by_role("button", name="Save and continue").click()
        page.wait_for_load_state()
        assert page.locator(".govuk-error-summary").is_visible(), slug
        assert page.locator(".govuk-error-message").first.is_visible(), slug
        assert_clean_console(page)
        assert_accessible(page)
    draft.refresh_from_db()
    draft.young_person.refresh_from_db()
    assert (model_to_dict(draft), model_to_dict(draft.young_person)) == saved

    # The name changed from "Check your answers": back there, with the new name.
    page.goto(f"/concerns/{draft.reference}/check/")
    page.get_by_role("link", name="Change first name").click()
    page.get_by_label("First name").fill("Invented")
    continue_to(page, "Check your answers before sending the concern")
    draft.young_person.refresh_from_db()
    assert draft.young_person.given_name == "Invented"


def test_a_concern_sent_before_it_is_complete_says_what_is_missing(page: Any) -> None:
    practitioner = member(Role.PRACTITIONER)
    sign_in(page, practitioner.username)
    page.goto("/concerns/new/")
    page.get_by_label("First name").fill("Synthetic")
    page.get_by_label("Last name").fill("Child")
    continue_to(page, "How old are they?")
    draft = Referral.objects.get(raised_by=practitioner)

    page.goto(f"/concerns/{draft.reference}/check/")
    page.get_by_role("button", name="Accept and send").click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Enter what was seen or disclosed" in summary.inner_text()
    assert_accessible(page)
    draft.refresh_from_db()
    assert draft.state == ReferralState.DRAFT
