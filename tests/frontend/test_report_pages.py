"""The board report pages: who may open them, the period form, the figures and their charts,
one audit record per reading."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client

from agencies.models import Membership, Role
from audit.models import AuditAction, AuditEvent
from tests.factories import AreaFactory, member, sign_in
from tests.reports.helpers import date_boxes, period_boxes, report_world, this_month

pytestmark = pytest.mark.django_db

REPORT_ROLES = {Role.BOARD_MEMBER, Role.COORDINATOR, Role.AREA_ADMINISTRATOR}


def signed_in(user: Any) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def row_cells(html: str, label: str) -> list[str]:
    """The cells of the first table row headed `label`."""
    found = re.search(rf'<th scope="row"[^>]*>{re.escape(label)}</th>(.*?)</tr>', html, re.S)
    assert found, f"no row {label!r}"
    return re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)


def dashboard_views() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.VIEW, object_type=""))


def test_the_dashboard_shows_the_figures_suppressed_beside_their_charts() -> None:
    world = report_world()
    world.raise_now(7, sex="female")
    world.raise_last_month(3, sex="male")
    board = member(Role.BOARD_MEMBER, area=world.area)
    period = this_month()

    response = signed_in(board).get(f"/reports/{world.area.ons_code}/", period_boxes(period))
    html = response.content.decode()

    assert response.status_code == 200
    assert f"<title>Reports: {world.area.name} – Safeguard Hub</title>" in html
    assert row_cells(html, "Concerns raised") == ["7", "c", "c"]
    assert row_cells(html, "Female") == ["7", "0", "+7"]
    assert row_cells(html, "Male") == ["0", "c", "c"]
    # Every table but the summary has its chart, an image named by its title and description.
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == html.count("<table ") - 1
    assert 'role="img" aria-labelledby="chart-sex-title chart-sex-desc"' in html
    caption = f"Concerns raised by sex: {period.label} and {period.previous().label}</caption>"
    assert caption in html
    assert 'id="about-these-figures"' in html
    assert "Link clusters found" in html


def test_the_page_opens_with_key_messages_and_downloads_then_a_contents_list() -> None:
    world = report_world()
    world.raise_now(7, sex="female")
    world.raise_last_month(3, sex="male")
    board = member(Role.BOARD_MEMBER, area=world.area)
    period = this_month()

    response = signed_in(board).get(f"/reports/{world.area.ons_code}/", period_boxes(period))
    html = response.content.decode()

    # In reading order: the warning that the month is not over, the key messages, the
    # downloads, the contents, and only then the figures.
    order = [
        f"{period.label} is not over",
        'id="key-messages"',
        f"Concerns raised so far in {period.label}: 7",
        'id="downloads"',
        "export.pdf?",
        'id="dashboard-contents"',
        'id="summary"',
        '<svg xmlns="http://www.w3.org/2000/svg"',
    ]
    found = [html.find(text) for text in order]
    assert -1 not in found, dict(zip(order, found, strict=True))
    assert found == sorted(found)
    # Each section of the page is in the contents, and each chart's table folded under it.
    sections = re.findall(r'<h2 class="govuk-heading-m" id="report-([a-z0-9_]+)"', html)
    assert "sex" in sections
    contents = html[html.find('id="dashboard-contents"') : html.find('id="summary"')]
    for target in ["summary", *(f"report-{slug}" for slug in sections), "about-these-figures"]:
        assert f'href="#{target}"' in contents
    assert html.count("Show the figures as a table") == len(sections)


def test_a_whole_period_has_no_warning() -> None:
    world = report_world()
    html = (
        signed_in(member(Role.BOARD_MEMBER, area=world.area))
        .get(f"/reports/{world.area.ons_code}/")
        .content.decode()
    )
    assert "is not over" not in html
    assert 'id="key-messages"' in html


def test_downloads_carry_the_period_the_page_read_from_its_date_boxes() -> None:
    world = report_world()
    board = member(Role.BOARD_MEMBER, area=world.area)
    boxes = {
        "kind": "custom",
        "start_day": "1",
        "start_month": "9",
        "start_year": "2026",
        "end_day": "30",
        "end_month": "9",
        "end_year": "2026",
    }

    html = signed_in(board).get(f"/reports/{world.area.ons_code}/", boxes).content.decode()

    period = "?kind=custom&amp;start=2026-09-01&amp;end=2026-09-30"
    assert f'/reports/{world.area.ons_code}/export.pdf{period}"' in html
    assert f'/reports/{world.area.ons_code}/charts/sex.svg{period}"' in html


def test_each_reading_writes_one_audit_record_naming_the_period() -> None:
    world = report_world()
    coordinator = member(Role.COORDINATOR, area=world.area)
    client = signed_in(coordinator)
    period = this_month()
    client.get(f"/reports/{world.area.ons_code}/", period_boxes(period))
    (event,) = dashboard_views()
    assert event.actor == coordinator
    assert event.area == world.area
    assert event.membership == Membership.objects.get(user=coordinator)
    assert event.details == {
        "report": "dashboard",
        "period": {
            "kind": "month",
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
    }
    client.get(f"/reports/{world.area.ons_code}/")
    assert len(dashboard_views()) == 2


def test_with_no_period_chosen_it_shows_the_last_whole_year() -> None:
    world = report_world()
    html = (
        signed_in(member(Role.BOARD_MEMBER, area=world.area))
        .get(f"/reports/{world.area.ons_code}/")
        .content.decode()
    )
    assert re.search(r"Area dashboard: April \d{4} to March \d{4}", html)
    assert 'value="year" checked' in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"kind": "custom"}, "start", "Enter the first day of the period"),
        ({"kind": "fortnight"}, "kind", "Choose a month, quarter, year or custom dates"),
        (
            {"kind": "month", "on_day": "31", "on_month": "2", "on_year": "2026"},
            "on",
            "A day in the month, quarter or year must be a real date",
        ),
        ({"kind": "month", **date_boxes("on", date(2099, 1, 1))}, "on", "Choose a date between"),
        (
            {
                "kind": "custom",
                **date_boxes("start", date(2026, 3, 1)),
                **date_boxes("end", date(2026, 2, 1)),
            },
            "end",
            "The last day must be on or after the first day",
        ),
        (
            {
                "kind": "custom",
                **date_boxes("start", date(2020, 1, 1)),
                **date_boxes("end", date(2026, 1, 1)),
            },
            "end",
            "A custom period can be at most 3 years long",
        ),
    ],
)
def test_a_wrong_period_is_named_by_field_and_nothing_is_read(
    query: dict[str, str], field: str, message: str
) -> None:
    world = report_world()
    client = signed_in(member(Role.BOARD_MEMBER, area=world.area))
    response = client.get(f"/reports/{world.area.ons_code}/", query)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith("<!DOCTYPE html>") and "<title>Error: Reports:" in html
    assert "There is a problem" in html
    anchor = "id_kind" if field == "kind" else f"id_{field}_0"
    assert re.search(rf'<a href="#{anchor}">[^<]*{re.escape(message)}', html)
    assert f'id="{anchor}"' in html
    assert "<svg" not in html and "Concerns raised" not in html
    assert dashboard_views() == []


@pytest.mark.parametrize("role", list(Role))
def test_who_may_open_an_areas_dashboard(role: Role) -> None:
    world = report_world()
    reader = member(role, area=None if role is Role.NATIONAL_ANALYST else world.area)
    client = signed_in(reader)
    own = client.get(f"/reports/{world.area.ons_code}/")
    elsewhere = client.get(f"/reports/{AreaFactory.create().ons_code}/")
    index = client.get("/reports/")
    assert elsewhere.status_code == 404
    if role in REPORT_ROLES:
        assert own.status_code == 200
        assert index.status_code == 302
        assert index["Location"] == f"/reports/{world.area.ons_code}/"
    else:
        assert own.status_code == 404
        assert index.status_code == 404
    assert len(dashboard_views()) == (role in REPORT_ROLES)


def test_an_ended_membership_opens_no_dashboard() -> None:
    world = report_world()
    board = member(Role.BOARD_MEMBER, area=world.area)
    Membership.objects.filter(user=board).update(is_active=False)
    assert signed_in(board).get(f"/reports/{world.area.ons_code}/").status_code == 404


def test_a_reader_of_several_areas_chooses_one() -> None:
    first, second = report_world(), report_world()
    board = member(Role.BOARD_MEMBER, area=first.area)
    Membership.objects.create(
        user=board,
        role=Role.COORDINATOR,
        area=second.area,
        agency=Membership.objects.get(user=board).agency,
    )
    html = signed_in(board).get("/reports/").content.decode()
    for area in (first.area, second.area):
        assert f'href="/reports/{area.ons_code}/">{area.name}</a>' in html


def test_the_page_reads_a_fixed_number_of_queries(django_assert_num_queries: Any) -> None:
    world = report_world()
    world.raise_now(2)
    client = signed_in(member(Role.BOARD_MEMBER, area=world.area))
    url = f"/reports/{world.area.ons_code}/"
    query = period_boxes(this_month())
    client.get(url, query)  # refreshes the rollups the concerns above marked stale
    # The session and its user (4), the area (2: the page's and the dashboard's own check),
    # the rollups' refresh (3), the tactics (1), the figures (4), the links' version (1: the
    # cluster count is cached), the audit record (2: its insert goes with the next
    # statement), the navigation (3), the session saved (3).
    with django_assert_num_queries(21):
        assert row_cells(client.get(url, query).content.decode(), "Concerns raised")[0] == "c"
    world.raise_now(8)
    world.raise_last_month(3)
    client.get(url, query)
    with django_assert_num_queries(21):
        assert row_cells(client.get(url, query).content.decode(), "Concerns raised")[0] == "10"
