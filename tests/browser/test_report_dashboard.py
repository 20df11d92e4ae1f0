"""The area dashboard in real Chromium: reached from the navigation, accessible with its charts
and tables, a wrong period shown in an error summary that is accessible too."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Role
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    assert_fits_a_phone,
    sign_in,
)
from tests.factories import member
from tests.reports.helpers import report_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_board_member_reads_the_dashboard_and_chooses_a_period(page: Any) -> None:
    world = report_world()
    world.raise_now(7, sex="female")
    world.raise_last_month(3, sex="male")
    board = member(Role.BOARD_MEMBER, area=world.area)
    sign_in(page, board.username)

    page.get_by_role("link", name="Reports").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Area dashboard")
    assert page.get_by_role("img", name="Concerns raised by sex").is_visible()
    assert_clean_console(page)
    assert_accessible(page)
    assert_fits_a_phone(page)

    # Charts go two a row on a wide screen, each with its figures folded under it.
    page.set_viewport_size({"width": 1280, "height": 900})
    tops = page.locator(".app-report-grid > section").evaluate_all(
        "sections => sections.map(s => Math.round(s.getBoundingClientRect().top))"
    )
    assert len(tops) > 4 and tops[0] == tops[1] and tops[2] == tops[3] and tops[2] > tops[0]
    sex = page.locator("section", has=page.get_by_role("heading", name="Concerns raised by sex"))
    table = sex.get_by_role("table")
    assert not table.is_visible()
    sex.get_by_text("Show the figures as a table").click()
    assert table.is_visible()
    assert_accessible(page)
    page.get_by_role("navigation", name="On this page").get_by_role(
        "link", name="Concerns raised by sex"
    ).click()
    assert page.url.endswith("#report-sex")

    page.get_by_text("Choose the period").click()
    page.get_by_role("radio", name="Month").check()
    today = timezone.localdate()
    day_in = page.get_by_role("group", name="A day in the month, quarter or year")
    day_in.get_by_label("Day").fill(str(today.day))
    day_in.get_by_label("Month").fill(str(today.month))
    day_in.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_load_state()
    raised = page.get_by_role("row", name="Concerns raised", exact=False).first
    assert raised.get_by_role("cell").all_inner_texts()[:2] == ["7", "c"]
    assert_accessible(page)

    page.get_by_text("Choose the period").click()
    page.get_by_role("radio", name="Custom dates").check()
    page.get_by_role("button", name="Show figures").click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert")
    assert "Enter the first day of the period" in summary.inner_text()
    assert_clean_console(page)
    assert_accessible(page)
