"""The National picture pages, and who may use them and the API: everyone else gets 404."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Role
from audit.models import AuditAction, AuditEvent
from reports.models import NationalReturn
from reports.periods import PeriodKind, period_containing
from tests.factories import AreaFactory, member, raise_referral, sign_in
from tests.reports.helpers import date_boxes, months_of_the_week
from tests.reports.test_national import file_of, good_row

pytestmark = pytest.mark.django_db


def week() -> dict[str, str]:
    today = timezone.localdate()
    return {"kind": "custom", "start": str(today - timedelta(days=6)), "end": str(today)}


def week_boxes() -> dict[str, str]:
    """The same week as a page's date boxes send it."""
    today = timezone.localdate()
    return {
        "kind": "custom",
        **date_boxes("start", today - timedelta(days=6)),
        **date_boxes("end", today),
    }


def test_a_coordinator_downloads_the_areas_return_from_the_page(client: Client) -> None:
    area = AreaFactory.create()
    raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    sign_in(client, member(Role.COORDINATOR, area=area))
    landing = client.get("/national/").content.decode()
    assert f'href="/national/returns/{area.ons_code}/"' in landing
    assert "/national/import/" not in landing

    page = client.get(f"/national/returns/{area.ons_code}/")
    html = page.content.decode()
    assert page.status_code == 200 and "Download the national return (CSV)" in html
    download = client.get(f"/national/returns/{area.ons_code}/", week_boxes())
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert len(download.content.decode().splitlines()) == 2
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, area=area).count() == 1


def test_a_period_not_understood_is_shown_by_field_and_nothing_is_exported(
    client: Client,
) -> None:
    area = AreaFactory.create()
    sign_in(client, member(Role.AREA_ADMINISTRATOR, area=area))
    response = client.get(
        f"/national/returns/{area.ons_code}/", {"kind": "custom", "start_day": "x"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: National return" in html
    assert 'href="#id_start_0"' in html and "First day (other dates) must be a real date" in html
    response = client.get(
        f"/national/returns/{area.ons_code}/",
        {"kind": "custom", **date_boxes("start", date(2026, 1, 1))},
    )
    assert 'href="#id_end_0"' in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_an_analyst_imports_a_file_and_reads_the_tables(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    area = AreaFactory.create()
    sign_in(client, member(Role.NATIONAL_ANALYST))
    rows = [good_row(area, row_number=str(n), token=f"{n:064x}") for n in range(1, 8)]
    file = SimpleUploadedFile("returns.csv", file_of(rows).encode(), content_type="text/csv")
    response = client.post("/national/import/", {"file": file}, follow=True)
    assert "Imported 1 returns with 7 rows." in response.content.decode()
    assert NationalReturn.objects.count() == 1

    months = {name: date.fromisoformat(day) for name, day in months_of_the_week().items()}
    asked = {**date_boxes("start", months["start"]), **date_boxes("end", months["end"])}
    with django_assert_max_num_queries(16):
        tables = client.get("/national/tables/", asked).content.decode()
    assert (
        '<caption class="govuk-table__caption govuk-table__caption--m">Concerns and young '
        "people by sex</caption>" in tables
    )
    assert (
        '<th scope="row" class="govuk-table__header">Young people (counted once each)</th>'
        in tables
    )


def test_a_bad_file_shows_every_problem_and_imports_nothing(client: Client) -> None:
    area = AreaFactory.create()
    sign_in(client, member(Role.NATIONAL_ANALYST))
    text = file_of([good_row(area, sex="boy"), good_row(area, area_code="E99999999")])
    file = SimpleUploadedFile("returns.csv", text.encode(), content_type="text/csv")
    html = client.post("/national/import/", {"file": file}).content.decode()
    assert "<title>Error: Import national returns" in html
    assert "Nothing was imported: the file has 2 problems" in html
    assert '<td class="govuk-table__cell">sex</td>' in html
    assert '<td class="govuk-table__cell">area_code</td>' in html
    assert not NationalReturn.objects.exists()


def test_an_upload_without_a_file_is_an_error_on_the_field(client: Client) -> None:
    sign_in(client, member(Role.NATIONAL_ANALYST))
    html = client.post("/national/import/", {}).content.decode()
    assert 'href="#id_file"' in html and "Choose a CSV file to upload" in html


# --- Who may use what ---------------------------------------------------------------------

PRODUCERS = {Role.COORDINATOR, Role.AREA_ADMINISTRATOR}


@pytest.mark.parametrize("role", list(Role))
def test_permission_matrix(role: Role, client: Client) -> None:
    area = AreaFactory.create()
    user = member(role, area=None if role is Role.NATIONAL_ANALYST else area)
    other_area = AreaFactory.create()
    sign_in(client, user)
    api = APIClient()
    sign_in(api, user)
    produces, analyses = role in PRODUCERS, role is Role.NATIONAL_ANALYST
    start, end = months_of_the_week()["start"], months_of_the_week()["end"]

    def status(response: Any) -> int:
        return int(response.status_code)

    expected = {
        "landing": 200 if produces or analyses else 404,
        "own return page": 200 if produces else 404,
        "own return API": 200 if produces else 404,
        "other area's return page": 404,
        "other area's return API": 404,
        "import page": 200 if analyses else 404,
        "import API": 400 if analyses else 404,  # an empty upload: refused, but reached
        "tables page": 200 if analyses else 404,
        "tables API": 200 if analyses else 404,
    }
    actual = {
        "landing": status(client.get("/national/")),
        "own return page": status(client.get(f"/national/returns/{area.ons_code}/")),
        "own return API": status(
            api.get(f"/api/v1/national-returns/areas/{area.ons_code}/", week())
        ),
        "other area's return page": status(client.get(f"/national/returns/{other_area.ons_code}/")),
        "other area's return API": status(
            api.get(f"/api/v1/national-returns/areas/{other_area.ons_code}/", week())
        ),
        "import page": status(client.get("/national/import/")),
        "import API": status(api.post("/api/v1/national-returns/", {}, format="multipart")),
        "tables page": status(client.get("/national/tables/")),
        "tables API": status(
            api.get("/api/v1/national-returns/tables/", {"start": start, "end": end})
        ),
    }
    assert actual == expected


def test_with_no_returns_imported_the_tables_say_so_and_show_no_zeros(client: Client) -> None:
    sign_in(client, member(Role.NATIONAL_ANALYST))
    html = client.get("/national/tables/").content.decode()
    last_year = period_containing(PeriodKind.YEAR, timezone.localdate()).previous()
    assert f"No national returns imported for {last_year.label} yet" in html
    assert "<table" not in html


def test_the_page_states_its_limits_and_shows_an_unreadable_file_as_a_problem(
    client: Client,
) -> None:
    area = AreaFactory.create()
    sign_in(client, member(Role.NATIONAL_ANALYST))
    page = client.get("/national/import/").content.decode()
    assert "at most 300,000 rows under the header" in page and "at most 88 MB" in page
    text = file_of([good_row(area)]) + "x" * 200_000 + "\r\n"
    file = SimpleUploadedFile("returns.csv", text.encode(), content_type="text/csv")
    response = client.post("/national/import/", {"file": file})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported: the file has 1 problem, listed below" in html
    assert "Line 3 of the file is longer than" in html
    assert not NationalReturn.objects.exists()
