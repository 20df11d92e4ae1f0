"""Each role's home page in real Chromium at 1280 px and 375 px: the header on one row at
1280 px, no sideways scrolling at 375 px, and nothing serious for axe-core at either width.

Set HOME_SCREENSHOTS to a folder to keep a screenshot of each page at each width."""

from __future__ import annotations

import os
from typing import Any

import pytest

from agencies.models import Role
from frontend.navigation import HEADER_LIMIT
from tests.browser.conftest import AsgiServer
from tests.browser.helpers import assert_accessible, assert_clean_console, sign_in
from tests.frontend.test_home import build_homes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 375)
# Pages a role reaches from its home page's blocks, checked beside it.
FULL_LISTS = {Role.LEAD_PROFESSIONAL: ("/my-cases/", "/my-actions/")}


def header_rows(page: Any) -> int:
    """How many rows the header's items take."""
    tops = page.locator(".govuk-service-navigation__item").evaluate_all(
        "items => items.map(item => Math.round(item.getBoundingClientRect().top))"
    )
    return len(set(tops))


def scrolls_sideways(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth"))


def test_every_roles_home_page_at_both_widths(page: Any, asgi_server: AsgiServer) -> None:
    homes = asgi_server.run(build_homes)  # in the server, where its notifications go
    people = {
        Role.PRACTITIONER: homes.w.practitioner,
        Role.COORDINATOR: homes.w.coordinator,
        Role.LEAD_PROFESSIONAL: homes.lead,
        Role.POLICE_LEAD: homes.w.police_lead,
        Role.BOARD_MEMBER: homes.board,
        Role.AREA_ADMINISTRATOR: homes.administrator,
        Role.NATIONAL_ANALYST: homes.analyst,
    }
    shots = os.environ.get("HOME_SCREENSHOTS")
    for role, person in people.items():
        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, person.username)
        for path in ("/", *FULL_LISTS.get(role, ())):
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(path)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                assert page.get_by_role("heading", level=1).is_visible()
                if width == 1280:
                    assert header_rows(page) == 1, (role, path)
                    items = page.locator(".govuk-service-navigation__item").count()
                    assert 2 <= items <= HEADER_LIMIT, (role, items)
                assert not scrolls_sideways(page), (role, path, width)
                assert_clean_console(page)
                assert_accessible(page)
                if shots:
                    name = path.strip("/") or "home"
                    page.screenshot(path=f"{shots}/{name}-{role.value}-{width}.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.get_by_role("button", name="Sign out", exact=True).click()
        page.wait_for_load_state()
