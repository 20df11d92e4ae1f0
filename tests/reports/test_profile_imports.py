"""Importing many areas' strategy profiles: a whole valid file or nothing, every bad cell named
by row and column, and the 2010 study's dataset reproducing its headline statements."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from agencies.models import Role
from audit.models import AuditAction, AuditEvent
from reports.models import ImportStatus, ProfileImport, StrategyProfile
from reports.profile_imports import (
    COLUMNS,
    NOT_QUEUED,
    check_rows,
    profile_import_start,
    template_csv,
)
from reports.profiles import national_comparison
from tests.factories import AreaFactory, member
from tests.redis_server import RedisOutage
from tests.reports.study_2010 import YEAR, study_areas, study_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def rows_csv(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def answered(code: str, **changes: str) -> dict[str, str]:
    """A responding row, taken from the template's example."""
    header, example = list(csv.reader(io.StringIO(template_csv())))[:2]
    example_row = dict(zip(header, example, strict=True))
    return {
        **example_row,
        "ons_code": code,
        "year": "2025",
        "protocol_reviewed_on": "2025-05-01",
        **changes,
    }


def problems(job: ProfileImport) -> set[tuple[int, str]]:
    return {(p["row"], p["column"]) for p in job.problems}


def test_a_valid_file_imports_every_row_with_an_audit_record_each(
    run_import: Callable[..., ProfileImport],
) -> None:
    first, second = AreaFactory.create(), AreaFactory.create()
    content = rows_csv(
        [
            answered(first.ons_code),
            {"ons_code": second.ons_code.lower(), "year": "2025", "responded": "No"},
        ]
    )

    job = run_import(content)

    assert (job.status, job.imported, job.rows_total, job.rows_checked) == ("imported", 2, 2, 2)
    profile = StrategyProfile.objects.get(area=first, year=2025)
    assert profile.responded and profile.coordinator == "in_post"
    assert profile.lead_professional_agencies == ["education", "health", "police"]
    assert str(profile.protocol_reviewed_on) == "2025-05-01"
    silent = StrategyProfile.objects.get(area=second, year=2025)
    assert not silent.responded and silent.protocol == "none" and silent.submitted_at is None
    events = AuditEvent.objects.filter(action=AuditAction.CREATE, details__has_key="changed")
    assert {e.area_id for e in events} == {first.pk, second.pk}


@pytest.mark.parametrize("good", [True, False], ids=["imported", "failed"])
def test_an_ended_job_keeps_no_file(
    run_import: Callable[..., ProfileImport], tmp_path: Path, good: bool
) -> None:
    area = AreaFactory.create()
    job = run_import(rows_csv([answered(area.ons_code, year="2025" if good else "1066")]))

    assert job.status == (ImportStatus.IMPORTED if good else ImportStatus.FAILED)
    assert job.file.name == ""
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_labels_in_any_case_are_read_as_their_choice(
    run_import: Callable[..., ProfileImport],
) -> None:
    area = AreaFactory.create()
    job = run_import(rows_csv([answered(area.ons_code, coordinator="In Post", protocol="NONE")]))
    assert job.status == ImportStatus.IMPORTED
    assert StrategyProfile.objects.get(area=area).coordinator == "in_post"


def one_bad_cell(column: str, value: str, message: str, id: str) -> Any:
    """A file whose only row is good but for one answer."""
    return pytest.param(
        lambda code: rows_csv([answered(code, **{column: value})]), {(2, column)}, message, id=id
    )


BAD_INPUT = [
    pytest.param(
        lambda code: rows_csv([answered(code)], columns=COLUMNS[:-1]),
        {(1, "local_data_collection")},
        "This column is missing",
        id="missing column",
    ),
    pytest.param(
        lambda code: rows_csv([answered(code), answered("E99999999")]),
        {(3, "ons_code")},
        "Unknown area code 'E99999999'",
        id="unknown area code",
    ),
    one_bad_cell(
        "protocol_reviewed_on",
        "1999-12-31",
        "Enter a date from 1 January 2000 to 31 March 2026",
        id="date out of range",
    ),
    one_bad_cell(
        "protocol_reviewed_on",
        "9999-12-31",
        "Enter a date from 1 January 2000 to 31 March 2026",
        id="a date nobody could mean",
    ),
    pytest.param(
        lambda code: rows_csv([answered(code), answered(code, coordinator="none")]),
        {(3, "ons_code")},
        "appears twice for 2025-26 (also row 2)",
        id="duplicate row",
    ),
    one_bad_cell(
        "coordinator", "sometimes", "Enter one of: none, planned, in_post", id="bad choice"
    ),
    one_bad_cell("year", "1999", "Enter a reporting year from 2000 to", id="year out of range"),
    one_bad_cell(
        "protocol_reviewed_on", "31/03/2025", "Enter a date as YYYY-MM-DD", id="unreadable date"
    ),
    pytest.param(
        lambda code: rows_csv([answered(code, responded="no")]),
        {(2, column) for column in COLUMNS[3:] if column != "protocol_reviewed_on"}
        | {(2, "protocol_reviewed_on")},
        "Leave this empty: the area did not respond",
        id="answers from an area that did not respond",
    ),
    one_bad_cell("sub_group", "", "Answer this: the area responded", id="unanswered question"),
    one_bad_cell(
        "lead_professional_agencies",
        "police;bakers",
        "Unknown agency type 'bakers'",
        id="unknown agency type",
    ),
    pytest.param(
        lambda code: rows_csv([answered(code)], columns=(*COLUMNS, "notes", "year")),
        {(1, "notes"), (1, "year")},
        "Unknown column: remove it or check its name",
        id="unknown or repeated column",
    ),
    pytest.param(
        lambda code: b"ons_code,year\xff\n",
        {(1, "file")},
        "The file is not UTF-8 text",
        id="not utf-8",
    ),
]


@pytest.mark.parametrize(("content", "expected", "message"), BAD_INPUT)
def test_bad_input_is_reported_by_row_and_column_and_nothing_is_imported(
    run_import: Callable[..., ProfileImport],
    content: Callable[[str], bytes],
    expected: set[tuple[int, str]],
    message: str,
) -> None:
    # A good row first: a file with one problem anywhere imports nothing at all.
    area = AreaFactory.create()
    job = run_import(content(area.ons_code))

    assert job.status == ImportStatus.FAILED
    assert problems(job) == expected
    assert any(message in p["message"] for p in job.problems), job.problems
    assert not StrategyProfile.objects.exists()


def test_an_xlsx_file_is_read_like_a_csv_with_its_date_cells(
    run_import: Callable[..., ProfileImport],
) -> None:
    from datetime import datetime

    area = AreaFactory.create()
    sheet_book = Workbook()
    sheet = sheet_book.active
    assert sheet is not None
    row = answered(area.ons_code)
    sheet.append(list(COLUMNS))
    sheet.append(
        [
            datetime(2025, 5, 1)
            if c == "protocol_reviewed_on"
            else (2025 if c == "year" else row[c])
            for c in COLUMNS
        ]
    )
    sheet.append([None] * len(COLUMNS))  # a blank row is not a row
    out = io.BytesIO()
    sheet_book.save(out)

    job = run_import(out.getvalue(), "profiles.xlsx")

    assert job.status == ImportStatus.IMPORTED, job.problems
    assert str(StrategyProfile.objects.get(area=area).protocol_reviewed_on) == "2025-05-01"


def test_a_file_that_is_not_a_workbook_is_reported(
    run_import: Callable[..., ProfileImport],
) -> None:
    job = run_import(b"not a zip", "profiles.xlsx")
    assert job.problems == [
        {"row": 1, "column": "file", "message": "The file is not an XLSX workbook that can be read"}
    ]


def test_other_file_types_and_other_roles_are_refused() -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    analyst = member(Role.NATIONAL_ANALYST)
    with pytest.raises(ValidationError, match="CSV or XLSX"):
        profile_import_start(actor=analyst, upload=SimpleUploadedFile("a.pdf", b"%PDF-"))
    for role in (Role.COORDINATOR, Role.AREA_ADMINISTRATOR, Role.BOARD_MEMBER):
        with pytest.raises(PermissionDenied):
            profile_import_start(actor=member(role), upload=SimpleUploadedFile("a.csv", b"x"))
    assert not ProfileImport.objects.exists()


def test_progress_is_reported_as_rows_are_checked() -> None:
    areas = [AreaFactory.create() for _ in range(3)]
    header, *_ = list(csv.reader(io.StringIO(template_csv())))
    rows = [list(answered(area.ons_code).values()) for area in areas * 40]  # 120 rows
    seen: list[int] = []

    from django.utils import timezone

    found, _ = check_rows(header, rows, today=timezone.localdate(), progress=seen.append)

    assert seen == sorted(seen) and seen[-1] == 120 and len(seen) > 10
    assert len(found) == 117  # every row after the first three repeats an area


def test_the_2010_study_dataset_reproduces_its_headline_statements(
    run_import: Callable[..., ProfileImport],
) -> None:
    job = run_import(study_csv(study_areas()))
    assert (job.status, job.imported) == (ImportStatus.IMPORTED, 144), job.problems[:3]

    comparison = national_comparison(user=member(Role.NATIONAL_ANALYST), year=YEAR)

    assert (comparison.all_areas.text, comparison.responding.text) == ("144", "101")
    assert comparison.not_responding.text == "43"
    items = {row.key: row for row in comparison.items}
    coordinators = items["coordinator_in_post"]
    assert (coordinators.count.text, coordinators.of_all.text) == ("29", "20.1%")
    assert coordinators.of_responding.text == "28.7%"
    assert (items["current_protocol"].count.text, items["current_protocol"].of_all.text) == (
        "30",
        "20.8%",
    )
    specialist = items["specialist_service_in_place"]
    assert (specialist.count.text, specialist.of_all.text) == ("25", "17.4%")
    groups = {row.key: row for row in comparison.groups}
    assert groups["dual_strategy"].count.text == "20"
    assert (groups["no_plans"].count.text, groups["no_plans"].of_responding.text) == ("34", "33.7%")
    assert groups["no_plans"].of_all.text == "53.5%"  # the non-responders counted as no plans
    assert comparison.statements == [
        "Coordinator in post in fewer than a quarter of areas: 29 of 144 (20.1%); "
        "28.7% of the 101 that responded",
        "Protocol in place and reviewed since current guidance in fewer than a quarter of "
        "areas: 30 of 144 (20.8%); 29.7% of the 101 that responded",
        "Specialist service in place in fewer than a quarter of areas: 25 of 144 (17.4%); "
        "24.8% of the 101 that responded",
        "Without plans for the dual strategy: about a third of the areas that responded "
        "(34 of 101, 33.7%)",
    ]
    protocol_awareness = comparison.cross_tables[0].cells
    assert {cell: f.text for cell, f in protocol_awareness.items()} == {
        "yes_yes": "60",
        "yes_no": "0",
        "no_yes": "0",
        "no_no": "84",
    }


def test_a_job_is_run_once_and_keeps_only_its_first_problems(
    run_import: Callable[..., ProfileImport],
) -> None:
    from reports.profile_imports import PROBLEMS_KEPT, profile_import_run

    rows = [{"ons_code": f"E99{n:06d}", "year": "2025", "responded": "no"} for n in range(600)]
    job = run_import(rows_csv(rows))
    assert job.status == ImportStatus.FAILED
    assert len(job.problems) == PROBLEMS_KEPT and job.problems[0]["row"] == 2

    area = AreaFactory.create()
    done = run_import(rows_csv([answered(area.ons_code)]))
    StrategyProfile.objects.all().delete()
    again = profile_import_run(job_id=str(done.pk))
    assert again.status == ImportStatus.IMPORTED and not StrategyProfile.objects.exists()


def test_with_the_queue_down_an_import_fails_at_once_saying_why(
    run_import: Callable[..., ProfileImport], redis_down: RedisOutage
) -> None:
    area = AreaFactory.create()
    job = run_import(rows_csv([answered(area.ons_code)]))
    assert job.status == ImportStatus.FAILED  # never "checking" for ever
    assert job.problems == [NOT_QUEUED.as_json()]
    assert job.finished_at is not None
    assert not StrategyProfile.objects.exists()

    with redis_down.back():  # Redis returns: the next upload is queued for a worker
        job = run_import(rows_csv([answered(area.ons_code)]))
        assert job.status == ImportStatus.CHECKING
