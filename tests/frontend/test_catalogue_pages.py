"""The catalogue pages: screening tools (coordinators), protective actions and disruption
tactics (area administrators), and the settings page without the retention age."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from agencies.models import Area, Role
from referrals.catalogues import IndicatorWording, screening_tool_publish
from referrals.models import ProtectiveActionType, ScreeningTool
from tests.factories import AreaFactory, member, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def area() -> Area:
    return AreaFactory.create()


def _client(role: Role, area: Area) -> Client:
    client = Client()
    sign_in(client, member(role, area=area))
    return client


def _own_tool(area: Area) -> ScreeningTool:
    base = ScreeningTool.objects.get(version="default-1")
    return screening_tool_publish(
        actor=member(Role.COORDINATOR, area=area),
        area=area,
        based_on=base,
        name="Their tool",
        exploitation_types=["sexual"],
        indicators=[IndicatorWording("significant", "Going missing", 4)],
    )


def test_the_screening_tools_page_lists_national_and_own_tools(
    area: Area, django_assert_max_num_queries: Any
) -> None:
    coordinator = _client(Role.COORDINATOR, area)
    assert coordinator.get("/screening-tools/")["Location"] == f"/screening-tools/{area.ons_code}/"
    with django_assert_max_num_queries(12):
        page = coordinator.get(f"/screening-tools/{area.ons_code}/").content.decode()
    assert "Child criminal exploitation and county lines screening tool" in page
    assert "has no screening tool of its own yet" in page
    _own_tool(area)
    with django_assert_max_num_queries(12):
        page = coordinator.get(f"/screening-tools/{area.ons_code}/").content.decode()
    assert "Their tool" in page and "has no screening tool of its own yet" not in page


def test_a_new_version_is_checked_then_published(area: Area) -> None:
    coordinator = _client(Role.COORDINATOR, area)
    base = ScreeningTool.objects.get(version="county-lines-1")
    url = f"/screening-tools/{area.ons_code}/{base.version}/new-version/"
    answers: dict[str, Any] = {"name": "Our county lines tool", "exploitation_types": ["criminal"]}
    for indicator in base.indicators.all():
        answers[f"label_{indicator.code}"] = indicator.label
        answers[f"weight_{indicator.code}"] = indicator.weight
    answers["label_cuckooing"] = "Someone dealing drugs from the family home"
    answers["leave_out_debt_bondage"] = "on"

    check = coordinator.post(url, answers)
    assert check.status_code == 200
    text = check.content.decode()
    assert "Check your answers before publishing" in text
    assert "Someone dealing drugs from the family home" in text and "Left out" in text
    assert not ScreeningTool.objects.filter(area=area).exists()

    published = coordinator.post(url, {**answers, "confirm": "yes"})
    tool = ScreeningTool.objects.get(area=area)
    assert published["Location"] == f"/screening-tools/{area.ons_code}/{tool.version}/"
    assert tool.indicators.count() == base.indicators.count() - 1
    assert tool.indicators.get(code="cuckooing").label.startswith("Someone dealing")

    refused = coordinator.post(url, {**answers, "name": "", "weight_cuckooing": "99"})
    assert refused.status_code == 200
    assert b"govuk-error-summary" in refused.content
    assert b"Enter a weight of 20 or less" in refused.content


def test_screening_pages_are_for_the_areas_coordinators(area: Area) -> None:
    elsewhere = AreaFactory.create()
    theirs = _own_tool(elsewhere)
    coordinator = _client(Role.COORDINATOR, area)
    assert coordinator.get(f"/screening-tools/{elsewhere.ons_code}/").status_code == 404
    own_page = f"/screening-tools/{area.ons_code}/{theirs.version}/"
    assert coordinator.get(own_page).status_code == 404
    assert _client(Role.PRACTITIONER, area).get("/screening-tools/").status_code == 403


def test_an_administrator_adds_and_retires_an_action(area: Area) -> None:
    admin = _client(Role.AREA_ADMINISTRATOR, area)
    url = f"/administration/{area.ons_code}/protective-action-types/"
    assert admin.post(url, {"label": "Detached youth work"})["Location"] == url
    own = ProtectiveActionType.objects.get(area=area)
    refused = admin.post(url, {"label": ""})
    assert refused.status_code == 200 and b"Enter a name" in refused.content
    confirm = admin.get(f"{url}{own.pk}/retire/")
    assert b"Are you sure you want to retire" in confirm.content
    assert admin.post(f"{url}{own.pk}/retire/")["Location"] == url
    own.refresh_from_db()
    assert not own.is_active
    # Another area's own entry is not found.
    other_admin = _client(Role.AREA_ADMINISTRATOR, AreaFactory.create())
    assert other_admin.get(f"{url}{own.pk}/retire/").status_code == 404
    assert _client(Role.COORDINATOR, area).get(url).status_code == 403


def test_the_settings_page_no_longer_offers_the_retention_age(area: Area) -> None:
    page = _client(Role.AREA_ADMINISTRATOR, area).get(f"/administration/{area.ons_code}/settings/")
    assert b"retention_review_age_years" not in page.content
    assert b"records are reviewed" not in page.content
