"""Hostile and damaged import files: every one ends in problems for the person who sent it,
never in an error, a job left "checking" or a return imported without all its rows."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from openpyxl import Workbook

from agencies.models import Role
from reports import profile_imports
from reports.models import ImportStatus, NationalReturn, ProfileImport, StrategyProfile
from reports.national import COLUMNS, ImportRefused, national_returns_import
from reports.profile_imports import JOB_DEADLINE, profile_import, profile_imports_expire
from reports.tables import Caps, TableError, csv_rows, xlsx_rows
from reports.tasks import expire_profile_imports
from tests.factories import AreaFactory, member
from tests.reports.test_national import file_of, good_row, import_text, produce
from tests.reports.test_profile_imports import answered, rows_csv

pytestmark = pytest.mark.django_db

# Longer than the csv module reads in one cell (131,072 characters): on one line, and quoted
# over many short lines.
HUGE_CELL = "x" * 200_000
HUGE_QUOTED = '"' + ("x" * 1_000 + "\n") * 200 + '"'


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def workbook(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bomb(unpacked: int) -> bytes:
    """A small file whose one member unpacks to `unpacked` bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * unpacked)
    return out.getvalue()


# --- Strategy profile import jobs ---------------------------------------------------------


def only_problem(job: ProfileImport) -> str:
    assert job.status == ImportStatus.FAILED, job.status
    assert not StrategyProfile.objects.exists()
    [problem] = job.problems
    return str(problem["message"])


def test_a_csv_cell_longer_than_the_csv_module_reads_fails_the_job_with_a_problem(
    run_import: Callable[..., ProfileImport],
) -> None:
    area = AreaFactory.create()
    quoted = rows_csv([answered(area.ons_code)]) + f"{area.ons_code},{HUGE_QUOTED}\n".encode()
    assert "cannot be read as CSV" in only_problem(run_import(quoted))
    unquoted = rows_csv([answered(area.ons_code, protocol=HUGE_CELL)])
    assert "longer than" in only_problem(run_import(unquoted))


def test_a_cell_over_the_cap_fails_the_job_naming_its_row(
    run_import: Callable[..., ProfileImport],
) -> None:
    area = AreaFactory.create()
    long = "police;" * 200  # 1,400 characters
    job = run_import(rows_csv([answered(area.ons_code), answered(area.ons_code, sub_group=long)]))
    assert "A cell in row 3 is longer than 1,000 characters" in only_problem(job)
    assert job.problems[0]["row"] == 3


def test_a_truncated_workbook_fails_the_job_with_a_problem(
    run_import: Callable[..., ProfileImport],
) -> None:
    area = AreaFactory.create()
    whole = workbook([list(answered(area.ons_code)), list(answered(area.ons_code).values())])
    for cut in (len(whole) // 2, len(whole) - 30):
        job = run_import(whole[:cut], "profiles.xlsx")
        assert "not an XLSX workbook that can be read" in only_problem(job)


def test_a_damaged_sheet_inside_a_whole_archive_fails_the_job_with_a_problem(
    run_import: Callable[..., ProfileImport],
) -> None:
    whole = workbook([["ons_code"], ["E08000018"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(whole)) as source, zipfile.ZipFile(out, "w") as damaged:
        for member_name in source.namelist():
            content = source.read(member_name)
            if member_name == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]  # XML cut mid-element: a ParseError
            damaged.writestr(member_name, content)
    job = run_import(out.getvalue(), "profiles.xlsx")
    assert "may be damaged or cut short" in only_problem(job)


def test_a_workbook_that_unpacks_beyond_the_cap_is_refused_before_it_is_parsed(
    run_import: Callable[..., ProfileImport],
) -> None:
    bomb = zip_bomb(profile_imports.CAPS.unpacked + 1)
    assert len(bomb) < 100_000
    assert "unpacks to more than 16 MB" in only_problem(run_import(bomb, "profiles.xlsx"))


def test_a_file_with_more_rows_than_the_cap_fails_the_job(
    run_import: Callable[..., ProfileImport], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(profile_imports, "CAPS", Caps(rows=3, cell=1_000))
    areas = [AreaFactory.create() for _ in range(4)]
    rows = [answered(area.ons_code) for area in areas]
    assert run_import(rows_csv(rows[:3])).status == ImportStatus.IMPORTED
    StrategyProfile.objects.all().delete()
    for content, name in (
        (rows_csv(rows), "profiles.csv"),
        (workbook([list(rows[0]), *(list(row.values()) for row in rows)]), "profiles.xlsx"),
    ):
        message = only_problem(run_import(content, name))
        assert (
            message == "The file has more than 3 rows under its header: split it into smaller files"
        )


def test_an_unexpected_fault_while_checking_fails_the_job(
    run_import: Callable[..., ProfileImport], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a fault in the service")

    monkeypatch.setattr(profile_imports, "check_rows", broken)
    job = run_import(rows_csv([answered(AreaFactory.create().ons_code)]))
    assert "fault in the service" in only_problem(job)


def stuck_job(minutes_ago: float) -> ProfileImport:
    """A job whose worker never finished it (died, or its task was never queued)."""
    job = ProfileImport(
        original_name="profiles.csv",
        uploaded_by=member(Role.NATIONAL_ANALYST),
        uploaded_at=timezone.now() - timedelta(minutes=minutes_ago),
    )
    job.file.save("profiles.csv", ContentFile(b"ons_code\n"), save=False)
    job.save()
    return job


def test_a_job_still_checking_after_its_deadline_is_failed_by_the_timed_job() -> None:
    deadline = JOB_DEADLINE.total_seconds() / 60
    overdue, recent = stuck_job(deadline + 1), stuck_job(deadline - 1)
    done = stuck_job(deadline + 5)
    ProfileImport.objects.filter(pk=done.pk).update(status=ImportStatus.IMPORTED)

    assert expire_profile_imports() == 1

    statuses = dict(ProfileImport.objects.values_list("pk", "status"))
    assert statuses == {
        overdue.pk: ImportStatus.FAILED,
        recent.pk: ImportStatus.CHECKING,
        done.pk: ImportStatus.IMPORTED,
    }
    overdue.refresh_from_db()
    assert overdue.finished_at and "did not finish within 15 minutes" in only_problem(overdue)
    assert profile_imports_expire(now=timezone.now()) == 0


def test_the_deadline_is_checked_every_minute(settings: Any) -> None:
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["reports-profile-imports-expire"]
    assert (entry["task"], entry["schedule"]) == ("reports.profile_imports_expire", 60.0)
    assert app.tasks[entry["task"]].name == expire_profile_imports.name


def test_a_job_still_checking_after_its_deadline_is_failed_when_read() -> None:
    overdue = stuck_job(JOB_DEADLINE.total_seconds() / 60 + 1)
    read = profile_import(user=overdue.uploaded_by, pk=overdue.pk)
    assert read.status == ImportStatus.FAILED
    assert ProfileImport.objects.get(pk=overdue.pk).status == ImportStatus.FAILED


def test_a_job_failed_at_its_deadline_is_not_imported_by_a_late_worker() -> None:
    overdue = stuck_job(JOB_DEADLINE.total_seconds() / 60 + 1)
    overdue.file.save("p.csv", ContentFile(rows_csv([answered(AreaFactory.create().ons_code)])))
    profile_imports_expire(now=timezone.now())
    assert profile_imports.profile_import_run(job_id=str(overdue.pk)).status == "failed"
    assert not StrategyProfile.objects.exists()


# --- The readers --------------------------------------------------------------------------


def test_the_csv_reader_stops_as_soon_as_the_row_cap_is_passed() -> None:
    text = "a,b\n" + "1,2\n" * 200_000
    file = io.BytesIO(text.encode())
    rows = csv_rows(file, Caps(rows=10, cell=10))
    seen = []
    with pytest.raises(TableError, match="more than 10 rows") as caught:
        for number, _ in rows:
            seen.append(number)
    assert seen == list(range(1, 12)) and caught.value.row == 12
    assert file.tell() < 100_000  # a few buffers of a file of 800,000 bytes


def test_the_csv_reader_refuses_a_line_beyond_the_longest_a_row_can_be() -> None:
    caps = Caps(rows=10, cell=10)
    line = "," * (caps.line + 1)
    with pytest.raises(TableError, match="Line 2 of the file is longer"):
        list(csv_rows(io.BytesIO(f"a\n{line}\n".encode()), caps))


def test_the_xlsx_reader_stops_as_soon_as_the_row_cap_is_passed() -> None:
    book = workbook([["a"], *([n] for n in range(2_000))])
    seen = []
    with pytest.raises(TableError, match="more than 10 rows"):
        for number, cells in xlsx_rows(io.BytesIO(book), Caps(rows=10, cell=10)):
            seen.append((number, cells))
    assert seen[-1] == (11, ["9"]) and len(seen) == 11


def test_the_xlsx_reader_ignores_a_declared_size_and_bounds_a_far_cell() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "a"
    sheet["XFD1"] = "far"  # column 16,384
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(TableError, match="more than 100 columns"):
        list(xlsx_rows(out, Caps(rows=10, cell=10)))


# --- National returns ---------------------------------------------------------------------


def refused_problems(data: bytes) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRefused) as caught:
        national_returns_import(
            actor=member(Role.NATIONAL_ANALYST), file=io.BytesIO(data), today=timezone.localdate()
        )
    assert not NationalReturn.objects.exists()
    return [(p.row, p.column, p.message) for p in caught.value.problems]


def test_a_national_return_with_a_huge_cell_is_refused_with_a_problem() -> None:
    area = AreaFactory.create()
    text = file_of([good_row(area), good_row(area, row_number="2", token=HUGE_CELL)])
    [(row, column, message)] = refused_problems(text.encode())
    assert (row, column) == (3, "") and "longer than" in message
    quoted = file_of([good_row(area)]) + f"{HUGE_QUOTED}\r\n"
    [(row, _, message)] = refused_problems(quoted.encode())
    assert (row, message) == (3, "Row 3 cannot be read as CSV: check its quotation marks")


def test_a_national_return_over_the_row_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from reports import national

    monkeypatch.setattr(national, "CAPS", Caps(rows=2, cell=100))
    area = AreaFactory.create()
    rows = [good_row(area, row_number=str(n)) for n in (1, 2, 3)]
    [(row, _, message)] = refused_problems(file_of(rows).encode())
    assert row == 4 and "more than 2 rows" in message


def test_a_national_return_over_the_size_cap_is_refused_however_it_was_sent(
    settings: Any,
) -> None:
    settings.NATIONAL_IMPORT_MAX_BYTES = 1024 * 1024
    area = AreaFactory.create()
    rows = [good_row(area, row_number=str(n)) for n in range(1, 5_000)]
    [(_, _, message)] = refused_problems(file_of(rows).encode())
    assert message == "The file is larger than 1 MB: split it"


def a_produced_return(rows: int = 3) -> tuple[list[str], list[dict[str, str]]]:
    from tests.factories import raise_referral

    area = AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)
    for _ in range(rows):
        raise_referral(practitioner, submit=True)
    text = produce(area)
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def written(header: list[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_a_produced_return_carries_its_row_count_and_checksum_and_imports_whole() -> None:
    header, rows = a_produced_return()
    assert header == list(COLUMNS)
    assert {row["return_rows"] for row in rows} == {"3"}
    [checksum] = {row["return_checksum"] for row in rows}
    assert len(checksum) == 64
    imported = import_text(written(header, rows).decode())
    assert imported.rows == 3


def test_a_national_return_with_its_last_rows_removed_is_refused() -> None:
    header, rows = a_produced_return()
    [(row, column, message)] = refused_problems(written(header, rows[:2]))
    assert (row, column) == (3, "return_rows")
    assert "has 3 rows, but the file holds 2 of them: the file may have been cut short" in message


def test_a_national_return_with_a_row_changed_or_added_is_refused() -> None:
    header, rows = a_produced_return()
    other_level = "high" if rows[2]["risk_level"] != "high" else "low"
    changed = [*rows[:2], {**rows[2], "risk_level": other_level}]
    [(_, column, message)] = refused_problems(written(header, changed))
    assert column == "return_checksum" and "do not match their checksum" in message

    added = [*rows, {**rows[2], "row_number": "4"}]
    [(row, column, _)] = refused_problems(written(header, added))
    assert (row, column) == (5, "return_rows")


def test_rows_of_one_return_from_two_productions_are_refused() -> None:
    header, rows = a_produced_return()
    other = {**rows[1], "return_checksum": "0" * 64}
    problems = refused_problems(written(header, [rows[0], other, rows[2]]))
    assert [(row, column) for row, column, _ in problems] == [(3, "return_checksum")]
    assert "differ from those of row 2" in problems[0][2]


def test_a_return_without_its_seal_columns_is_refused() -> None:
    header, rows = a_produced_return()
    content = [c for c in header if c not in ("return_rows", "return_checksum")]
    text = written(content, [{c: row[c] for c in content} for row in rows])
    problems = refused_problems(text)
    assert {(row, column) for row, column, _ in problems} == {
        (1, "return_rows"),
        (1, "return_checksum"),
    }
