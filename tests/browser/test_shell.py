"""The UI shell in real Chromium: pages load with no script or CSP errors and pass axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Membership, Role
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    assert_fits_a_phone,
    sign_in,
)
from tests.factories import PASSWORD, member, raise_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page(page: Any) -> None:
    page.goto("/")
    assert page.title() == "Home – Safeguard Hub"
    assert page.get_by_role("heading", level=1).inner_text() == "Safeguard Hub"
    # GOV.UK Frontend's JavaScript ran (it marks the body once it has started).
    assert "govuk-frontend-supported" in page.locator("body").get_attribute("class")
    assert_clean_console(page)
    assert_accessible(page)


def assert_error_summary_has_focus(page: Any, message: str) -> None:
    assert page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert message in summary.inner_text()
    # GOV.UK Frontend moves focus to the error summary so screen readers announce it.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert_clean_console(page)
    assert_accessible(page)
    assert_fits_a_phone(page)


def test_sign_in_asks_who_then_the_password_with_their_error_summaries(page: Any) -> None:
    coordinator = member(Role.COORDINATOR)
    page.goto("/sign-in/?next=/referrals/")
    assert page.title() == "Sign in – Safeguard Hub"
    assert page.get_by_label("Password").count() == 0
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert_error_summary_has_focus(page, "Enter your work email address or username")

    page.get_by_label("Work email address or username").fill(coordinator.email)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.title() == "Enter your password – Safeguard Hub"
    assert page.get_by_text(coordinator.email).is_visible()
    assert page.locator('input[autocomplete="username"]').input_value() == coordinator.email
    assert_clean_console(page)
    assert_accessible(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert_error_summary_has_focus(page, "Enter your password")

    # "Change" goes back to the first question, answered, and on to where they were going.
    page.get_by_role("link", name="Change work email address or username").click()
    page.wait_for_load_state()
    assert page.get_by_label("Work email address or username").input_value() == coordinator.email
    page.get_by_label("Work email address or username").fill(coordinator.username)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/sign-in/set-up/?next=%2Freferrals%2F" in page.url


def test_signed_in_coordinator_sees_the_area_referrals(page: Any) -> None:
    coordinator = member(Role.COORDINATOR)
    area = Membership.objects.get(user=coordinator).area
    referral = raise_referral(
        member(Role.PRACTITIONER, area=area),
        submit=True,
        given_name="Fictional",
        family_name="Child",
    )

    sign_in(page, coordinator.username)
    assert page.get_by_role("link", name="Referrals").is_visible()
    page.get_by_role("link", name="Referrals").click()
    page.wait_for_load_state()
    assert page.get_by_role("cell", name=referral.reference).is_visible()
    assert page.get_by_role("cell", name="Fictional Child").is_visible()
    assert_clean_console(page)
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.title() == "Sign in – Safeguard Hub"


def test_error_page_is_accessible(page: Any) -> None:
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Page not found").is_visible()
    assert_accessible(page)
