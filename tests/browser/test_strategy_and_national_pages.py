"""Strategy profiles and the national picture in real Chromium: each page accessible (axe) with
a clean console, for the people who use it."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Role
from reports.periods import PeriodKind, period_containing
from tests.browser.helpers import assert_accessible, assert_clean_console, sign_in, visit
from tests.factories import AreaFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page: Any, path: str) -> None:
    visit(page, path)
    assert page.get_by_role("heading", level=1).count() == 1, path


def settled(page: Any) -> None:
    """The page the last click led to: loaded, a clean console, nothing serious for axe."""
    page.wait_for_load_state()
    assert_clean_console(page)
    assert_accessible(page)


def test_an_areas_coordinator_keeps_its_strategy_profile(page: Any) -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    sign_in(page, coordinator.username)

    page.get_by_role("link", name="Strategy profiles").click()
    settled(page)
    year = period_containing(PeriodKind.YEAR, timezone.localdate()).start.year
    for path in (
        f"/strategy-profiles/{area.ons_code}/{year}/",
        f"/strategy-profiles/{area.ons_code}/{year}/edit/",
        f"/strategy-profiles/{area.ons_code}/sessions/",
        "/strategy-profiles/library/",
        f"/national/returns/{area.ons_code}/",
    ):
        check(page, path)
    # A form sent empty names what is missing in an accessible error summary.
    page.goto(f"/strategy-profiles/{area.ons_code}/{year}/edit/")
    page.get_by_role("button", name="Save the profile").click()
    settled(page)
    assert "There is a problem" in page.get_by_role("alert").inner_text()


def test_a_national_analyst_reads_the_national_pages(page: Any) -> None:
    analyst = member(Role.NATIONAL_ANALYST)
    sign_in(page, analyst.username)

    page.get_by_role("link", name="National picture").click()
    settled(page)
    for path in (
        "/national/import/",
        "/national/tables/",
        "/strategy-profiles/national/",
        "/strategy-profiles/import/",
    ):
        check(page, path)
