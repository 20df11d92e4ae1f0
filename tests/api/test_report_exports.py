"""GET /api/v1/reports/areas/<ons_code>/dashboard/export.<fmt>: the dashboard as a file."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Role
from api.services import api_token_create
from audit.models import AuditAction, AuditEvent
from reports.exports import CSV_TYPE, PDF_TYPE, XLSX_TYPE
from tests.factories import AreaFactory, member, sign_in
from tests.reports.report_data import ReportedArea, csv_blocks, reported_area, xlsx_parts

pytestmark = pytest.mark.django_db

TYPES = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE, "pdf": PDF_TYPE}


@pytest.fixture
def reported() -> ReportedArea:
    return reported_area()


def url(reported: ReportedArea, fmt: str) -> str:
    return f"/api/v1/reports/areas/{reported.area.ons_code}/dashboard/export.{fmt}"


def exports() -> Any:
    return AuditEvent.objects.filter(action=AuditAction.EXPORT)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_a_token_downloads_the_dashboard_whatever_it_accepts(
    api_client: APIClient, reported: ReportedArea, fmt: str
) -> None:
    _, raw = api_token_create(actor=reported.reader, name="board pack", lifetime_days=1)

    response = api_client.get(
        url(reported, fmt),
        {"kind": "month"},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        HTTP_ACCEPT=TYPES[fmt],
    )

    assert response.status_code == 200
    assert response["Content-Type"] == TYPES[fmt]
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="report-{reported.area.ons_code}-'
    )
    event = exports().get()
    assert (event.actor, event.area) == (reported.reader, reported.area)
    assert event.details["format"] == fmt
    assert event.details["period"]["kind"] == "month"


def test_the_file_holds_the_published_figures_and_no_identity(
    api_client: APIClient, reported: ReportedArea
) -> None:
    sign_in(api_client, reported.reader)

    month = {"kind": "month", "on": timezone.localdate().isoformat()}
    csv_file = api_client.get(url(reported, "csv"), month)
    xlsx_file = api_client.get(url(reported, "xlsx"), month)

    text = csv_file.content.decode("utf-8-sig") + xlsx_parts(xlsx_file.content)
    assert [value for value in reported.identifiers() if value in text] == []
    assert ["Male", "c", "0", "c"] in csv_blocks(csv_file.content)["Concerns raised by sex"]


def test_a_bad_period_is_a_400_naming_the_field(
    api_client: APIClient, reported: ReportedArea
) -> None:
    sign_in(api_client, reported.reader)

    response = api_client.get(url(reported, "pdf"), {"kind": "month", "on": "31/03/2026"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "on": ["Enter a real date as YYYY-MM-DD, for example 2026-03-31"]
    }
    assert not exports().exists()


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.BOARD_MEMBER])
def test_anyone_but_the_areas_report_readers_gets_not_found(
    api_client: APIClient, reported: ReportedArea, role: Role
) -> None:
    area = reported.area if role is Role.PRACTITIONER else AreaFactory.create()
    sign_in(api_client, member(role, area=area))

    response = api_client.get(url(reported, "csv"))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not exports().exists()


def test_an_unknown_format_is_not_found(api_client: APIClient, reported: ReportedArea) -> None:
    sign_in(api_client, reported.reader)

    assert api_client.get(url(reported, "json")).status_code == 404


def test_an_anonymous_caller_is_refused(api_client: APIClient, reported: ReportedArea) -> None:
    response = api_client.get(url(reported, "csv"))

    assert response.status_code == 401
    assert not exports().exists()
