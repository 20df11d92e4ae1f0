"""An area's catalogues in real Chromium, every form submitted wrong and then right: a
coordinator publishes the area's version of a screening tool after checking the answers,
retires it and chooses which national tools the area uses; an area administrator adds,
retires and chooses protective actions and disruption tactics."""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Role
from disruption.models import DisruptionTactic
from referrals.models import ProtectiveActionType, ScreeningTool
from tests.browser.helpers import assert_accessible, assert_fits_a_phone, sign_in, visit
from tests.factories import AreaFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page: Any, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def assert_refused(page: Any, message: str) -> None:
    assert message in page.locator(".govuk-error-summary").inner_text()
    assert message in page.locator(".govuk-error-message").first.inner_text()
    assert_accessible(page)


def assert_banner(page: Any, message: str) -> None:
    assert message in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)


def confirm(page: Any, heading: str) -> None:
    assert heading in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("heading", name="What will happen").is_visible()
    assert_accessible(page)
    submit(page, "Confirm")


def test_a_coordinator_publishes_and_retires_the_areas_screening_tool(page: Any) -> None:
    area = AreaFactory.create()
    sign_in(page, member(Role.COORDINATOR, area=area).username)
    visit(page, "/")
    page.get_by_role("link", name="Screening tools").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/screening-tools/{area.ons_code}/")
    assert_accessible(page)
    assert_fits_a_phone(page)
    assert "has no screening tool of its own yet" in page.locator("main").inner_text()

    page.get_by_role(
        "link", name="Child criminal exploitation and county lines screening tool"
    ).click()
    assert_accessible(page)
    page.get_by_role("link", name="Publish your area's version").click()
    assert_accessible(page)
    assert_fits_a_phone(page)
    page.get_by_label("Name of the tool").fill("")
    page.get_by_label("Indicator 1: weight").fill("99")
    submit(page, "Continue")
    assert_refused(page, "Enter the tool's name")
    assert "Enter a weight of 20 or less" in page.locator(".govuk-error-summary").inner_text()
    assert not ScreeningTool.objects.filter(area=area).exists()

    page.get_by_label("Name of the tool").fill(f"{area.name} county lines tool")
    page.get_by_label("Indicator 1: weight").fill("2")
    page.get_by_label("Indicator 1: wording").fill("The family has broken down")
    page.get_by_label("Leave indicator 2 out of the new version").check()
    page.get_by_label("Wording of a new indicator (optional)").fill("Seen at a trap house")
    page.get_by_label("Significant indicators").check()
    page.get_by_label("Its weight").fill("4")
    submit(page, "Continue")
    check = page.locator("main").inner_text()
    assert "Check your answers before publishing" in check
    assert "Seen at a trap house" in check and "The family has broken down" in check
    assert_accessible(page)
    assert not ScreeningTool.objects.filter(area=area).exists()
    submit(page, "Confirm and publish")
    assert_banner(page, "published")
    own = ScreeningTool.objects.get(area=area)
    assert own.indicators.filter(label="Seen at a trap house", weight=4).exists()

    page.get_by_role("link", name="Retire this version").click()
    confirm(page, "Are you sure you want to retire version")
    assert_banner(page, "retired")

    page.get_by_role(
        "link", name="Child criminal exploitation and county lines screening tool"
    ).click()
    page.get_by_role("link", name="Stop using it").click()
    confirm(page, "Are you sure you want to stop using")
    assert_banner(page, "is no longer used")
    page.get_by_role(
        "link", name="Child criminal exploitation and county lines screening tool"
    ).click()
    submit(page, "Use again")
    assert_banner(page, "is used again")


def test_an_administrator_keeps_the_areas_actions_and_tactics(page: Any) -> None:
    area = AreaFactory.create()
    sign_in(page, member(Role.AREA_ADMINISTRATOR, area=area).username)
    actions = f"/administration/{area.ons_code}/protective-action-types/"
    visit(page, actions)
    submit(page, "Add protective action")
    assert_refused(page, "Enter a name")
    page.get_by_label("Name").fill("Detached youth work")
    submit(page, "Add protective action")
    assert_banner(page, "Detached youth work added")
    page.get_by_role("link", name="Stop using Mentoring or youth work").click()
    confirm(page, "stop using")
    assert_banner(page, "is no longer used")
    submit(page, "Use again Mentoring or youth work")
    assert_banner(page, "is used again")
    page.get_by_role("link", name="Retire Detached youth work").click()
    confirm(page, "Are you sure you want to retire")
    assert_banner(page, "Detached youth work retired")
    assert not ProtectiveActionType.objects.get(area=area).is_active

    tactics = f"/administration/{area.ons_code}/disruption-tactics/"
    visit(page, tactics)
    page.get_by_label("Name").fill("Community protection notice")
    submit(page, "Add disruption tactic")
    assert_refused(page, "Choose the kind of tactic")
    page.get_by_label("Kind of tactic").select_option(label="Notice")
    page.get_by_label("Yes").check()
    page.get_by_label("How many days it usually runs (optional)").fill("365")
    submit(page, "Add disruption tactic")
    assert_banner(page, "Community protection notice added")
    assert DisruptionTactic.objects.get(area=area).default_duration_days == 365
    page.get_by_role("link", name="Retire Community protection notice").click()
    confirm(page, "Are you sure you want to retire")
    assert_banner(page, "Community protection notice retired")
    page.get_by_role("link", name="Stop using Intelligence submission").click()
    confirm(page, "stop using")
    assert_banner(page, "is no longer used")
    submit(page, "Use again Intelligence submission")
    assert_banner(page, "is used again")
