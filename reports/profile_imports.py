"""Import of many areas' strategy profiles from a CSV or XLSX file (one row per area and year;
the columns are in docs/strategy-profiles.md and the downloadable template).

The whole file is checked first, cell by cell, with its progress kept on the ProfileImport row
for the page to show; only a file without a single problem is imported, in one transaction,
each profile with its audit record. A file with problems imports nothing and says, for each
bad cell, its row (the header is row 1) and column.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet, TextChoices
from django.http import Http404
from django.utils import timezone
from kombu.exceptions import OperationalError

from agencies.models import AgencyType, Area
from agencies.storage import files_removed_on_commit
from audit.models import AuditAction
from audit.services import audit_record

from .models import (
    ActivityStatus,
    CoordinatorStatus,
    DeliveryStatus,
    ImportStatus,
    ProfileImport,
    ProtocolStatus,
    ServiceStatus,
    YesNoNotKnown,
)
from .profiles import (
    QUESTIONS,
    check_reviewed_on,
    check_upload_size,
    check_year,
    write_profile,
    year_label,
)
from .tables import READERS, Caps, Problem, TableError, cell_text

logger = logging.getLogger(__name__)

logger = logging.getLogger(__name__)

IMPORT_TYPES = (".csv", ".xlsx")
PROBLEMS_KEPT = 500  # a file wrong throughout is reported by its first problems
PROGRESS_STEPS = 50  # how often, at most, the page's progress moves on
# Every area's answers for every year the service keeps fit well within these: 153 areas for
# 27 years is some 4,100 rows, and the longest answer (every agency type) 120 characters.
CAPS = Caps(rows=10_000, cell=1_000)
# A job still checking this long after its upload has stopped (its worker died, its task was
# never queued): it is marked failed, by the timed job and whenever it is read.
JOB_DEADLINE = timedelta(minutes=15)
DEADLINE_MINUTES = int(JOB_DEADLINE.total_seconds()) // 60


class CellError(ValueError):
    """A cell that cannot be read; the message says what to enter instead."""


def _yes_no(value: str) -> bool:
    answer = value.lower()
    if answer not in ("yes", "no"):
        raise CellError("Enter yes or no")
    return answer == "yes"


def _choice(choices: type[TextChoices]) -> Callable[[str], str]:
    """A parser taking a choice by its code or its label, in any case."""
    known = {
        **{c.lower(): c for c in choices.values},
        **{c.label.lower(): c.value for c in choices},
    }

    def parse(value: str) -> str:
        try:
            return str(known[value.lower()])
        except KeyError:
            raise CellError(f"Enter one of: {', '.join(choices.values)}") from None

    return parse


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CellError("Enter a date as YYYY-MM-DD, like 2010-03-31") from None


def _agencies(value: str) -> list[str]:
    chosen = [part.strip().lower() for part in value.split(";") if part.strip()]
    unknown = [part for part in chosen if part not in AgencyType.values]
    if unknown:
        raise CellError(
            f"Unknown agency type {unknown[0]!r}: separate with ';' any of "
            f"{', '.join(AgencyType.values)}"
        )
    return sorted(set(chosen))


def _year(value: str) -> int:
    if not value.isdigit():
        raise CellError("Enter the year the reporting year starts, like 2010 for 2010-11")
    return int(value)


# The answer columns, each parsed by the profile field of the same name.
ANSWER_PARSERS: dict[str, Callable[[str], Any]] = {
    "protocol": _choice(ProtocolStatus),
    "protocol_reviewed_on": _date,
    "protocol_reviewed_since_guidance": _choice(YesNoNotKnown),
    "sub_group": _yes_no,
    "lead_professional_agencies": _agencies,
    "coordinator": _choice(CoordinatorStatus),
    "specialist_service": _choice(ServiceStatus),
    "awareness_professionals": _choice(DeliveryStatus),
    "awareness_young_people": _choice(DeliveryStatus),
    "awareness_parents_and_carers": _choice(DeliveryStatus),
    "training_identification": _choice(DeliveryStatus),
    "training_protection": _choice(DeliveryStatus),
    "training_evidence_gathering": _choice(DeliveryStatus),
    "disruption_activity": _choice(ActivityStatus),
    "local_data_collection": _yes_no,
}
COLUMNS = ("ons_code", "year", "responded", *(q.field for q in QUESTIONS))
OPTIONAL = {q.field for q in QUESTIONS if q.optional}
# What a non-responding area stores: nothing in place.
UNANSWERED: dict[str, Any] = {
    "protocol": ProtocolStatus.NONE,
    "protocol_reviewed_on": None,
    "protocol_reviewed_since_guidance": YesNoNotKnown.NOT_KNOWN,
    "sub_group": False,
    "lead_professional_agencies": [],
    "coordinator": CoordinatorStatus.NONE,
    "specialist_service": ServiceStatus.NONE,
    "awareness_professionals": DeliveryStatus.NONE,
    "awareness_young_people": DeliveryStatus.NONE,
    "awareness_parents_and_carers": DeliveryStatus.NONE,
    "training_identification": DeliveryStatus.NONE,
    "training_protection": DeliveryStatus.NONE,
    "training_evidence_gathering": DeliveryStatus.NONE,
    "disruption_activity": ActivityStatus.NONE,
    "local_data_collection": False,
}


def template_csv() -> str:
    """The columns, with one responding and one non-responding example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerow(
        [
            "E08000018",
            "2026",
            "yes",
            "in_place",
            "2026-05-01",
            "yes",
            "yes",
            "police;health;education",
            "in_post",
            "planned",
            "delivered",
            "planned",
            "none",
            "delivered",
            "delivered",
            "planned",
            "active",
            "yes",
        ]
    )
    writer.writerow(["E08000019", "2026", "no", *([""] * len(QUESTIONS))])
    return out.getvalue()


@dataclass(frozen=True)
class ProfileRow:
    area: Area
    year: int
    responded: bool
    values: dict[str, Any]


def import_limits() -> str:
    """What the import accepts, in words for its page."""
    return (
        CAPS.limits(file_bytes=settings.UPLOAD_MAX_FILE_SIZE, xlsx=True)
        + f" A check that has not finished after {DEADLINE_MINUTES} minutes is stopped."
    )


def read_table(file: IO[bytes], name: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a CSV (UTF-8) or XLSX file (its first sheet), every cell as
    text, read as a stream within CAPS; blank rows are left out. TableError when it cannot be
    read."""
    reader = READERS.get(PurePath(name).suffix.lower())
    if reader is None:
        raise TableError("The file must be a CSV or XLSX file")
    rows = [[cell_text(cell) for cell in cells] for _, cells in reader(file, CAPS)]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise TableError("The file is empty")
    return [cell.lower() for cell in rows[0]], rows[1:]


def check_rows(
    header: list[str],
    rows: list[list[str]],
    *,
    today: date,
    progress: Callable[[int], None] = lambda checked: None,
) -> tuple[list[Problem], list[ProfileRow]]:
    """Every problem in the file, and its rows as profiles when there are none."""
    problems = [Problem(1, column, "This column is missing") for column in COLUMNS]
    problems = [p for p in problems if p.column not in header]
    problems += [
        Problem(1, column or f"column {i + 1}", "Unknown column: remove it or check its name")
        for i, column in enumerate(header)
        if column not in COLUMNS
    ]
    problems += [
        Problem(1, column, "This column appears twice: keep one")
        for i, column in enumerate(header)
        if column in COLUMNS and column in header[:i]
    ]
    if problems:
        return problems, []
    areas = {area.ons_code: area for area in Area.objects.all()}
    seen: dict[tuple[str, int], int] = {}
    parsed: list[ProfileRow] = []
    step = max(1, len(rows) // PROGRESS_STEPS)
    for index, cells in enumerate(rows):
        number = index + 2
        record = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=False))
        row_problems, row = _check_row(number, record, areas=areas, today=today)
        if row is not None:
            key = (row.area.ons_code, row.year)
            if key in seen:
                row_problems.append(
                    Problem(
                        number,
                        "ons_code",
                        f"{key[0]} appears twice for {year_label(key[1])} "
                        f"(also row {seen[key]}): give each area one row",
                    )
                )
            seen.setdefault(key, number)
            parsed.append(row)
        problems += row_problems
        if (index + 1) % step == 0 or index + 1 == len(rows):
            progress(index + 1)
    return problems, ([] if problems else parsed)


def _check_row(
    number: int, record: dict[str, str], *, areas: dict[str, Area], today: date
) -> tuple[list[Problem], ProfileRow | None]:
    problems: list[Problem] = []

    def read(column: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(record[column])
        except CellError as exc:
            problems.append(Problem(number, column, str(exc)))
            return None

    code = record["ons_code"].upper()
    area = areas.get(code)
    if area is None:
        unknown = "Enter the area's ONS code" if not code else f"Unknown area code {code!r}"
        problems.append(Problem(number, "ons_code", unknown))
    year = read("year", _year)
    if year is not None and (wrong_year := check_year(year, today=today)):
        problems.append(Problem(number, "year", wrong_year))
        year = None
    responded = read("responded", _yes_no)
    values: dict[str, Any] = dict(UNANSWERED)
    if responded is not None:
        for column, parse in ANSWER_PARSERS.items():
            given = record[column] != ""
            if not responded and given:
                problems.append(
                    Problem(number, column, "Leave this empty: the area did not respond")
                )
            elif responded and not given and column not in OPTIONAL:
                problems.append(Problem(number, column, "Answer this: the area responded"))
            elif given:
                values[column] = read(column, parse)
    reviewed_on = values["protocol_reviewed_on"]
    if (
        reviewed_on
        and year is not None
        and (wrong_date := check_reviewed_on(reviewed_on, year=year, today=today))
    ):
        problems.append(Problem(number, "protocol_reviewed_on", wrong_date))
    if area is None or year is None or responded is None:
        return problems, None
    return problems, ProfileRow(area=area, year=year, responded=responded, values=values)


# The job ------------------------------------------------------------------------------------


def profile_import_start(*, actor: Any, upload: UploadedFile) -> ProfileImport:
    """Keep an uploaded file and queue its check (and import, when it has no problems). The
    file is kept only while the job runs: once it ends, imported or failed, its rows are in
    the profiles or refused with the problems listed, and the file is removed from storage."""
    if not actor.has_perm("reports.import_strategy_profiles"):
        raise PermissionDenied
    name = PurePath(upload.name or "").name
    if PurePath(name).suffix.lower() not in IMPORT_TYPES:
        raise ValidationError({"file": "The selected file must be a CSV or XLSX file"})
    check_upload_size(upload)
    with transaction.atomic():  # not durable: an API retry record commits with it
        job = ProfileImport(original_name=name[:200], uploaded_by=actor, uploaded_at=timezone.now())
        job.file.save(name, upload, save=False)
        job.save()
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            target=job,
            details={"strategy_profile_import": name},
        )
        transaction.on_commit(lambda: _queue_check(job))
    return job


# Row 0: a problem of no row, and not of the file.
NOT_QUEUED = Problem(
    0,
    "",
    "The file could not be checked because the service that runs imports is unavailable. "
    "Nothing was imported. Upload the file again in a few minutes.",
)


def _queue_check(job: ProfileImport) -> None:
    """After commit: hand the check to a worker. A queue (Redis) that cannot be reached ends the
    job at once, failed and saying why, rather than leaving it "checking" for ever; the upload
    is not re-run later by itself, as no one would be watching for its result."""
    from .tasks import run_profile_import  # the task module imports this one

    try:
        run_profile_import.delay(str(job.pk))
    except OperationalError:
        logger.warning("strategy profile import %s not queued: the queue is unreachable", job.pk)
        _finish(job, problems=[NOT_QUEUED])


def _progress(job: ProfileImport) -> Callable[[int], None]:
    def report(checked: int) -> None:
        # Committed at once (outside any transaction) so the page sees it while checking goes on.
        ProfileImport.objects.filter(pk=job.pk).update(rows_checked=checked)

    return report


def profile_import_run(*, job_id: str) -> ProfileImport:
    """Check a queued file and import it when it has no problems. Running it again does
    nothing: a job is checked once. Whatever happens, the job ends imported or failed."""
    job = ProfileImport.objects.select_related("uploaded_by").get(pk=job_id)
    if job.status != ImportStatus.CHECKING:
        return job
    try:
        return _check_and_import(job)
    except Exception:  # whatever went wrong, the job must not stay "checking"
        logger.exception("strategy profile import %s stopped", job.pk)
        return _finish(job, problems=[Problem(1, "file", FAULT)])


FAULT = (
    "The file could not be checked because of a fault in the service: nothing was imported. "
    "Upload it again; if this happens again, tell your service desk"
)
OVERDUE = (
    f"The check did not finish within {DEADLINE_MINUTES} minutes, so it was "
    "stopped and nothing was imported. Upload the file again"
)


def _check_and_import(job: ProfileImport) -> ProfileImport:
    try:
        with job.file.open("rb") as file:
            header, rows = read_table(file, job.original_name)
    except TableError as exc:
        return _finish(job, problems=[Problem(exc.row, "file", str(exc))])
    ProfileImport.objects.filter(pk=job.pk).update(rows_total=len(rows))
    problems, parsed = check_rows(header, rows, today=timezone.localdate(), progress=_progress(job))
    if problems:
        return _finish(job, problems=problems)
    with transaction.atomic(durable=True):
        job = ProfileImport.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportStatus.CHECKING:
            return job
        now = timezone.now()
        for row in parsed:
            write_profile(
                actor=job.uploaded_by,
                area=row.area,
                year=row.year,
                values=row.values,
                responded=row.responded,
                now=now,
                details={"strategy_profile_import": str(job.pk)},
            )
        job.status = ImportStatus.IMPORTED
        job.imported = len(parsed)
        job.rows_checked = len(rows)
        job.finished_at = now
        files_removed_on_commit([job.file.name])
        job.file = ""
        job.save()
    return job


def _fail(jobs: QuerySet[ProfileImport], *, problems: list[Problem]) -> int:
    """Mark failed those of the jobs still checking (one finished meanwhile stays as it is)."""
    with transaction.atomic():
        ending = jobs.filter(status=ImportStatus.CHECKING).select_for_update()
        files_removed_on_commit(ending.values_list("file", flat=True))
        return ending.update(
            status=ImportStatus.FAILED,
            problems=[p.as_json() for p in problems[:PROBLEMS_KEPT]],
            finished_at=timezone.now(),
            file="",
        )


def _finish(job: ProfileImport, *, problems: list[Problem]) -> ProfileImport:
    _fail(ProfileImport.objects.filter(pk=job.pk), problems=problems)
    job.refresh_from_db()
    return job


def _overdue(jobs: QuerySet[ProfileImport], now: datetime) -> QuerySet[ProfileImport]:
    return jobs.filter(status=ImportStatus.CHECKING, uploaded_at__lt=now - JOB_DEADLINE)


def profile_imports_expire(*, now: datetime) -> int:
    """Mark failed every job still checking past its deadline (a timed job); how many."""
    return _fail(_overdue(ProfileImport.objects.all(), now), problems=[Problem(1, "file", OVERDUE)])


def profile_import(*, user: Any, pk: Any) -> ProfileImport:
    """An import the user started, failed first if it is past its deadline; 404 for anyone
    else's."""
    jobs = ProfileImport.objects.filter(pk=pk, uploaded_by=user) if user.pk else None
    job = jobs.first() if jobs is not None else None
    if jobs is None or job is None or not user.has_perm("reports.import_strategy_profiles"):
        raise Http404("No such import")
    if _fail(_overdue(jobs, timezone.now()), problems=[Problem(1, "file", OVERDUE)]):
        job.refresh_from_db()
    return job
