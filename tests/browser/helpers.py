"""Helpers shared by the browser tests: accessibility, console errors, signing in by the UI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from django.utils import timezone

from agencies.models import User
from tests.factories import PASSWORD, totp_code, totp_device
from tests.factories import sign_in as sign_in_client

BLOCKING = {"serious", "critical"}


def assert_accessible(page: Any) -> None:
    results = Axe().run(page)
    blocking = [
        v
        for v in results.response["violations"]
        if v["impact"] in BLOCKING and not all(map(_conditional_reveal, v["nodes"]))
    ]
    assert not blocking, results.generate_report()


def _conditional_reveal(node: dict[str, Any]) -> bool:
    """GOV.UK Frontend's radio with a conditional reveal, faulted only for its `aria-expanded`:
    kept on purpose by the Design System (screen readers announce it; a known axe finding,
    alphagov/govuk-frontend#979), so it is the one finding not held against a page."""
    messages = [check["message"] for kind in ("any", "all", "none") for check in node[kind]]
    return (
        'class="govuk-radios__input"' in node["html"]
        and "aria-controls=" in node["html"]
        and bool(messages)
        and all("aria-expanded" in message for message in messages)
    )


def assert_clean_console(page: Any) -> None:
    # A Content-Security-Policy block or a broken script shows up here.
    assert page.console_errors == []


NARROW = 375  # px: a phone; the GOV.UK Frontend's narrowest layout


def assert_fits_a_phone(page: Any) -> None:
    """At 375 px the page does not scroll sideways: only a table region may (its own scroll
    bar, `app-table-scroll`)."""
    wide = page.viewport_size
    page.set_viewport_size({"width": NARROW, "height": wide["height"]})
    try:
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page.url} scrolls {overflow} px sideways at {NARROW} px"
    finally:
        page.set_viewport_size(wide)


def visit(page: Any, path: str) -> None:
    """Open a page: it answers 200, with a clean console, nothing serious for axe, and it
    fits a phone's screen."""
    response = page.goto(path)
    assert response.status == 200, path
    assert_clean_console(page)
    assert_accessible(page)
    assert_fits_a_phone(page)


def enter_who(page: Any, identifier: str) -> None:
    """The first step of signing in: the work email address or username."""
    page.goto("/sign-in/")
    page.get_by_label("Work email address or username").fill(identifier)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def enter_password(page: Any, username: str, password: str = PASSWORD) -> None:
    """Who, then the password."""
    enter_who(page, username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def sign_in_through_pages(page: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in through the pages, as a person would: password, then the code their
    authenticator app shows (the user gets a set-up authenticator if they have none)."""
    device = totp_device(User.objects.get(username=username))
    enter_password(page, username, password)
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def sign_in(page: Any, username: str) -> None:
    """Be signed in, on the home page, as a completed sign-in leaves a person: the browser
    holds the session a password and an authenticator code would have given. The sign-in
    pages themselves are walked (and their forms submitted) by the tests of signing in
    (`sign_in_through_pages`); the other tests start where those end."""
    client = Client()
    sign_in_client(client, User.objects.get(username=username))
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": session.key, "value": session.value, "url": page.context.base_url}]
    )
    page.goto("/")


def fill_date(scope: Any, question: str, value: date | str) -> None:
    """Answer a date question: the GOV.UK date input's day, month and year boxes in the
    fieldset whose legend is `question`. A str is typed as it is into the day box (a wrong
    answer to test the error)."""
    group = scope.get_by_role("group", name=question)
    if isinstance(value, str):
        parts = (value, "", "")
    else:
        parts = (str(value.day), str(value.month), str(value.year))
    for label, text in zip(("Day", "Month", "Year"), parts, strict=True):
        group.get_by_label(label, exact=True).fill(text)


def fill_moment(scope: Any, question: str, value: datetime | str) -> None:
    """Answer a date-and-time question: the date boxes, then the time box (24-hour, 21:30)."""
    group = scope.get_by_role("group", name=question)
    fill_date(scope, question, value if isinstance(value, str) else value.date())
    time = "" if isinstance(value, str) else value.strftime("%H:%M")
    group.get_by_label("Time", exact=True).fill(time)


def raise_concern_through_pages(
    page: Any, *, given_name: str, family_name: str, send: bool = True
) -> str:
    """Raise a concern through every page of the form, answering only what a concern needs,
    as the signed-in practitioner; returns the reference the acknowledgement shows. With
    `send` False it stops at "Check your answers", for the caller to send it, and returns the
    draft's reference (in the page's address)."""
    today = timezone.localdate()
    page.goto("/concerns/new/")
    page.get_by_label("First name").fill(given_name)
    page.get_by_label("Last name").fill(family_name)
    # Each page reached, with what to type (label: text) and what to tick on it.
    answers: list[tuple[str, dict[str, str], tuple[str, ...]]] = [
        ("How old are they?", {"If you do not know their date of birth": "14"}, ()),
        ("About them", {}, ()),
        ("Where they live and how they can be reached", {}, ()),
        (
            "What was seen or disclosed",
            {
                "What was seen or disclosed?": "Seen getting into cars with older men.",
                "Day": str(today.day),
                "Month": str(today.month),
                "Year": str(today.year),
            },
            (),
        ),
        ("Screening indicators", {}, ("Going missing",)),
        ("Models of exploitation", {}, ("Gang or group",)),
        ("Places, people and vehicles mentioned", {}, ()),
        ("Immediate danger", {}, ("No",)),
        ("Lawful basis for sharing", {}, ("Public task",)),
        ("Consent", {}, ("Not sought",)),
        ("Your contact details", {"Your phone number": "0161 496 0000"}, ()),
        ("Check your answers before sending the concern", {}, ()),
    ]
    for heading, fills, checks in answers:
        page.get_by_role("button", name="Save and continue").click()
        page.wait_for_load_state()
        reached = page.get_by_role("heading", level=1).inner_text()
        assert reached == heading, page.locator("main").inner_text()
        for label, text in fills.items():
            page.get_by_label(label, exact=label in {"Day", "Month", "Year"}).fill(text)
        for label in checks:
            page.get_by_label(label).check()
    if not send:
        return page.url.split("/concerns/")[1].split("/")[0]
    page.get_by_role("button", name="Accept and send").click()
    page.wait_for_load_state()
    panel = page.locator(".govuk-panel").inner_text()
    return next(word for word in panel.split() if word.startswith("R") and "-" in word)


def choose_what_is_not_offered(form: Any) -> None:
    """Tick the form's first radio or checkbox with a value its page did not offer, as a
    hostile page would."""
    form.locator("input[type=radio], input[type=checkbox]").first.evaluate(
        "box => { box.value = 'not-offered'; box.checked = true }"
    )
