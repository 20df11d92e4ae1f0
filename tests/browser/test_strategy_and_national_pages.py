"""Strategy profiles and the national picture in real Chromium: each page accessible (axe) with
a clean console, for the people who use it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Role
from reports.models import NationalReturnRow, StrategyDocument, StrategyProfile, StrategySession
from reports.periods import PeriodKind, period_containing
from tests.browser.helpers import assert_accessible, assert_clean_console, sign_in, visit
from tests.factories import AreaFactory, member
from tests.reports.test_national import file_of, good_row
from tests.reports.test_profile_imports import answered, rows_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path  # the server runs in this process: uploads land here


def press(page: Any, button: str) -> None:
    page.get_by_role("button", name=button).click()
    settled(page)


def refused(page: Any, button: str, message: str) -> None:
    press(page, button)
    assert message in page.locator(".govuk-error-summary").inner_text()


def upload(page: Any, label: str, name: str, content: bytes) -> None:
    page.get_by_label(label).set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )


def first_answer_to_each_question(page: Any) -> None:
    page.locator("main form").evaluate(
        """form => {
            const asked = new Set();
            for (const radio of form.querySelectorAll("input[type=radio]")) {
                if (!asked.has(radio.name)) { asked.add(radio.name); radio.click(); }
            }
        }"""
    )


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
    assert not StrategyProfile.objects.filter(area=area, responded=True).exists()
    first_answer_to_each_question(page)
    press(page, "Save the profile")
    assert page.url.endswith(f"/strategy-profiles/{area.ons_code}/{year}/")
    assert StrategyProfile.objects.get(area=area, year=year).responded

    page.goto(f"/strategy-profiles/{area.ons_code}/{year}/documents/add/")
    refused(page, "Add the document", "Enter a title")
    assert not StrategyDocument.objects.exists()
    page.get_by_label("Title").fill("Child exploitation protocol")
    first_answer_to_each_question(page)
    upload(page, "Upload a file", "protocol.txt", b"Who does what when a child is exploited.")
    press(page, "Add the document")
    assert page.url.endswith(f"/strategy-profiles/{area.ons_code}/{year}/")
    assert StrategyDocument.objects.get(profile__area=area).title == "Child exploitation protocol"

    page.goto(f"/strategy-profiles/{area.ons_code}/sessions/")
    refused(page, "Log the session", "Enter how many people attended")
    assert not StrategySession.objects.exists()
    first_answer_to_each_question(page)
    today = timezone.localdate()
    held = page.get_by_role("group", name="When was it held?")
    for part, value in (("Day", today.day), ("Month", today.month), ("Year", today.year)):
        held.get_by_label(part, exact=True).fill(str(value))
    page.get_by_label("Which agency held it?").select_option(index=1)
    page.get_by_label("How many people attended?").fill("25")
    press(page, "Log the session")
    assert page.url.endswith(f"/strategy-profiles/{area.ons_code}/sessions/")
    assert StrategySession.objects.get(area=area).attending == 25


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


def test_a_national_analyst_imports_returns_and_profiles(page: Any) -> None:
    area = AreaFactory.create()
    sign_in(page, member(Role.NATIONAL_ANALYST).username)

    page.goto("/national/import/")
    refused(page, "Import", "Choose a CSV file to upload")
    upload(
        page,
        "Upload a CSV file of national returns",
        "returns.csv",
        file_of([good_row(area)]).encode(),
    )
    press(page, "Import")
    assert page.url.endswith("/national/import/")
    assert page.get_by_text("Imported 1 returns with 1 rows.").is_visible()
    assert NationalReturnRow.objects.filter(national_return__area=area).count() == 1

    page.goto("/strategy-profiles/import/")
    refused(page, "Check and import", "Select a file")
    upload(page, "Upload a CSV or XLSX file", "profiles.csv", rows_csv([answered(area.ons_code)]))
    press(page, "Check and import")
    assert re.search(r"/strategy-profiles/import/[0-9a-f-]{36}/$", page.url)
