"""National returns: produced by areas without anything identifying, imported all or nothing,
and counted so that a young person referred in two areas is one young person."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.models import Area, Role, User
from audit.models import AuditAction, AuditEvent
from referrals.models import Referral, YoungPerson
from reports.models import NationalReturn, NationalReturnRow
from reports.national import (
    COLUMNS,
    ImportRefused,
    national_return_export,
    national_returns_import,
    national_tables,
    return_csv,
    sealed,
)
from reports.periods import Period, PeriodKind
from reports.tokens import TokenKeyMissing
from tests.factories import AreaFactory, member, raise_referral
from tests.strength import examples

pytestmark = pytest.mark.django_db

TOKEN = "ab" * 32
NHS_NUMBERS = ["9434765919", "9434765870", "9434765838", "9434765846", "9434765854", "9434765862"]


def this_week() -> Period:
    today = timezone.localdate()
    return Period(PeriodKind.CUSTOM, today - timedelta(days=6), today)


def produce(area: Area, period: Period | None = None) -> str:
    coordinator = member(Role.COORDINATOR, area=area)
    made = national_return_export(
        actor=coordinator, ons_code=area.ons_code, period=period or this_week()
    )
    return return_csv(made.rows)


def import_text(text: str, *, replace: bool = False, actor: User | None = None) -> Any:
    return national_returns_import(
        actor=actor or member(Role.NATIONAL_ANALYST),
        file=io.BytesIO(text.encode()),
        replace=replace,
        today=timezone.localdate(),
    )


def combined(*files: str) -> str:
    """Several areas' returns in one file: one header, then every area's rows."""
    header, *_ = files[0].splitlines(keepends=True)
    return header + "".join("".join(text.splitlines(keepends=True)[1:]) for text in files)


def test_a_young_person_referred_in_two_areas_is_counted_once_nationally() -> None:
    north, south = AreaFactory.create(), AreaFactory.create()
    for area in (north, south):
        practitioner = member(Role.PRACTITIONER, area=area)
        for index, nhs_number in enumerate(NHS_NUMBERS):
            raise_referral(
                practitioner,
                submit=True,
                nhs_number=nhs_number,
                given_name=f"Shared{index}",
                sex="female",
            )
    # Without an NHS number: the same name and date of birth, written differently.
    raise_referral(
        member(Role.PRACTITIONER, area=north),
        submit=True,
        given_name="Zoë",
        family_name="O'Neil",
        date_of_birth=date(2011, 2, 3),
        sex="female",
    )
    raise_referral(
        member(Role.PRACTITIONER, area=south),
        submit=True,
        given_name="ZOE",
        family_name="oneil",
        date_of_birth=date(2011, 2, 3),
        sex="female",
    )
    # Nothing to match on: an estimated age only.
    raise_referral(
        member(Role.PRACTITIONER, area=south),
        submit=True,
        date_of_birth=None,
        estimated_age=14,
        sex="male",
    )

    north_file, south_file = produce(north), produce(south)
    north_rows = list(csv.DictReader(io.StringIO(north_file)))
    south_rows = list(csv.DictReader(io.StringIO(south_file)))
    assert len(north_rows) == 7 and len(south_rows) == 8
    assert {r["token"] for r in north_rows} < {r["token"] for r in south_rows}
    assert sum(1 for r in south_rows if r["token"] == "") == 1

    imported = import_text(combined(north_file, south_file))
    assert imported.rows == 15 and len(imported.returns) == 2

    tables = national_tables(user=member(Role.NATIONAL_ANALYST), period=this_week())
    summary = {row.key: row.figure.text for row in tables.summary}
    assert summary == {
        "referrals": "15",
        "young_people": "7",  # six by NHS number, one by name and date of birth
        "in_several_areas": "7",
        "not_matchable": "c",
        "not_matchable_share": "c",
    }
    by_sex = next(t for t in tables.tables if t.slug == "sex")
    female = next(row for row in by_sex.rows if row.key == "female")
    # One concern about a boy: shown as c, and so is the girls' count that would give it away.
    assert (female.referrals.text, female.young_people.text) == ("c", "7")
    assert by_sex.total.young_people.text == "7"
    by_area = next(t for t in tables.tables if t.slug == "area")
    assert [row.young_people.text for row in by_area.rows] == ["7", "7"]


def test_the_young_people_by_category_add_up_to_the_young_people_counted() -> None:
    north, south = AreaFactory.create(), AreaFactory.create()
    for index, nhs_number in enumerate(NHS_NUMBERS * 2):
        area = north if index < len(NHS_NUMBERS) else south
        # The same children recorded with another sex in the second area: each is counted
        # by their latest row, here the south's (imported last).
        raise_referral(
            member(Role.PRACTITIONER, area=area),
            submit=True,
            nhs_number=nhs_number,
            sex="female" if area == north else "male",
        )
    import_text(produce(north))
    import_text(produce(south))
    tables = national_tables(user=member(Role.NATIONAL_ANALYST), period=this_week())
    for table in tables.tables:
        shown = [row.young_people.value for row in table.rows]
        if table.slug != "area" and None not in shown:
            assert sum(v for v in shown if v) == table.total.young_people.value == 6
    sex = next(table for table in tables.tables if table.slug == "sex")
    by_sex = {row.key: row.young_people.text for row in sex.rows}
    assert by_sex == {"female": "0", "male": "6", "not_known": "0"}


def test_a_return_holds_nothing_that_identifies_a_young_person_or_a_referral() -> None:
    area = AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)
    referrals = [
        raise_referral(
            practitioner,
            submit=True,
            nhs_number=NHS_NUMBERS[0],
            given_name="Amelia",
            family_name="Featherstonehaugh",
            date_of_birth=date(2011, 7, 9),
        ),
        raise_referral(
            practitioner,
            submit=True,
            given_name="Bartholomew",
            family_name="Quill",
            date_of_birth=date(2012, 12, 1),
        ),
        raise_referral(
            practitioner,
            submit=True,
            date_of_birth=None,
            estimated_age=15,
            given_name="Cressida",
            family_name="Thorne",
        ),
    ]
    text = produce(area)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    for referral in referrals:
        person = YoungPerson.objects.get(pk=referral.young_person_id)
        needles = [person.given_name, person.family_name, referral.reference]
        if person.nhs_number:
            needles += [person.nhs_number, f"{person.nhs_number[:3]} {person.nhs_number[3:6]}"]
        if person.date_of_birth:
            born = person.date_of_birth
            needles += [born.isoformat(), f"{born:%d/%m/%Y}", f"{born:%Y%m%d}"]
        for needle in needles:
            assert needle.lower() not in text.lower(), needle
    assert len(text.splitlines()) == 4


def test_drafts_merged_duplicates_transfers_in_and_other_periods_are_not_in_a_return() -> None:
    area = AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)
    kept = raise_referral(practitioner, submit=True)
    raise_referral(practitioner, submit=False)
    merged = raise_referral(practitioner, submit=True)
    Referral.objects.filter(pk=merged.pk).update(state="merged")
    # A copy transferred in from another area is counted there, where it was raised.
    sent = raise_referral(member(Role.PRACTITIONER), submit=True)
    copy = raise_referral(practitioner, submit=True)
    Referral.objects.filter(pk=copy.pk).update(transferred_from=sent)
    old = raise_referral(practitioner, submit=True)
    Referral.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=30))
    rows = list(csv.DictReader(io.StringIO(produce(area))))
    assert len(rows) == 1
    assert rows[0]["timeliness"] == "not_decided" and rows[0]["outcome"] == "open"
    assert kept.state == "submitted"


def test_producing_a_return_is_recorded_as_an_export() -> None:
    area = AreaFactory.create()
    raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    produce(area)
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, area=area)
    assert event.details["export"] == "national_return" and event.details["rows"] == 1


def test_a_return_is_only_for_a_period_that_has_ended() -> None:
    area = AreaFactory.create()
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        produce(area, Period(PeriodKind.CUSTOM, today, today + timedelta(days=1)))
    assert "end" in refused.value.message_dict


@override_settings(NATIONAL_TOKEN_KEY="")
def test_without_the_key_no_return_is_produced() -> None:
    area = AreaFactory.create()
    with pytest.raises(TokenKeyMissing):
        produce(area)
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_only_the_areas_coordinators_and_administrators_produce_its_return() -> None:
    area = AreaFactory.create()
    for role in (Role.COORDINATOR, Role.AREA_ADMINISTRATOR):
        user = member(role, area=area)
        assert national_return_export(actor=user, ons_code=area.ons_code, period=this_week())
    for role in (Role.PRACTITIONER, Role.BOARD_MEMBER, Role.POLICE_LEAD):
        with pytest.raises(Http404):
            national_return_export(
                actor=member(role, area=area), ons_code=area.ons_code, period=this_week()
            )
    with pytest.raises(Http404):
        national_return_export(
            actor=member(Role.COORDINATOR), ons_code=area.ons_code, period=this_week()
        )
    with pytest.raises(PermissionDenied):
        national_tables(user=member(Role.COORDINATOR, area=area), period=this_week())
    with pytest.raises(PermissionDenied):
        import_text("x", actor=member(Role.AREA_ADMINISTRATOR, area=area))


# --- The import's bad-input matrix --------------------------------------------------------


def good_row(area: Area, **cells: str) -> dict[str, str]:
    period = this_week()
    return {
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "area_code": area.ons_code,
        "row_number": "1",
        "age_band": "13_to_15",
        "sex": "female",
        "ethnicity_group": "white",
        "agency_type": "education",
        "risk_level": "medium",
        "exploitation_type": "sexual",
        "outcome": "open",
        "timeliness": "in_time",
        "token": TOKEN,
        **cells,
    }


def file_of(rows: list[dict[str, str]], columns: list[str] | None = None) -> str:
    """The rows as a file, each return sealed as the area's service would seal it."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or list(COLUMNS), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(sealed(rows))
    return out.getvalue()


def refused(text: str, *, replace: bool = False) -> set[tuple[int, str]]:
    """Where the import's problems are; the import must change nothing."""
    before = list(NationalReturnRow.objects.values_list("pk", "national_return_id"))
    with pytest.raises(ImportRefused) as caught:
        import_text(text, replace=replace)
    assert list(NationalReturnRow.objects.values_list("pk", "national_return_id")) == before
    return {(p.row, p.column) for p in caught.value.problems}


def test_a_good_file_imports() -> None:
    area = AreaFactory.create()
    imported = import_text(file_of([good_row(area), good_row(area, row_number="2", token="")]))
    assert imported.rows == 2
    assert NationalReturnRow.objects.filter(national_return__area=area).count() == 2


TODAY = timezone.localdate()
MATRIX = [
    (
        "missing column",
        lambda a: file_of([good_row(a)], [c for c in COLUMNS if c != "sex"]),
        (1, "sex"),
    ),
    (
        "a column no return has",
        lambda a: file_of([{**good_row(a), "given_name": "Ann"}], [*COLUMNS, "given_name"]),
        (1, "given_name"),
    ),
    (
        "unknown area code",
        lambda a: file_of([good_row(a, area_code="E99999999")]),
        (2, "area_code"),
    ),
    (
        "not a date",
        lambda a: file_of([good_row(a, period_start="31/03/2026")]),
        (2, "period_start"),
    ),
    (
        "date before the earliest",
        lambda a: file_of([good_row(a, period_start="1999-12-31")]),
        (2, "period_start"),
    ),
    (
        "a date nobody could mean",
        lambda a: file_of([good_row(a, period_end="9999-12-31")]),
        (2, "period_end"),
    ),
    (
        "date in the future",
        lambda a: file_of([good_row(a, period_end=(TODAY + timedelta(days=1)).isoformat())]),
        (2, "period_end"),
    ),
    (
        "period ending before it starts",
        lambda a: file_of(
            [
                good_row(
                    a,
                    period_start=TODAY.isoformat(),
                    period_end=(TODAY - timedelta(days=1)).isoformat(),
                )
            ]
        ),
        (2, "period_end"),
    ),
    ("exact duplicate row", lambda a: file_of([good_row(a), good_row(a)]), (3, "row_number")),
    (
        "row numbered twice",
        lambda a: file_of([good_row(a), good_row(a, sex="male")]),
        (3, "row_number"),
    ),
    (
        "row missing from a return",
        lambda a: file_of([good_row(a), good_row(a, row_number="3")]),
        (3, "row_number"),
    ),
    ("token of the wrong length", lambda a: file_of([good_row(a, token="ab" * 31)]), (2, "token")),
    ("token not lowercase hex", lambda a: file_of([good_row(a, token="AB" * 32)]), (2, "token")),
    ("token not hex", lambda a: file_of([good_row(a, token="zz" * 32)]), (2, "token")),
    ("bad choice", lambda a: file_of([good_row(a, sex="boy")]), (2, "sex")),
    ("bad choice of risk", lambda a: file_of([good_row(a, risk_level="HIGH")]), (2, "risk_level")),
    ("bad row number", lambda a: file_of([good_row(a, row_number="first")]), (2, "row_number")),
    ("row number zero", lambda a: file_of([good_row(a, row_number="0")]), (2, "row_number")),
    ("row number not ascii", lambda a: file_of([good_row(a, row_number="²")]), (2, "row_number")),
    ("a row with too many cells", lambda a: file_of([good_row(a)]) + "a,b\r\n", (3, "")),
    ("empty file", lambda a: "", (1, "")),
    ("header only", lambda a: ",".join(COLUMNS) + "\r\n", (2, "")),
]


@pytest.mark.parametrize(("case", "make", "where"), MATRIX, ids=[m[0] for m in MATRIX])
def test_every_bad_cell_is_named_by_row_and_column_and_nothing_is_imported(
    case: str, make: Any, where: tuple[int, str]
) -> None:
    area = AreaFactory.create()
    # Another area's good return in the same file is not imported either.
    other = good_row(AreaFactory.create())
    text = make(area)
    if text.count("\n") > 1 and "given_name" not in text and where[0] != 1:
        text += file_of([other]).splitlines(keepends=True)[1]
    assert where in refused(text)
    assert not NationalReturnRow.objects.exists()


def test_a_file_not_in_utf8_is_refused() -> None:
    with pytest.raises(ImportRefused) as caught:
        national_returns_import(
            actor=member(Role.NATIONAL_ANALYST), file=io.BytesIO(b"\xff\xfe\x00"), today=TODAY
        )
    assert [(p.row, p.column) for p in caught.value.problems] == [(1, "")]


def test_a_nul_in_a_file_is_named_as_a_bad_character_never_echoed() -> None:
    area = AreaFactory.create()
    text = file_of([good_row(area)], columns=[*COLUMNS, "\x00"])
    with pytest.raises(ImportRefused) as caught:
        import_text(text)
    shown = [(p.column, p.message) for p in caught.value.problems]
    assert shown and not any("\x00" in column + message for column, message in shown)
    assert ("\ufffd", "\ufffd is not a column of a national return: remove it") in shown


def test_every_problem_is_reported_not_only_the_first() -> None:
    area = AreaFactory.create()
    text = file_of(
        [good_row(area, sex="boy", token="abc"), good_row(area, area_code="X1", row_number="2")]
    )
    assert refused(text) == {(2, "sex"), (2, "token"), (3, "area_code")}


def test_an_area_and_period_already_imported_is_replaced_only_when_asked() -> None:
    area = AreaFactory.create()
    import_text(file_of([good_row(area)]))
    again = file_of([good_row(area), good_row(area, row_number="2")])
    assert refused(again) == {(2, "area_code")}
    assert NationalReturnRow.objects.count() == 1
    imported = import_text(again, replace=True)
    assert (imported.rows, imported.replaced) == (2, 1)
    assert NationalReturn.objects.count() == 1 and NationalReturnRow.objects.count() == 2


def test_a_period_overlapping_an_imported_one_is_refused_even_when_replacing() -> None:
    area = AreaFactory.create()
    import_text(file_of([good_row(area)]))
    shifted = good_row(area, period_start=(TODAY - timedelta(days=3)).isoformat())
    assert refused(file_of([shifted]), replace=True) == {(2, "period_start")}
    assert NationalReturnRow.objects.count() == 1


def test_two_overlapping_periods_of_one_area_in_one_file_are_refused() -> None:
    area = AreaFactory.create()
    shifted = good_row(area, period_start=(TODAY - timedelta(days=3)).isoformat())
    assert refused(file_of([good_row(area), shifted])) == {(3, "period_start")}


def test_an_import_is_recorded_for_each_return() -> None:
    first, second = AreaFactory.create(), AreaFactory.create()
    import_text(file_of([good_row(first), good_row(second)]))
    events = AuditEvent.objects.filter(action=AuditAction.CREATE, details__import="national_return")
    assert {e.area_id for e in events} == {first.pk, second.pk}


def test_small_national_counts_are_suppressed() -> None:
    areas = [AreaFactory.create() for _ in range(2)]
    rows = [good_row(areas[0], row_number=str(n + 1), token=f"{n:064x}") for n in range(8)]
    rows += [good_row(areas[1], sex="male", token=f"{99:064x}")]
    import_text(file_of(rows))
    tables = national_tables(user=member(Role.NATIONAL_ANALYST), period=this_week())
    by_sex = {row.key: row for row in next(t for t in tables.tables if t.slug == "sex").rows}
    assert by_sex["male"].referrals.text == "c" and by_sex["male"].referrals.value is None
    assert by_sex["male"].referrals_share.text == "c"
    # Secondary: the female count would give the male one away from the total.
    assert by_sex["female"].referrals.text == "c"
    assert {row.key: row.figure.text for row in tables.summary}["referrals"] == "9"


@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 2),  # area
            st.integers(0, 1),  # period: the week before last, or last week
            st.one_of(st.none(), st.integers(0, 12)),  # the child, or no token
            st.sampled_from(["female", "male", "not_known"]),
            st.sampled_from(["under_10", "13_to_15", "16_to_17"]),
        ),
        min_size=1,
        max_size=60,
    )
)
@settings(max_examples=examples(20), deadline=None, suppress_health_check=list(HealthCheck))
def test_any_returns_give_tables_whose_declared_lines_add_up(
    rows: list[tuple[int, int, int | None, str, str]], db: Any
) -> None:
    """publish refuses a line whose parts do not add up to its total; whatever children
    appear in whatever areas, periods and categories, the tables are published."""
    NationalReturn.objects.all().delete()
    areas = list(Area.objects.filter(ons_code__startswith="E96"))
    for n in range(len(areas), 3):
        areas.append(Area.objects.create(name=f"Property {n}", ons_code=f"E96{n:06d}"))
    weeks = [
        (TODAY - timedelta(days=13), TODAY - timedelta(days=7)),
        (TODAY - timedelta(days=6), TODAY),
    ]
    numbers: dict[tuple[int, int], int] = defaultdict(int)
    cells = []
    for area, week, child, sex, age in rows:
        numbers[area, week] += 1
        start, end = weeks[week]
        cells.append(
            good_row(
                areas[area],
                period_start=start.isoformat(),
                period_end=end.isoformat(),
                row_number=str(numbers[area, week]),
                sex=sex,
                age_band=age,
                token="" if child is None else f"{child:064x}",
            )
        )
    import_text(file_of(cells))
    tables = national_tables(
        user=member(Role.NATIONAL_ANALYST),
        period=Period(PeriodKind.CUSTOM, weeks[0][0], TODAY),
    )
    children = {child for _, _, child, _, _ in rows if child is not None}
    shown = {row.key: row.figure for row in tables.summary}
    assert shown["young_people"].value in (len(children), None)
    assert shown["referrals"].value in (len(rows), None)
