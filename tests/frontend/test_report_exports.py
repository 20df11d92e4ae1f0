"""Downloads of an area's dashboard from the site: who may, what is recorded, bad periods."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import Membership, Role
from audit.models import AuditAction, AuditEvent
from reports.exports import CSV_TYPE, PDF_TYPE, XLSX_TYPE
from reports.periods import PeriodKind, period_containing
from reports.selectors import Table
from tests.factories import AreaFactory, member, sign_in
from tests.reports.report_data import ReportedArea, csv_blocks, reported_area

pytestmark = pytest.mark.django_db

TYPES = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE, "pdf": PDF_TYPE}


@pytest.fixture
def reported() -> ReportedArea:
    return reported_area()


def url(reported: ReportedArea, fmt: str) -> str:
    return reverse(
        "frontend:report-export", kwargs={"ons_code": reported.area.ons_code, "fmt": fmt}
    )


def exports() -> Any:
    return AuditEvent.objects.filter(action=AuditAction.EXPORT)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_a_board_member_downloads_the_dashboard_and_the_download_is_recorded(
    client: Client, reported: ReportedArea, fmt: str, django_assert_max_num_queries: Any
) -> None:
    sign_in(client, reported.reader)
    today = timezone.localdate()
    month = period_containing(PeriodKind.MONTH, today)

    # Sign-in, the dashboard's reads (with the refresh of the day's rollups) and the audit
    # record: a fixed number, however many referrals the area has.
    with django_assert_max_num_queries(30):
        response = client.get(url(reported, fmt), {"kind": "month", "on": today.isoformat()})

    assert response.status_code == 200
    assert response["Content-Type"] == TYPES[fmt]
    assert response["Content-Disposition"] == (
        f'attachment; filename="report-{reported.area.ons_code}-{month.start}-to-{month.end}.{fmt}"'
    )
    event = exports().get()
    assert event.actor == reported.reader
    assert event.area == reported.area
    assert event.membership == Membership.objects.get(user=reported.reader)
    assert event.details == {
        "report": "area_dashboard",
        "format": fmt,
        "period": {"kind": "month", "start": str(month.start), "end": str(month.end)},
    }


def test_the_download_covers_the_period_the_query_names(
    client: Client, reported: ReportedArea
) -> None:
    sign_in(client, reported.reader)

    response = client.get(
        url(reported, "csv"), {"kind": "custom", "start": "2026-01-01", "end": "2026-01-31"}
    )

    assert csv_blocks(response.content)[""][1] == [
        "1 January 2026 to 31 January 2026, compared with 1 December 2025 to 31 December 2025"
    ]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.AREA_ADMINISTRATOR])
def test_the_other_report_roles_may_download(client: Client, role: Role) -> None:
    area = AreaFactory.create()
    sign_in(client, member(role, area=area))

    response = client.get(
        reverse("frontend:report-export", kwargs={"ons_code": area.ons_code, "fmt": "csv"})
    )

    assert response.status_code == 200


@pytest.mark.parametrize("who", ["other_area_board_member", "practitioner", "national_analyst"])
def test_a_person_who_may_not_read_the_areas_figures_gets_not_found_and_nothing_is_recorded(
    client: Client, reported: ReportedArea, who: str
) -> None:
    person = {
        "other_area_board_member": lambda: member(Role.BOARD_MEMBER, area=AreaFactory.create()),
        "practitioner": lambda: member(Role.PRACTITIONER, area=reported.area),
        "national_analyst": lambda: member(Role.NATIONAL_ANALYST),
    }[who]()
    sign_in(client, person)

    response = client.get(url(reported, "csv"))

    assert response.status_code == 404
    assert not exports().exists()


def test_a_signed_out_visitor_is_sent_to_sign_in(client: Client, reported: ReportedArea) -> None:
    response = client.get(url(reported, "csv"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:sign-in"))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"kind": "week"}, "Choose a month, quarter, year or custom dates"),
        ({"kind": "month", "on": "2026-13-01"}, "Enter a real date as YYYY-MM-DD"),
        ({"kind": "month", "on": "2999-01-01"}, "Choose a date between"),
        ({"kind": "custom", "start": "2026-01-01"}, "Enter the last day of the period"),
        ({"kind": "custom", "start": "2026-02-01", "end": "2026-01-01"}, "on or after"),
    ],
)
def test_a_period_that_is_not_one_is_a_plain_bad_request(
    client: Client, reported: ReportedArea, query: dict[str, str], message: str
) -> None:
    sign_in(client, reported.reader)

    response = client.get(url(reported, "xlsx"), query)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert message in response.content.decode()
    assert not exports().exists()


def test_an_unknown_format_is_not_found(client: Client, reported: ReportedArea) -> None:
    sign_in(client, reported.reader)

    assert client.get(url(reported, "docx")).status_code == 404
    assert not exports().exists()


def test_the_downloads_snippet_links_to_each_format_for_the_period_on_the_page(
    reported: ReportedArea,
) -> None:
    html = render_to_string(
        "frontend/reports/_downloads.html",
        {"area": reported.area, "period_query": "kind=month&on=2026-10-01"},
    )

    for fmt in ("csv", "xlsx", "pdf"):
        assert f'href="{url(reported, fmt)}?kind=month&amp;on=2026-10-01"' in html
    assert html.count("download>") == 3


def chart_url(reported: ReportedArea, slug: str) -> str:
    return reverse(
        "frontend:report-chart", kwargs={"ons_code": reported.area.ons_code, "slug": slug}
    )


def test_a_chart_downloads_as_an_svg_file_and_the_download_is_recorded(
    client: Client, reported: ReportedArea
) -> None:
    sign_in(client, reported.reader)
    month = period_containing(PeriodKind.MONTH, timezone.localdate())

    response = client.get(chart_url(reported, "sex"), {"kind": "month"})

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"] == (
        f'attachment; filename="chart-sex-{reported.area.ons_code}-{month.previous().start}'
        f'-to-{month.previous().end}.svg"'
    )
    assert response.content.lstrip().startswith((b"<svg", b"<?xml"))
    assert exports().get().details == {
        "report": "area_dashboard",
        "format": "svg",
        "chart": "sex",
        "period": {
            "kind": "month",
            "start": str(month.previous().start),
            "end": str(month.previous().end),
        },
    }


@pytest.mark.parametrize("slug", ["summary", "no_such_table"])
def test_a_table_without_a_chart_is_not_found(
    client: Client, reported: ReportedArea, slug: str
) -> None:
    sign_in(client, reported.reader)

    assert client.get(chart_url(reported, slug)).status_code == 404
    assert not exports().exists()


def test_another_areas_reader_cannot_download_its_charts(
    client: Client, reported: ReportedArea
) -> None:
    sign_in(client, member(Role.BOARD_MEMBER, area=AreaFactory.create()))

    assert client.get(chart_url(reported, "sex")).status_code == 404
    assert not exports().exists()


def test_a_chart_for_a_period_that_is_not_one_is_a_plain_bad_request(
    client: Client, reported: ReportedArea
) -> None:
    sign_in(client, reported.reader)

    response = client.get(chart_url(reported, "sex"), {"kind": "fortnight"})

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_the_chart_snippet_links_to_the_tables_chart_for_the_period_on_the_page(
    reported: ReportedArea,
) -> None:
    sex = Table("sex", "Concerns raised by sex", [], chart="bar")
    summary = Table("summary", "Summary", [], chart="")

    def render(table: Table) -> str:
        return render_to_string(
            "frontend/reports/_chart_download.html",
            {"area": reported.area, "table": table, "period_query": "kind=quarter&on=2026-10-01"},
        )

    assert f'href="{chart_url(reported, "sex")}?kind=quarter&amp;on=2026-10-01"' in render(sex)
    assert "Concerns raised by sex" in render(sex)
    assert render(summary).strip() == ""
