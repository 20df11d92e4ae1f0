"""Two-factor sign-in in real Chromium: the code step, setting up an app, recovery codes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Role
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    enter_password,
    sign_in_through_pages,
)
from tests.factories import member, totp_code, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wrong_code(device: TOTPDevice) -> str:
    return "000000" if totp_code(device) != "000000" else "111111"


def test_sign_in_with_password_then_code(page: Any) -> None:
    coordinator = member(Role.COORDINATOR)
    device = totp_device(coordinator)

    enter_password(page, coordinator.username)
    assert page.url.endswith("/sign-in/code/?next=%2F")
    assert page.title() == "Enter the code from your authenticator app – Safeguard Hub"
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "Enter the 6-digit code from your authenticator app"
    assert_clean_console(page)
    assert_accessible(page)

    # A wrong code: the error summary takes focus and links to the field.
    page.get_by_label("Code").fill(wrong_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.title().startswith("Error: ")
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert_accessible(page)

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.title() == "Home – Safeguard Hub"
    assert page.get_by_text(f"You are signed in as {coordinator.get_full_name()}").is_visible()
    assert page.get_by_role("link", name="Referrals").is_visible()
    assert_clean_console(page)


def test_setting_up_an_authenticator_app(page: Any) -> None:
    practitioner = member(Role.PRACTITIONER)

    enter_password(page, practitioner.username)
    assert page.title() == "Set up your authenticator app – Safeguard Hub"
    qr_code = page.get_by_role("img", name="QR code to add this account to your authenticator app")
    assert qr_code.is_visible()
    assert qr_code.bounding_box()["width"] >= 100
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})+", page.locator("#secret-key").inner_text())
    assert_clean_console(page)
    assert_accessible(page)

    device = TOTPDevice.objects.get(user=practitioner, confirmed=False)
    page.get_by_label("Code from your authenticator app").fill(wrong_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.title().startswith("Error: ")
    assert page.locator(".govuk-error-message").is_visible()
    assert_accessible(page)
    assert TOTPDevice.objects.filter(user=practitioner, confirmed=True).count() == 0

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    page.get_by_label("Code from your authenticator app").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.title() == "Save your recovery codes – Safeguard Hub"
    assert page.locator(".app-recovery-codes li").count() == 10
    assert_clean_console(page)
    assert_accessible(page)

    page.get_by_role("button", name="I have saved these codes").click()
    page.wait_for_load_state()
    assert page.title() == "Home – Safeguard Hub"
    assert_accessible(page)

    page.get_by_role("button", name="Sign out of every device").click()
    page.wait_for_load_state()
    assert page.title() == "Sign in – Safeguard Hub"
    assert page.get_by_text("You have been signed out on every device.").is_visible()
    assert_accessible(page)


def test_signing_in_through_the_pages_twice_in_a_row(page: Any) -> None:
    # The second sign-in's code is the next step's: this step's was used by the first.
    police_lead = member(Role.POLICE_LEAD)
    for _ in range(2):
        sign_in_through_pages(page, police_lead.username)
        assert page.title() == "Home – Safeguard Hub"
        page.get_by_role("button", name="Sign out", exact=True).click()
        page.wait_for_load_state()
        assert page.title() == "Sign in – Safeguard Hub"
