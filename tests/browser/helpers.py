"""Helpers shared by the browser tests: accessibility, console errors, signing in by the UI."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

from agencies.models import User
from tests.factories import PASSWORD, totp_code, totp_device

BLOCKING = {"serious", "critical"}


def assert_accessible(page: Any) -> None:
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, results.generate_report()


def assert_clean_console(page: Any) -> None:
    # A Content-Security-Policy block or a broken script shows up here.
    assert page.console_errors == []


def enter_password(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in through the pages, as a person would: password, then the code their
    authenticator app shows (the user gets a set-up authenticator if they have none)."""
    device = totp_device(User.objects.get(username=username))
    enter_password(page, username, password)
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
