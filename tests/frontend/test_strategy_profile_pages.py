"""Strategy profile pages: who may read and keep which area's profile, the form, sessions,
documents and the library, the import with its progress, and the national comparison."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import Area, Membership, Role
from audit.models import AuditAction, AuditEvent
from reports.models import (
    ProfileImport,
    StrategyDocument,
    StrategyProfile,
    StrategySession,
    year_label,
)
from reports.profile_imports import COLUMNS
from reports.profiles import reporting_year
from tests.factories import AgencyFactory, AreaFactory, member, sign_in

pytestmark = pytest.mark.django_db

YEAR = 2025
ANSWERS = {
    "protocol": "in_place",
    "protocol_reviewed_on_day": "1",
    "protocol_reviewed_on_month": "6",
    "protocol_reviewed_on_year": "2025",
    "protocol_reviewed_since_guidance": "yes",
    "sub_group": "yes",
    "lead_professional_agencies": ["police", "health"],
    "coordinator": "in_post",
    "specialist_service": "planned",
    "awareness_professionals": "delivered",
    "awareness_young_people": "planned",
    "awareness_parents_and_carers": "none",
    "training_identification": "delivered",
    "training_protection": "none",
    "training_evidence_gathering": "none",
    "disruption_activity": "active",
    "local_data_collection": "no",
}
PDF = b"%PDF-1.4\n% a synthetic protocol\n"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def area() -> Area:
    return AreaFactory.create()


def signed_in(client: Client, role: Role, area: Area | None) -> Any:
    user = member(role, area=None if role is Role.NATIONAL_ANALYST else area)
    sign_in(client, user)
    return user


def profile_url(name: str, area: Area, year: int = YEAR) -> str:
    return reverse(f"frontend:{name}", kwargs={"ons_code": area.ons_code, "year": year})


READ = {Role.BOARD_MEMBER, Role.COORDINATOR, Role.AREA_ADMINISTRATOR}
KEEP = {Role.COORDINATOR, Role.AREA_ADMINISTRATOR}
CASEWORK = [Role.PRACTITIONER, Role.AGENCY_SAFEGUARDING_LEAD, Role.LEAD_PROFESSIONAL]


@pytest.mark.parametrize("role", [*sorted(READ), *CASEWORK, Role.POLICE_LEAD])
@pytest.mark.parametrize("same_area", [True, False])
def test_the_profile_and_its_form_answer_by_role_and_area(
    client: Client, area: Area, role: Role, same_area: bool
) -> None:
    signed_in(client, role, area if same_area else AreaFactory.create())
    page = client.get(profile_url("strategy-profile", area)).status_code
    edit = client.get(profile_url("strategy-profile-edit", area)).status_code
    sessions = client.get(reverse("frontend:strategy-sessions", args=[area.ons_code])).status_code

    if role not in READ:
        assert (page, edit, sessions) == (403, 403, 403)  # no strategy pages at all
    elif not same_area:
        assert (page, edit, sessions) == (404, 404, 404)  # another area's: as if not there
    else:
        assert (page, sessions) == (200, 200)
        assert edit == (200 if role in KEEP else 403)


def test_a_national_analyst_reads_every_area_but_keeps_none(client: Client, area: Area) -> None:
    signed_in(client, Role.NATIONAL_ANALYST, None)
    assert client.get(profile_url("strategy-profile", area)).status_code == 200
    assert client.get(profile_url("strategy-profile-edit", area)).status_code == 403
    url = reverse("frontend:strategy-sessions", args=[area.ons_code])
    assert client.post(url, {}).status_code == 403


def test_a_year_the_service_does_not_keep_is_not_found(client: Client, area: Area) -> None:
    signed_in(client, Role.COORDINATOR, area)
    assert client.get(profile_url("strategy-profile", area, 1999)).status_code == 404
    assert client.get(profile_url("strategy-profile-edit", area, 2999)).status_code == 404


def test_answering_saves_the_profile_and_records_the_changed_fields(
    client: Client, area: Area
) -> None:
    coordinator = signed_in(client, Role.COORDINATOR, area)

    response = client.post(profile_url("strategy-profile-edit", area), ANSWERS)

    assert response.status_code == 302
    profile = StrategyProfile.objects.get(area=area, year=YEAR)
    assert profile.responded and profile.submitted_by == coordinator
    assert profile.lead_professional_agencies == ["health", "police"]
    assert str(profile.protocol_reviewed_on) == "2025-06-01"
    created = AuditEvent.objects.get(action=AuditAction.CREATE, area_id=area.pk)
    assert "coordinator" in created.details["changed"]

    client.post(profile_url("strategy-profile-edit", area), {**ANSWERS, "coordinator": "planned"})

    change = AuditEvent.objects.get(action=AuditAction.CHANGE, area_id=area.pk)
    assert change.details["changed"] == ["coordinator"]
    html = client.get(profile_url("strategy-profile", area)).content.decode()
    assert "Planned" in html and "Health, Police" in html


def test_a_form_with_problems_shows_them_by_field_and_saves_nothing(
    client: Client, area: Area
) -> None:
    signed_in(client, Role.AREA_ADMINISTRATOR, area)
    bad = {**ANSWERS, "protocol_reviewed_on_year": "1999", "coordinator": "sometimes"}
    del bad["sub_group"]

    response = client.post(profile_url("strategy-profile-edit", area), bad)

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "<title>Error: " in html
    assert 'href="#id_sub_group"' in html and 'href="#id_coordinator"' in html
    assert "Answer: does the partnership have a sub group on exploitation" in html
    assert not StrategyProfile.objects.exists()

    del bad["coordinator"], bad["protocol_reviewed_on_year"]
    response = client.post(
        profile_url("strategy-profile-edit", area),
        {**ANSWERS, "protocol_reviewed_on_year": "1999"},
    )
    assert "Enter a date from 1 January 2000 to 31 March 2026" in response.content.decode()
    assert not StrategyProfile.objects.exists()


def test_logged_sessions_show_beside_the_answers_they_measure(client: Client, area: Area) -> None:
    signed_in(client, Role.COORDINATOR, area)
    agency = Membership.objects.get(role=Role.COORDINATOR, area=area).agency
    url = reverse("frontend:strategy-sessions", args=[area.ons_code])
    session = {
        "kind": "awareness",
        "audience": "professionals",
        "held_on_day": "10",
        "held_on_month": "6",
        "held_on_year": "2025",
        "agency": agency.pk if agency else "",
        "attending": "10",
    }
    assert client.post(url, session).status_code == 302
    assert client.post(url, {**session, "attending": "15"}).status_code == 302
    before_the_year = {**session, "held_on_month": "3", "attending": "99"}  # 2024-25
    assert client.post(url, before_the_year).status_code == 302

    html = client.get(profile_url("strategy-profile", area)).content.decode()

    row = html.split("Awareness raising with professionals</th>")[1].split("</tr>")[0]
    assert re.findall(r'numeric">(\d+)</td>', row) == ["2", "25"]
    assert StrategySession.objects.count() == 3


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"kind": "training", "topic": ""}, "topic", "Choose what the training was on"),
        ({"attending": "0"}, "attending", "Enter how many people attended, 1 or more"),
        ({"held_on_year": "2030"}, "held_on", "Enter a date from 1 January 2000 to today"),
        ({"agency": "other"}, "agency", "Choose the agency"),
    ],
)
def test_a_session_with_problems_is_not_logged(
    client: Client, area: Area, change: dict[str, str], field: str, message: str
) -> None:
    signed_in(client, Role.COORDINATOR, area)
    agency = Membership.objects.get(role=Role.COORDINATOR, area=area).agency
    other_agency = AgencyFactory.create(areas=[AreaFactory.create()])
    session = {
        "kind": "awareness",
        "audience": "young_people",
        "held_on_day": "1",
        "held_on_month": "5",
        "held_on_year": "2025",
        "agency": agency.pk if agency else "",
        "attending": "5",
    }
    if change.get("agency") == "other":
        change = {"agency": str(other_agency.pk)}
    response = client.post(
        reverse("frontend:strategy-sessions", args=[area.ons_code]), {**session, **change}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="#id_{field}' in html and message in html
    assert not StrategySession.objects.exists()


def test_a_document_joins_the_library_that_every_area_searches_and_downloads(
    client: Client, area: Area
) -> None:
    signed_in(client, Role.COORDINATOR, area)
    add = profile_url("strategy-document-add", area)
    assert "Do not upload case records" in client.get(add).content.decode()
    upload = SimpleUploadedFile("protocol.pdf", PDF)
    response = client.post(
        add, {"title": "Exploitation protocol", "kind": "protocol", "file": upload}
    )
    assert response.status_code == 302
    document = StrategyDocument.objects.get()
    assert (document.profile.area, document.profile.responded) == (area, False)

    reader = Client()
    signed_in(reader, Role.BOARD_MEMBER, AreaFactory.create())  # another area's board member
    library = reader.get(
        reverse("frontend:strategy-library"), {"text": "PROTOCOL", "kind": "protocol"}
    )
    assert "Exploitation protocol" in library.content.decode()
    empty = reader.get(reverse("frontend:strategy-library"), {"text": "terms"})
    assert "Exploitation protocol" not in empty.content.decode()
    download = reader.get(reverse("frontend:strategy-library-download", args=[document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert download["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, details__download="protocol.pdf"
    ).exists()

    outsider = Client()
    signed_in(outsider, Role.PRACTITIONER, area)
    assert outsider.get(reverse("frontend:strategy-library")).status_code == 403
    url = reverse("frontend:strategy-library-download", args=[document.pk])
    assert outsider.get(url).status_code == 403


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("run.exe", b"MZ", "The selected file must be a PDF, DOCX, ODT or TXT"),
        ("protocol.pdf", b"not really a pdf", "The selected file is not a PDF file"),
        ("notes.txt", b"\x00\x01binary", "The selected file is not a TXT file"),
        ("big.pdf", PDF + b"x" * 2048, "The selected file must be smaller than"),
    ],
)
def test_a_document_of_the_wrong_kind_or_size_is_refused(
    client: Client, area: Area, settings: Any, name: str, content: bytes, message: str
) -> None:
    settings.UPLOAD_MAX_FILE_SIZE = 1024
    signed_in(client, Role.AREA_ADMINISTRATOR, area)
    upload = SimpleUploadedFile(name, content)
    response = client.post(
        profile_url("strategy-document-add", area), {"title": "A", "kind": "other", "file": upload}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'href="#id_file"' in html
    assert not StrategyDocument.objects.exists()


def test_a_document_larger_than_other_requests_may_be_is_accepted(
    client: Client, area: Area
) -> None:
    # Request bodies are capped at 1 MB; a page's file upload may be up to the file cap.
    signed_in(client, Role.COORDINATOR, area)
    upload = SimpleUploadedFile("protocol.pdf", PDF + b"x" * (2 * 1024 * 1024))
    response = client.post(
        profile_url("strategy-document-add", area),
        {"title": "A", "kind": "protocol", "file": upload},
    )
    assert response.status_code == 302
    assert StrategyDocument.objects.get().size > 2 * 1024 * 1024


def csv_file(rows: list[dict[str, str]]) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile("answers.csv", out.getvalue().encode())


def test_an_import_shows_its_problems_or_what_it_imported(
    client: Client, area: Area, django_capture_on_commit_callbacks: Any
) -> None:
    signed_in(client, Role.NATIONAL_ANALYST, None)
    start = reverse("frontend:strategy-import-start")
    assert "Download the template" in client.get(start).content.decode()
    template = client.get(reverse("frontend:strategy-import-template"))
    assert template.content.decode().splitlines()[0] == ",".join(COLUMNS)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            start,
            {"file": csv_file([{"ons_code": "E99999999", "year": "2025", "responded": "no"}])},
        )
    html = client.get(response["Location"]).content.decode()
    assert "Nothing was imported" in html and "Unknown area code" in html
    assert "<code>ons_code</code>" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            start,
            {"file": csv_file([{"ons_code": area.ons_code, "year": "2025", "responded": "no"}])},
        )
    status = client.get(response["Location"])
    assert "1 area profile imported" in status.content.decode()
    job = ProfileImport.objects.get(status="imported")
    progress = client.get(reverse("frontend:strategy-import-progress", args=[job.pk]))
    assert progress.json() == {"status": "imported", "rows_checked": 1, "rows_total": 1}

    another = Client()
    signed_in(another, Role.NATIONAL_ANALYST, None)
    assert another.get(response["Location"]).status_code == 404  # only its uploader's


@pytest.mark.usefixtures("redis_down")
def test_with_the_queue_down_an_import_page_says_nothing_was_imported_and_why(
    client: Client, area: Area, django_capture_on_commit_callbacks: Any
) -> None:
    signed_in(client, Role.NATIONAL_ANALYST, None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("frontend:strategy-import-start"),
            {"file": csv_file([{"ons_code": area.ons_code, "year": "2025", "responded": "no"}])},
        )
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Nothing was imported" in html
    assert "the service that runs imports is unavailable" in html
    assert "Upload the file again" in html and "Checking" not in html


def test_a_checking_import_shows_a_progress_bar_fed_by_its_job(client: Client) -> None:
    analyst = signed_in(client, Role.NATIONAL_ANALYST, None)
    from django.utils import timezone

    job = ProfileImport.objects.create(
        original_name="big.csv",
        uploaded_by=analyst,
        uploaded_at=timezone.now(),
        rows_total=1000,
        rows_checked=250,
    )
    html = client.get(reverse("frontend:strategy-import", args=[job.pk])).content.decode()
    assert '<progress class="app-progress" max="1000" value="250"' in html
    assert "250 of 1000 rows checked" in html
    assert "frontend/import-progress.js" in html
    progress = client.get(reverse("frontend:strategy-import-progress", args=[job.pk]))
    assert progress.json() == {"status": "checking", "rows_checked": 250, "rows_total": 1000}


def test_the_import_page_states_its_limits_and_an_overdue_job_shows_as_failed(
    client: Client,
) -> None:
    analyst = signed_in(client, Role.NATIONAL_ANALYST, None)
    from django.utils import timezone

    page = client.get(reverse("frontend:strategy-import-start")).content.decode()
    assert (
        "Limits: a file of at most 10 MB; at most 10,000 rows under the header; at most 1,000 "
        "characters in a cell; an XLSX workbook that unpacks to at most 16 MB. A check that "
        "has not finished after 15 minutes is stopped." in page
    )
    job = ProfileImport.objects.create(
        original_name="big.csv",
        uploaded_by=analyst,
        uploaded_at=timezone.now() - timedelta(minutes=16),
    )
    progress = client.get(reverse("frontend:strategy-import-progress", args=[job.pk]))
    assert progress.json()["status"] == "failed"
    html = client.get(reverse("frontend:strategy-import", args=[job.pk])).content.decode()
    assert "Nothing was imported" in html and "did not finish within 15 minutes" in html


@pytest.mark.parametrize(
    ("role", "may_import", "may_compare"),
    [
        (Role.NATIONAL_ANALYST, True, True),
        (Role.BOARD_MEMBER, False, True),
        (Role.COORDINATOR, False, False),
        (Role.AREA_ADMINISTRATOR, False, False),
        (Role.PRACTITIONER, False, False),
    ],
)
def test_import_and_comparison_by_role(
    client: Client, area: Area, role: Role, may_import: bool, may_compare: bool
) -> None:
    signed_in(client, role, area)
    assert client.get(reverse("frontend:strategy-import-start")).status_code == (
        200 if may_import else 403
    )
    comparison = client.get(reverse("frontend:strategy-comparison"))
    assert comparison.status_code == (200 if may_compare else 403)


def test_the_comparison_states_its_assumption_and_suppresses_small_counts(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    areas = [AreaFactory.create() for _ in range(10)]
    for area in areas[:3]:
        StrategyProfile.objects.create(area=area, year=YEAR, responded=True, coordinator="in_post")
    signed_in(client, Role.NATIONAL_ANALYST, None)

    with django_assert_max_num_queries(20):
        response = client.get(reverse("frontend:strategy-comparison"), {"year": str(YEAR)})

    html = response.content.decode()
    assert "assuming an area that did not respond has none of it" in html
    assert "national comparison" in html.lower()
    row = html.split("Coordinator in post</th>")[1].split("</tr>")[0]
    assert ">c<" in row and ">3<" not in row
    # 3 responded and 7 did not, of 10: both hidden, or 7 would give the 3 away.
    assert "c of 10 areas answered for 2025-26; c did not." in html
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, details__national_comparison=YEAR
    ).exists()


def test_the_profile_and_library_pages_read_in_a_fixed_number_of_queries(
    client: Client, area: Area, django_assert_max_num_queries: Any
) -> None:
    from django.utils import timezone

    coordinator = signed_in(client, Role.COORDINATOR, area)
    profile = StrategyProfile.objects.create(area=area, year=YEAR, responded=True)
    for n in range(5):
        StrategyDocument.objects.create(
            profile=profile,
            title=f"Document {n}",
            kind="other",
            file=f"strategy-documents/{n}.pdf",
            original_name=f"{n}.pdf",
            size=10,
            uploaded_by=coordinator,
            uploaded_at=timezone.now(),
        )

    with django_assert_max_num_queries(25):
        assert client.get(profile_url("strategy-profile", area)).status_code == 200
    with django_assert_max_num_queries(20):
        library = client.get(reverse("frontend:strategy-library"))
    assert library.content.decode().count("Document ") == 5


def test_an_upload_larger_than_the_multipart_cap_is_refused_before_it_is_read(
    client: Client, area: Area, settings: Any
) -> None:
    settings.MULTIPART_UPLOAD_MAX_SIZE = 4096
    signed_in(client, Role.COORDINATOR, area)
    upload = SimpleUploadedFile("protocol.pdf", PDF + b"x" * 8192)
    response = client.post(
        profile_url("strategy-document-add", area),
        {"title": "A", "kind": "protocol", "file": upload},
    )
    assert response.status_code == 413
    assert not StrategyDocument.objects.exists()


def test_with_no_profile_answered_the_comparison_says_so_and_lists_recent_years(
    client: Client,
) -> None:
    AreaFactory.create()
    signed_in(client, Role.NATIONAL_ANALYST, None)
    html = client.get(reverse("frontend:strategy-comparison")).content.decode()
    latest = reporting_year(timezone.localdate())
    assert f"No strategy profiles answered for {year_label(latest)} yet" in html
    assert "<table" not in html and "of 1 areas answered" not in html
    years = re.findall(r'<option value="(\d{4})"', html)
    assert years == [str(year) for year in range(latest, latest - 6, -1)]


def test_the_comparisons_years_reach_back_to_the_first_answered_and_no_further(
    client: Client,
) -> None:
    latest = reporting_year(timezone.localdate())
    StrategyProfile.objects.create(area=AreaFactory.create(), year=latest - 9, responded=True)
    signed_in(client, Role.NATIONAL_ANALYST, None)
    html = client.get(reverse("frontend:strategy-comparison")).content.decode()
    years = re.findall(r'<option value="(\d{4})"', html)
    assert years[0] == str(latest) and years[-1] == str(latest - 9)
    assert len(years) == 10
