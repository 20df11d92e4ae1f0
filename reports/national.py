"""National returns: each area's coarse rows for a period, imported by the national body, which
counts young people once across areas by their pseudonymous token (reports.tokens).

- An area's coordinator or administrator produces its return (`national_return_export`): one
  row per concern submitted in the period, with categories only and the young person's token.
  Nothing identifying leaves the area: no name, date of birth, NHS number, reference or text.
- A national analyst imports many areas' returns from one CSV file (`national_returns_import`):
  every bad cell is reported by row and column and nothing is imported unless all are good.
- The national tables (`national_tables`) count concerns and unique young people, through
  reports.disclosure like every other published figure.

docs/national-returns.md describes the file, the token and what the counts mean.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404, HttpRequest
from django.utils import timezone

from agencies.models import AgencyType, Area, Membership, Role
from agencies.selectors import active_memberships
from audit.models import AuditAction
from audit.services import audit_record
from referrals.models import ClosureOutcome, ExploitationType, RiskLevel, Sex

from .disclosure import NOT_APPLICABLE, Figure, Line, percentage, publish
from .models import NationalReturn, NationalReturnRow
from .periods import LONGEST_DAYS, REPORTED, Period, PeriodKind
from .rollups import AGE_BAND_SQL, ETHNICITY_GROUP_SQL, ZONE
from .selectors import AGE_BANDS, ETHNIC_GROUPS
from .tables import Caps, Problem, TableError, check_size, csv_rows
from .tokens import TOKEN_LENGTH, TOKEN_PATTERN, token_key, young_person_token

# Who produces an area's return: those who answer for the area's figures, not its casework.
RETURN_ROLES = (Role.COORDINATOR, Role.AREA_ADMINISTRATOR)

# The categories a row holds, each with its labels, in the file's column order.
CATEGORIES: dict[str, dict[str, str]] = {
    "age_band": AGE_BANDS,
    "sex": dict(Sex.choices),
    "ethnicity_group": ETHNIC_GROUPS,
    "agency_type": dict(AgencyType.choices),
    "risk_level": {**dict(RiskLevel.choices), "not_assessed": "Not yet assessed"},
    "exploitation_type": {**dict(ExploitationType.choices), "not_recorded": "Not recorded"},
    "outcome": {
        "open": "Still open",
        **dict(ClosureOutcome.choices),
        "withdrawn": "Withdrawn",
        "transferred": "Transferred to another area",
        "not_recorded": "Closed, outcome not recorded",
    },
    "timeliness": {
        "in_time": "Decided within one working day",
        "late": "Decided later",
        "not_decided": "Not yet decided",
    },
}
CATEGORY_TITLES = {
    "age_band": "age band",
    "sex": "sex",
    "ethnicity_group": "ethnic group",
    "agency_type": "referring agency type",
    "risk_level": "risk level",
    "exploitation_type": "exploitation type",
    "outcome": "outcome",
    "timeliness": "time to decision",
}
ROW_NUMBER = re.compile(r"[1-9][0-9]{0,8}")
# What a row says, and what its return's checksum is made from, in this order.
CONTENT_COLUMNS = (
    "period_start",
    "period_end",
    "area_code",
    "row_number",
    *CATEGORIES,
    "token",
)
# The seal: every row of a return repeats its number of rows and the checksum of its content,
# so a return cut short (even at a row boundary), a row changed or a row added is refused.
SEAL_COLUMNS = ("return_rows", "return_checksum")
COLUMNS = (*CONTENT_COLUMNS, *SEAL_COLUMNS)
CHECKSUM = re.compile(r"[0-9a-f]{64}")
_SHARED = {column: {value: value for value in labels} for column, labels in CATEGORIES.items()}

# --- An area's return ---------------------------------------------------------------------


@dataclass(frozen=True)
class AreaReturn:
    area: Area
    period: Period
    rows: list[dict[str, str]]  # by COLUMNS, every value a string as written to the file

    @property
    def filename(self) -> str:
        return f"national-return-{self.area.ons_code}-{self.period.start}-{self.period.end}.csv"


def national_return_areas(*, user: Any) -> list[Area]:
    """The areas whose national return the user may produce."""
    ids = {m.area_id for m in active_memberships(user=user) if m.role in RETURN_ROLES}
    return list(Area.objects.filter(pk__in=ids).order_by("name"))


def _return_membership(user: Any, ons_code: str) -> tuple[Membership, Area]:
    for membership in active_memberships(user=user):
        area = membership.area
        if membership.role in RETURN_ROLES and area and area.ons_code == ons_code:
            return membership, area
    raise Http404("No such area among your national returns")


# The categories of every concern submitted in the period, with what the token is made from.
# Not drafts (never submitted), not duplicates merged into another, not transferred-in copies
# (counted where the concern was raised), as the dashboard counts concerns raised.
_RETURN_SQL = f"""
SELECT {AGE_BAND_SQL} AS age_band,
       COALESCE(NULLIF(y.sex, ''), 'not_known') AS sex,
       {ETHNICITY_GROUP_SQL} AS ethnicity_group,
       ag.agency_type,
       COALESCE(NULLIF(r.risk_level, ''), 'not_assessed') AS risk_level,
       COALESCE(NULLIF(r.exploitation_type, ''), 'not_recorded') AS exploitation_type,
       CASE WHEN r.outcome <> '' THEN r.outcome
            WHEN r.state = 'withdrawn' THEN 'withdrawn'
            WHEN r.state = 'transferred' THEN 'transferred'
            WHEN r.closed_at IS NULL THEN 'open'
            ELSE 'not_recorded' END AS outcome,
       CASE WHEN r.decided_at IS NULL THEN 'not_decided'
            WHEN r.decided_at <= r.triage_due_at THEN 'in_time'
            ELSE 'late' END AS timeliness,
       y.nhs_number, y.given_name, y.family_name, y.date_of_birth
FROM referrals_referral r
JOIN referrals_youngperson y ON y.id = r.young_person_id
JOIN agencies_agency ag ON ag.id = r.raised_by_agency_id
WHERE r.area_id = %s
  AND r.submitted_at >= (%s::timestamp AT TIME ZONE '{ZONE}')
  AND r.submitted_at < (%s::timestamp AT TIME ZONE '{ZONE}')
  AND r.transferred_from_id IS NULL AND r.state NOT IN ('draft', 'merged')
"""  # noqa: S608 - built from constants


def return_checksum(rows: Iterable[Sequence[str]]) -> str:
    """SHA-256 (lowercase hex) of a return's rows in row-number order, each row its
    CONTENT_COLUMNS joined by commas and ended by a line feed, in UTF-8."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update((",".join(row) + "\n").encode())
    return digest.hexdigest()


def sealed(rows: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """The rows, each with its return's seal: rows of one area and period are one return,
    taken to be in row-number order as given."""
    returns: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        returns[row["area_code"], row["period_start"], row["period_end"]].append(row)
    seals = {
        key: {
            "return_rows": str(len(found)),
            "return_checksum": return_checksum(
                [row[column] for column in CONTENT_COLUMNS] for row in found
            ),
        }
        for key, found in returns.items()
    }
    return [
        {**row, **seals[row["area_code"], row["period_start"], row["period_end"]]} for row in rows
    ]


def _return_rows(area: Area, period: Period, key: bytes) -> list[dict[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(_RETURN_SQL, [area.pk, period.start, period.after])
        found = cursor.fetchall()
    rows = []
    for *categories, nhs_number, given_name, family_name, date_of_birth in found:
        token = young_person_token(
            key=key,
            nhs_number=nhs_number,
            given_name=given_name,
            family_name=family_name,
            date_of_birth=date_of_birth,
        )
        rows.append({**dict(zip(CATEGORIES, categories, strict=True)), "token": token})
    # Ordered by what a row says, never by when the concern came: the order gives nothing away.
    rows.sort(key=lambda row: tuple(row[column] for column in ("token", *CATEGORIES)))
    return sealed(
        [
            {
                "period_start": period.start.isoformat(),
                "period_end": period.end.isoformat(),
                "area_code": area.ons_code,
                "row_number": str(number),
                **row,
            }
            for number, row in enumerate(rows, start=1)
        ]
    )


def national_return_export(
    *, actor: Any, ons_code: str, period: Period, request: HttpRequest | None = None
) -> AreaReturn:
    """The area's return for the period, recorded as an export. Http404 for an area whose
    return the actor may not produce; ValidationError for a period not yet over;
    TokenKeyMissing when the server has no key."""
    membership, area = _return_membership(actor, ons_code)
    if period.end > timezone.localdate():
        # A return is for a period that is over: a part-period would be replaced piecemeal.
        field_name = "end" if period.kind is PeriodKind.CUSTOM else "on"
        raise ValidationError({field_name: "Choose a period that has ended"})
    rows = _return_rows(area, period, token_key())
    audit_record(
        action=AuditAction.EXPORT,
        actor=actor,
        membership=membership,
        target=area,
        request=request,
        details={
            "export": "national_return",
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "rows": len(rows),
            "checksum": rows[0]["return_checksum"] if rows else "",
        },
    )
    return AreaReturn(area, period, rows)


def return_csv(rows: Iterable[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# --- Import -------------------------------------------------------------------------------

# Enough for every area's year (settings.NATIONAL_IMPORT_MAX_BYTES also limits the file); no
# cell of a return is longer than a token or a checksum (64 characters).
CAPS = Caps(rows=300_000, cell=100)
# A report longer than this helps nobody: the rest are counted, not listed.
MAX_PROBLEMS = 500


def import_limits() -> str:
    """What the import accepts, in words for its page and the API's documentation."""
    return CAPS.limits(file_bytes=settings.NATIONAL_IMPORT_MAX_BYTES, xlsx=False)


class ImportRefused(Exception):
    """Nothing was imported: every problem found, in file order."""

    def __init__(self, problems: Sequence[Problem], more: int = 0) -> None:
        super().__init__(f"{len(problems) + more} problems")
        self.problems = list(problems)
        self.more = more


@dataclass
class _Return:
    area: Area
    start: date
    end: date
    first_row: int
    seal: tuple[str, str]  # return_rows and return_checksum, as its first row gives them
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.area.ons_code} {self.start:%-d %B %Y} to {self.end:%-d %B %Y}"


@dataclass(frozen=True)
class Imported:
    returns: list[NationalReturn]
    rows: int
    replaced: int


class _Checker:
    """Reads a return file, collecting every problem instead of stopping at the first."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.problems: list[Problem] = []
        self.more = 0
        self.areas = {area.ons_code: area for area in Area.objects.all()}

    def problem(self, row: int, column: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, column, message))
        else:
            self.more += 1

    def day(self, number: int, row: dict[str, str], column: str) -> date | None:
        text = row[column].strip()
        try:
            day = date.fromisoformat(text)
        except ValueError:
            self.problem(number, column, f"'{text}' is not a date: write it like 2026-03-31")
            return None
        if wrong := REPORTED.problem(day, today=self.today):
            self.problem(number, column, f"{day:%-d %B %Y} is out of range. {wrong}")
            return None
        return day

    def period(self, number: int, row: dict[str, str]) -> tuple[date, date] | None:
        start, end = self.day(number, row, "period_start"), self.day(number, row, "period_end")
        if start is None or end is None:
            return None
        if end < start:
            self.problem(number, "period_end", "The period ends before it starts")
            return None
        if (end - start).days >= LONGEST_DAYS:
            self.problem(number, "period_end", "A period can be at most 3 years long")
            return None
        return start, end

    def area(self, number: int, row: dict[str, str]) -> Area | None:
        code = row["area_code"].strip()
        area = self.areas.get(code)
        if area is None:
            self.problem(number, "area_code", f"'{code}' is not the ONS code of an area we know")
        return area

    def values(self, number: int, row: dict[str, str]) -> dict[str, str] | None:
        good = True
        for column, labels in CATEGORIES.items():
            if row[column] not in labels:
                good = False
                allowed = ", ".join(labels)
                self.problem(number, column, f"'{row[column]}' is not one of the values: {allowed}")
        token = row["token"]
        if token and not TOKEN_PATTERN.fullmatch(token):
            good = False
            if len(token) != TOKEN_LENGTH:
                message = f"A token is {TOKEN_LENGTH} characters long; this one is {len(token)}"
            else:
                message = "A token is written with the digits 0-9 and the letters a-f only"
            self.problem(number, "token", message)
        if not ROW_NUMBER.fullmatch(row["row_number"]):
            good = False
            self.problem(number, "row_number", "Write the row's number in its return: 1, 2, 3...")
        if not ROW_NUMBER.fullmatch(row["return_rows"]):
            good = False
            self.problem(number, "return_rows", "Write the number of rows in the row's return")
        if not CHECKSUM.fullmatch(row["return_checksum"]):
            good = False
            self.problem(
                number,
                "return_checksum",
                "A checksum is 64 characters, the digits 0-9 and the letters a-f: copy it "
                "from the return as the area produced it",
            )
        if not good:
            return None
        # Each category's value as the vocabulary's own string: a year's rows share them.
        kept = {column: _SHARED[column][row[column]] for column in CATEGORIES}
        return {**kept, "token": row["token"], "row_number": row["row_number"]}

    def seal(self, found: _Return) -> None:
        """A problem when the return's rows are not all, and only, those the area produced."""
        declared, checksum = found.seal
        last = found.rows[-1][0]
        if len(found.rows) != int(declared):
            self.problem(
                last,
                "return_rows",
                f"The return for {found.label} has {declared} rows, but the file holds "
                f"{len(found.rows)} of them: the file may have been cut short or combined "
                "wrongly, so nothing was imported",
            )
            return
        ordered = sorted(found.rows, key=lambda row: int(row[1]["row_number"]))
        content = (
            [found.start.isoformat(), found.end.isoformat(), found.area.ons_code]
            + [values[column] for column in CONTENT_COLUMNS[3:]]
            for _, values in ordered
        )
        if return_checksum(content) != checksum:
            self.problem(
                last,
                "return_checksum",
                f"The rows of {found.label} do not match their checksum: a row was changed "
                "after the area produced the return",
            )


def _read(file: IO[bytes], checker: _Checker) -> Iterator[tuple[int, dict[str, str]]]:
    """The file's rows under its header, one at a time as they are read within CAPS; a file
    that cannot be read is one problem, where reading stopped."""
    read = 0
    try:
        check_size(file, settings.NATIONAL_IMPORT_MAX_BYTES)
        reader = csv_rows(file, CAPS)
        _, header = next(reader, (1, []))
        if not header:
            checker.problem(1, "", "The file is empty: the first row must name the columns")
            return
        header = [name.strip() for name in header]
        _check_header(header, checker)
        if checker.problems:
            return
        for number, cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                checker.problem(
                    number, "", f"The row has {len(cells)} cells; the header names {len(header)}"
                )
                continue
            read += 1
            yield number, dict(zip(header, cells, strict=True))
    except TableError as error:
        checker.problem(error.row, "", str(error))
        return
    if not read and not checker.problems:
        checker.problem(2, "", "The file has no rows under its header")


def _check_header(header: list[str], checker: _Checker) -> None:
    for name in COLUMNS:
        if name not in header:
            checker.problem(1, name, f"The column {name} is missing")
    for name in header:
        if name not in COLUMNS:
            # An extra column could carry what a return must never hold (a name, a reference).
            checker.problem(
                1,
                name,
                f"{name or 'A column without a name'} is not a column of "
                "a national return: remove it",
            )
    if len(set(header)) != len(header):
        checker.problem(1, "", "A column is named twice")


def _check_rows(
    rows: Iterable[tuple[int, dict[str, str]]], checker: _Checker
) -> dict[tuple[str, date, date], _Return]:
    returns: dict[tuple[str, date, date], _Return] = {}
    seen: dict[tuple[str, date, date, str], int] = {}
    for number, row in rows:
        period, area = checker.period(number, row), checker.area(number, row)
        values = checker.values(number, row)
        if period is None or area is None or values is None:
            continue
        key = (area.ons_code, *period)
        seal = (row["return_rows"], row["return_checksum"])
        found = returns.setdefault(key, _Return(area, *period, first_row=number, seal=seal))
        if seal != found.seal:
            checker.problem(
                number,
                "return_checksum",
                f"The row's return_rows or return_checksum differ from those of row "
                f"{found.first_row}, in the same return for {found.label}: each return's rows "
                "must come from one file as the area produced it",
            )
            continue
        earlier = seen.setdefault((*key, values["row_number"]), number)
        if earlier != number:
            checker.problem(
                number,
                "row_number",
                f"Duplicate row: row {earlier} of the file is already row "
                f"{values['row_number']} of {found.label}",
            )
            continue
        found.rows.append((number, values))
    for found in returns.values():
        numbers = {int(values["row_number"]) for _, values in found.rows}
        missing = sorted(set(range(1, len(numbers) + 1)) - numbers)
        if missing and not checker.problems:
            checker.problem(
                found.rows[-1][0],
                "row_number",
                f"The rows of {found.label} are not numbered 1 to {len(numbers)}: "
                f"row {missing[0]} is missing, so the file may be incomplete",
            )
    if not checker.problems:
        for found in returns.values():
            checker.seal(found)
    return returns


def _check_overlaps(
    returns: dict[tuple[str, date, date], _Return], replace: bool, checker: _Checker
) -> list[NationalReturn]:
    """Problems for returns that would count a concern twice; the imported returns that
    `replace` allows to be replaced."""
    by_area: dict[int, list[_Return]] = defaultdict(list)
    for found in returns.values():
        by_area[found.area.pk].append(found)
    for area_returns in by_area.values():
        area_returns.sort(key=lambda r: r.start)
        for before, after in pairwise(area_returns):
            if after.start <= before.end:
                checker.problem(
                    after.first_row,
                    "period_start",
                    f"{after.label} overlaps {before.label} in this file: a concern would "
                    "be counted twice",
                )
    existing = NationalReturn.objects.filter(area_id__in=list(by_area)).select_related(
        "area", "imported_by"
    )
    to_replace = []
    for imported in existing:
        for found in by_area[imported.area_id]:
            if imported.period_end < found.start or imported.period_start > found.end:
                continue
            same = (imported.period_start, imported.period_end) == (found.start, found.end)
            when = f"imported on {imported.imported_at:%-d %B %Y}"
            if same and replace:
                to_replace.append(imported)
            elif same:
                checker.problem(
                    found.first_row,
                    "area_code",
                    f"{found.label} was already {when}: choose to replace it, or remove its rows",
                )
            else:
                checker.problem(
                    found.first_row,
                    "period_start",
                    f"{found.label} overlaps the return for {imported.period_start:%-d %B %Y} "
                    f"to {imported.period_end:%-d %B %Y} {when}: a concern would be counted "
                    "twice",
                )
    return to_replace


_ROW_FIELDS = (*CATEGORIES, "token")


def _copy_rows(imported: NationalReturn, rows: list[tuple[int, dict[str, str]]]) -> None:
    """Every row of a return in one COPY: a year of a large area's rows in a second, where
    saving them as models takes a minute. Every value was checked against its vocabulary."""
    buffer = io.StringIO()
    # Quoted, so an empty token is an empty string rather than NULL.
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerows([imported.pk, *(values[f] for f in _ROW_FIELDS)] for _, values in rows)
    buffer.seek(0)
    columns = ", ".join(("national_return_id", *_ROW_FIELDS))
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {NationalReturnRow._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv)",
            buffer,
        )


def _national_membership(user: Any) -> Membership:
    for membership in active_memberships(user=user):
        if membership.role == Role.NATIONAL_ANALYST:
            return membership
    raise PermissionDenied("Only national analysts work with national returns")


def national_returns_import(
    *,
    actor: Any,
    file: IO[bytes],
    replace: bool = False,
    today: date,
    request: HttpRequest | None = None,
) -> Imported:
    """Import every return in a CSV file, all or nothing. ImportRefused with every problem
    (by row and column) when the file cannot be read, any cell is bad, a return is not whole
    (its seal) or a return would count a concern twice; an already imported area and period
    is replaced only when `replace` says so."""
    membership = _national_membership(actor)
    checker = _Checker(today)
    returns = _check_rows(_read(file, checker), checker)
    if checker.problems:
        raise ImportRefused(checker.problems, checker.more)
    # Not durable: the API's Idempotency-Key row commits in the same transaction.
    with transaction.atomic():
        # Held to the end: two imports at once cannot both pass the overlap check.
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE reports_nationalreturn IN SHARE ROW EXCLUSIVE MODE")
        to_replace = _check_overlaps(returns, replace, checker)
        if checker.problems:
            raise ImportRefused(checker.problems, checker.more)
        for old in to_replace:
            old.delete()
        created = []
        for found in returns.values():
            imported = NationalReturn.objects.create(
                area=found.area,
                period_start=found.start,
                period_end=found.end,
                imported_by=actor,
            )
            _copy_rows(imported, found.rows)
            created.append(imported)
            audit_record(
                action=AuditAction.CREATE,
                actor=actor,
                membership=membership,
                target=imported,
                area=found.area,
                request=request,
                details={
                    "import": "national_return",
                    "period_start": found.start.isoformat(),
                    "period_end": found.end.isoformat(),
                    "rows": len(found.rows),
                    "checksum": found.seal[1],
                    "replaced": any(
                        old.area_id == found.area.pk
                        and (old.period_start, old.period_end) == (found.start, found.end)
                        for old in to_replace
                    ),
                },
            )
    return Imported(created, sum(len(r.rows) for r in returns.values()), len(to_replace))


# --- National tables ----------------------------------------------------------------------


@dataclass(frozen=True)
class NationalRow:
    key: str
    label: str
    referrals: Figure
    referrals_share: Figure
    young_people: Figure
    young_people_share: Figure

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "referrals": self.referrals.as_json(),
            "referrals_share": self.referrals_share.as_json(),
            "young_people": self.young_people.as_json(),
            "young_people_share": self.young_people_share.as_json(),
        }


@dataclass(frozen=True)
class NationalTable:
    slug: str
    title: str
    heading: str  # of the column of row labels
    rows: list[NationalRow]
    total: NationalRow
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "heading": self.heading,
            "note": self.note,
            "rows": [row.as_json() for row in self.rows],
            "total": self.total.as_json(),
        }


@dataclass(frozen=True)
class SummaryRow:
    key: str
    label: str
    figure: Figure

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "figure": self.figure.as_json()}


@dataclass(frozen=True)
class NationalTables:
    start: date
    end: date
    areas_returned: int
    summary: list[SummaryRow]
    tables: list[NationalTable]

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "areas_returned": self.areas_returned,
            "suppression": "Counts from 1 to 5 are shown as c; c also hides any count that "
            "would let one be worked out. z: not applicable.",
            "summary": [row.as_json() for row in self.summary],
            "tables": [table.as_json() for table in self.tables],
        }


YOUNG_PEOPLE_NOTE = (
    "Young people are counted once each, by token, wherever they were referred; each is "
    "counted in the categories of their latest row (the latest period, and within it the "
    "latest import), so the rows add up to the total. Concerns without a token cannot be "
    "matched and are not among the young people."
)
AREA_NOTE = (
    "A young person referred in two areas is counted in each, so the young people by area "
    "add up to more than the national total, and no total is given for them."
)


def _by_category(source: str, *, with_area: bool) -> str:
    """Counts of `source` by each category (and area) in one pass: grouping sets, each row
    named by the set it belongs to (categories and areas are never null)."""
    columns = [*CATEGORIES, "area_id"] if with_area else list(CATEGORIES)
    name = " ".join(f"WHEN GROUPING({c}) = 0 THEN '{c}'" for c in CATEGORIES)
    key = ", ".join(c if c != "area_id" else "area_id::text" for c in columns)
    sets = ", ".join(f"({c})" for c in columns)
    return (
        f"SELECT '{source}', CASE {name} ELSE 'area' END, COALESCE({key}), count(*)"  # noqa: S608
        f" FROM {source} GROUP BY GROUPING SETS ({sets})"
    )


# Every count of the tables in one statement: concerns by category and area, young people
# (their latest row) by category, young people by area, and the headline counts.
_TABLES_SQL = f"""
WITH referrals AS MATERIALIZED (
    SELECT w.id, w.token, {", ".join(f"w.{c}" for c in CATEGORIES)},
           n.area_id, n.period_start, n.period_end, n.imported_at
    FROM reports_nationalreturnrow w
    JOIN reports_nationalreturn n ON n.id = w.national_return_id
    WHERE n.period_start >= %(start)s AND n.period_end <= %(end)s
),
young_people AS MATERIALIZED (
    SELECT DISTINCT ON (token) token, {", ".join(CATEGORIES)} FROM referrals WHERE token <> ''
    ORDER BY token, period_end DESC, period_start DESC, imported_at DESC, id DESC
),
seen_in AS MATERIALIZED (
    SELECT DISTINCT token, area_id FROM referrals WHERE token <> ''
)
{_by_category("referrals", with_area=True)}
UNION ALL {_by_category("young_people", with_area=False)}
UNION ALL SELECT 'young_people', 'area', area_id::text, count(*) FROM seen_in GROUP BY area_id
UNION ALL SELECT 'summary', 'referrals', '', count(*) FROM referrals
UNION ALL SELECT 'summary', 'not_matchable', '', count(*) FROM referrals WHERE token = ''
UNION ALL SELECT 'summary', 'young_people', '', count(*) FROM young_people
UNION ALL SELECT 'summary', 'in_several_areas', '', count(*) FROM (
    SELECT token FROM seen_in GROUP BY token HAVING count(*) > 1
) AS several
UNION ALL SELECT 'summary', 'areas', '', count(DISTINCT area_id) FROM referrals
"""  # noqa: S608 - built from constants


def _area_labels(keys: Iterable[str]) -> dict[str, str]:
    ids = [int(key) for key in keys]
    return {
        str(pk): f"{name} ({code})"
        for pk, name, code in Area.objects.filter(pk__in=ids).values_list("pk", "name", "ons_code")
    }


def national_tables(
    *, user: Any, period: Period, request: HttpRequest | None = None
) -> NationalTables:
    """The national tables for returns whose period lies within `period`. PermissionDenied
    for anyone but a national analyst."""
    membership = _national_membership(user)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # Sorting a year's tokens in memory rather than on disk: several times faster.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(_TABLES_SQL, {"start": period.start, "end": period.end})
        found = cursor.fetchall()
    sums: dict[tuple[str, str, str], int] = {(m, n, k): c for m, n, k, c in found}
    area_labels = _area_labels(k for m, n, k in sums if n == "area")
    vocabularies = {**CATEGORIES, "area": dict(sorted(area_labels.items(), key=lambda a: a[1]))}
    counts = {
        "referrals": sums[("summary", "referrals", "")],
        "young_people": sums[("summary", "young_people", "")],
        "not_matchable": sums[("summary", "not_matchable", "")],
        "in_several_areas": sums[("summary", "in_several_areas", "")],
    }
    counts["matchable"] = counts["referrals"] - counts["not_matchable"]
    lines = [Line("referrals", ("matchable", "not_matchable"))]
    for name, labels in vocabularies.items():
        for kind in ("referrals", "young_people"):
            parts = tuple(f"{kind}.{name}:{key}" for key in labels)
            for key, part in zip(labels, parts, strict=True):
                counts[part] = sums.get((kind, name, key), 0)
            if not (kind == "young_people" and name == "area"):
                lines.append(Line(kind, parts))
    shown = publish(counts, lines)
    audit_record(
        action=AuditAction.VIEW,
        actor=user,
        membership=membership,
        request=request,
        details={
            "national_tables": {"start": period.start.isoformat(), "end": period.end.isoformat()}
        },
    )

    def row(key: str, label: str, referrals: str, young_people: str | None) -> NationalRow:
        people = shown[young_people] if young_people else Figure(NOT_APPLICABLE)
        return NationalRow(
            key,
            label,
            shown[referrals],
            percentage(shown[referrals], shown["referrals"]),
            people,
            percentage(people, shown["young_people"]) if young_people else people,
        )

    tables = []
    for name, labels in vocabularies.items():
        is_area = name == "area"
        total = row("total", "Total", "referrals", None if is_area else "young_people")
        title = CATEGORY_TITLES.get(name, "area")
        tables.append(
            NationalTable(
                name,
                f"Concerns and young people by {title}",
                title.capitalize(),
                [
                    row(key, label, f"referrals.{name}:{key}", f"young_people.{name}:{key}")
                    for key, label in labels.items()
                ],
                total,
                AREA_NOTE if is_area else YOUNG_PEOPLE_NOTE,
            )
        )
    summary = [
        SummaryRow("referrals", "Concerns raised", shown["referrals"]),
        SummaryRow("young_people", "Young people (counted once each)", shown["young_people"]),
        SummaryRow(
            "in_several_areas",
            "Young people referred in more than one area",
            shown["in_several_areas"],
        ),
        SummaryRow(
            "not_matchable",
            "Concerns without a token (not matchable: no NHS number, name or date of birth)",
            shown["not_matchable"],
        ),
        SummaryRow(
            "not_matchable_share",
            "Concerns without a token, as a share of concerns raised",
            percentage(shown["not_matchable"], shown["referrals"]),
        ),
    ]
    return NationalTables(period.start, period.end, sums[("summary", "areas", "")], summary, tables)
