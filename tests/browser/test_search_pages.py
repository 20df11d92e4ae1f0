"""Search in real Chromium, wide and at 375 px: from the header's box to a result, pages of
results, the empty state, and the referral list's search and filters; axe-core finds nothing
serious in any of these states and no page scrolls sideways.

Set SCREENSHOT_DIR to a folder to keep a screenshot of each state."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import pytest

from agencies.models import Membership, Role
from tests.browser.helpers import sign_in, visit
from tests.factories import member, raise_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE, NARROW = 1280, 375


def shot(page: Any, name: str) -> None:
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_search_from_the_header_to_a_referral(page: Any) -> None:
    coordinator = member(Role.COORDINATOR)
    practitioner = member(Role.PRACTITIONER, area=Membership.objects.get(user=coordinator).area)
    darren = raise_referral(
        practitioner,
        submit=True,
        given_name="Darren",
        family_name="Smith",
        aliases=["Daz"],
        date_of_birth=date(2010, 12, 18),
        postcode="LS1 4AB",
        school="Hillside Academy",
    )
    for _ in range(21):
        raise_referral(practitioner, submit=True, family_name="Smyth")
    sign_in(page, coordinator.username)

    for width in (WIDE, NARROW):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/")
        page.get_by_label("Search young people and referrals").first.fill("darren smyth")
        page.get_by_role("search", name="Search records").get_by_role("button").click()
        page.wait_for_load_state()
        assert page.get_by_text("1 young person found").is_visible()
        shot(page, f"search-result-{width}")
    page.get_by_role("link", name=f"Referral {darren.reference}").click()
    page.wait_for_load_state()
    assert darren.reference in page.title() or page.get_by_text(darren.reference).first.is_visible()

    page.set_viewport_size({"width": WIDE, "height": 900})
    visit(page, "/search/")
    shot(page, "search-start-1280")
    visit(page, "/search/?q=smith")
    assert page.get_by_text("22 young people found").is_visible()
    page.get_by_role("navigation", name="Pages of search results").get_by_role(
        "link", name="Page 2"
    ).click()
    page.wait_for_load_state()
    assert page.locator(".app-search-results__item").count() == 2
    visit(page, "/search/?q=nobody+known")
    assert page.get_by_text("No young people or referrals match “nobody known”").is_visible()
    shot(page, "search-empty-1280")

    visit(page, "/referrals/?q=hillside&state=submitted")
    assert page.get_by_role("link", name=darren.reference).is_visible()
    assert page.get_by_text("1 referral matches").is_visible()
    visit(page, "/referrals/?rag=red")
    assert page.get_by_text("No referrals match your search and filters").is_visible()
    page.set_viewport_size({"width": NARROW, "height": 900})
    page.goto("/referrals/")
    shot(page, "referrals-375")
