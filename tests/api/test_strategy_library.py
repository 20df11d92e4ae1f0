"""An area's strategy sessions and the strategy document library through the API."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Area, Role
from audit.models import AuditAction, AuditEvent
from reports.models import StrategyDocument, StrategySession
from reports.profiles import reporting_year, strategy_document_add
from tests.factories import AgencyFactory, AreaFactory, member, sign_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a synthetic protocol\n"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def area() -> Area:
    return AreaFactory.create()


def api(role: Role, area: Area | None = None) -> APIClient:
    client = APIClient()
    sign_in(client, member(role, area=area))
    return client


def sessions_url(area: Area) -> str:
    return f"/api/v1/strategy-profiles/{area.ons_code}/sessions/"


def session(area: Area, **change: Any) -> dict[str, Any]:
    return {
        "kind": "training",
        "topic": "identification",
        "held_on": str(timezone.localdate() - timedelta(days=3)),
        "agency": AgencyFactory.create(areas=[area]).pk,
        "attending": 25,
    } | change


def test_a_keeper_logs_a_session_that_readers_see(area: Area) -> None:
    response = api(Role.COORDINATOR, area).post(sessions_url(area), session(area), format="json")
    assert response.status_code == 201, response.json()
    assert StrategySession.objects.get().attending == 25
    rows = api(Role.BOARD_MEMBER, area).get(sessions_url(area)).json()
    assert [row["topic"] for row in rows] == ["identification"]


def test_a_session_with_problems_is_refused_by_field(area: Area) -> None:
    client = api(Role.COORDINATOR, area)
    no_topic = client.post(sessions_url(area), session(area, topic=""), format="json")
    assert "topic" in no_topic.json()["error"]["fields"]
    stranger = AgencyFactory.create()
    elsewhere = client.post(sessions_url(area), session(area, agency=stranger.pk), format="json")
    assert "agency" in elsewhere.json()["error"]["fields"]
    assert not StrategySession.objects.exists()


def test_who_may_log_and_read(area: Area) -> None:
    reader = api(Role.BOARD_MEMBER, area)
    assert reader.post(sessions_url(area), session(area), format="json").status_code == 403
    assert api(Role.PRACTITIONER, area).get(sessions_url(area)).status_code == 403


def test_the_library_is_searched_and_a_download_recorded(
    area: Area, django_assert_max_num_queries: Any
) -> None:
    keeper = member(Role.COORDINATOR, area=area)
    for title in ("Exploitation protocol", "Training plan"):
        strategy_document_add(
            actor=keeper,
            area=area,
            year=reporting_year(timezone.localdate()),
            title=title,
            kind="protocol",
            upload=SimpleUploadedFile("protocol.pdf", PDF),
        )
    client = api(Role.BOARD_MEMBER, AreaFactory.create())
    with django_assert_max_num_queries(10):
        found = client.get("/api/v1/strategy-library/", {"text": "PROTOCOL"}).json()
    assert found["total"] == 1 and found["results"][0]["area"] == area.ons_code
    download = client.get(f"/api/v1/strategy-library/{found['results'][0]['id']}/download/")
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="reports.strategydocument"
    ).exists()
    assert client.get("/api/v1/strategy-library/999999/download/").status_code == 404
    assert api(Role.PRACTITIONER, area).get("/api/v1/strategy-library/").status_code == 403


def documents_url(area: Area, year: int | None = None) -> str:
    year = reporting_year(timezone.localdate()) if year is None else year
    return f"/api/v1/strategy-profiles/{area.ons_code}/{year}/documents/"


def document(**change: Any) -> dict[str, Any]:
    return {
        "title": "Exploitation protocol",
        "kind": "protocol",
        "file": SimpleUploadedFile("protocol.pdf", PDF),
    } | change


def test_a_keeper_adds_a_document_to_the_library_and_it_is_recorded(area: Area) -> None:
    keeper = member(Role.COORDINATOR, area=area)
    client = APIClient()
    sign_in(client, keeper)
    response = client.post(documents_url(area), document(), format="multipart")
    assert response.status_code == 201, response.json()
    added = StrategyDocument.objects.get()
    assert response.json()["id"] == added.pk and response.json()["area"] == area.ons_code
    assert added.file.read() == PDF
    recorded = AuditEvent.objects.get(actor=keeper, action=AuditAction.CREATE)
    assert (recorded.object_id, recorded.area_id) == (str(added.pk), area.pk)


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"title": ""}, "title", 400),
        ({"kind": "novel"}, "kind", 400),
        ({"file": SimpleUploadedFile("empty.pdf", b"")}, "file", 400),
        # the schema says "a file"; which files are kept is the library's rule
        ({"file": SimpleUploadedFile("run.exe", b"MZ\x90\x00")}, "file", 422),
    ],
)
def test_a_document_with_problems_is_refused_by_field(
    area: Area, change: dict[str, Any], field: str, status: int
) -> None:
    response = api(Role.COORDINATOR, area).post(
        documents_url(area), document(**change), format="multipart"
    )
    assert response.status_code == status
    assert field in response.json()["error"]["fields"]
    assert not StrategyDocument.objects.exists()


def test_a_document_over_the_size_cap_is_refused(area: Area, settings: Any) -> None:
    settings.UPLOAD_MAX_FILE_SIZE = len(PDF) - 1
    response = api(Role.COORDINATOR, area).post(documents_url(area), document(), format="multipart")
    assert response.status_code == 422 and "file" in response.json()["error"]["fields"]


def test_who_may_add_a_document(area: Area) -> None:
    elsewhere = api(Role.COORDINATOR, AreaFactory.create())
    assert elsewhere.post(documents_url(area), document(), format="multipart").status_code == 404
    reader = api(Role.BOARD_MEMBER, area)
    assert reader.post(documents_url(area), document(), format="multipart").status_code == 403
    outsider = api(Role.PRACTITIONER, area)
    assert outsider.post(documents_url(area), document(), format="multipart").status_code == 403
    keeper = api(Role.COORDINATOR, area)
    past = documents_url(area, 1999)
    assert keeper.post(past, document(), format="multipart").status_code == 404
    assert not StrategyDocument.objects.exists()
