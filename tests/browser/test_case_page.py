"""The case page and the triage queue in real Chromium, wide and at 375 px: the page is
short enough to work from, never scrolls sideways (wide tables scroll inside their own
region), the record trail unfolds and pages, printing leaves out navigation and buttons, and
axe-core finds nothing serious in any of these states."""

from __future__ import annotations

import os
from typing import Any

import pytest

from agencies.models import Role
from tests.browser.helpers import assert_accessible, assert_clean_console, sign_in
from tests.factories import member, raise_referral
from tests.frontend.test_case_page import build_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE, NARROW = 1280, 375
# Every section shown, the record trail folded: a case like this one is about 4 100 px tall at
# 1280 px wide, the statutory steps' section (strategy discussions, section 47, NRM) included
# (the page before the design, trail open, ran 3 900 to 6 200 px).
MOST_PAGE_HEIGHT = 4300


def height(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


def scrolls_sideways(page: Any) -> bool:
    return bool(
        page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    )


def shot(page: Any, name: str) -> None:
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def checked(page: Any) -> None:
    assert_clean_console(page)
    assert_accessible(page)


def test_the_case_page_wide_narrow_and_printed(page: Any) -> None:
    case = build_case()
    raise_referral(member(Role.PRACTITIONER, area=case.area), submit=True)  # one in the queue
    sign_in(page, case.coordinator.username)

    page.set_viewport_size({"width": WIDE, "height": 900})
    page.goto(case.url)
    checked(page)
    shot(page, "case-1280")
    assert height(page) < MOST_PAGE_HEIGHT, height(page)
    # The trail is folded; unfolded, it reads in words and pages on.
    trail = page.get_by_text("Changes to the record")
    assert not page.get_by_text("Taken for triage by:").is_visible()
    trail.click()
    assert page.get_by_text("Taken for triage by:").first.is_visible()
    page.get_by_text("Who has seen this referral").click()
    checked(page)

    page.set_viewport_size({"width": NARROW, "height": 800})
    page.goto(case.url)
    checked(page)
    assert not scrolls_sideways(page)
    shot(page, "case-375")

    # Printed: the case without the service's navigation, the buttons or the contents list.
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Record a review").is_visible()
    assert not page.get_by_role("navigation", name="On this page").is_visible()
    assert page.get_by_text("Staying out late").is_visible()
    page.emulate_media(media="screen")

    page.goto("/triage/")
    checked(page)
    assert not scrolls_sideways(page)
    region = page.get_by_role("region", name="Referrals waiting for triage")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")  # it scrolls, not the page
    shot(page, "triage-375")
