"""Search for young people and referrals (referrals.search): what it finds, and that it never
finds what the user may not see."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import Membership, Role
from audit.models import AuditAction, AuditEvent
from referrals.break_glass import break_glass_open
from referrals.models import Referral, YoungPerson
from referrals.search import (
    SearchTerms,
    fold,
    parse,
    search_referrals,
    search_results,
    search_transaction,
    search_young_people,
)
from tests.factories import member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 5)


def names(actor: Any, text: str) -> list[str]:
    with search_transaction():
        found = search_young_people(actor=actor, terms=parse(text, today=TODAY))
        return [str(p) for p in found]


@pytest.fixture
def area_people() -> dict[str, Any]:
    """A coordinator's area with a few young people, each with a submitted referral."""
    coordinator = member(Role.COORDINATOR)
    area = Membership.objects.get(user=coordinator).area
    practitioner = member(Role.PRACTITIONER, area=area)
    people: dict[str, dict[str, Any]] = {
        "darren": {
            "given_name": "Darren",
            "family_name": "Smith",
            "aliases": ["Daz"],
            "date_of_birth": date(2010, 12, 18),
            "nhs_number": "9434765919",
            "postcode": "LS1 4AB",
            "school": "Hillside Academy",
        },
        "zoe": {
            "given_name": "Zoë",
            "family_name": "O'Brien-Núñez",
            "date_of_birth": date(2011, 3, 4),
            "postcode": "ls27 0xy",
            "school": "St Mary's Catholic High School",
        },
        "mohammed": {
            "given_name": "Mohammed",
            "family_name": "Khan",
            "date_of_birth": date(2009, 6, 1),
            "postcode": "BD5 7AA",
        },
    }
    referrals = {
        key: raise_referral(practitioner, submit=True, **person) for key, person in people.items()
    }
    return {"coordinator": coordinator, "area": area, "practitioner": practitioner, **referrals}


def test_parse_takes_each_kind_of_term_out() -> None:
    terms = parse("smi Dar 18/12/2010 943 476 5919 r26-123 ls14ab LS1 Hillside", today=TODAY)
    assert terms == SearchTerms(
        words=("smi", "dar", "hillside"),
        dates_of_birth=(date(2010, 12, 18),),
        nhs_numbers=("9434765919",),
        postcodes=("LS1 4AB",),
        outward_codes=("LS1",),
        references=("R26-000123",),
    )


@pytest.mark.parametrize(
    "text",
    ["18/12/2010", "18-12-2010", "18.12.10", "2010-12-18", "18 December 2010", "18th dec 2010"],
)
def test_parse_reads_dates_of_birth_as_people_write_them(text: str) -> None:
    assert parse(text, today=TODAY).dates_of_birth == (date(2010, 12, 18),)


def test_a_date_that_does_not_exist_matches_nothing() -> None:
    terms = parse("smith 31/02/2010", today=TODAY)
    assert terms.impossible and not terms.empty


def test_fold_drops_case_accents_and_apostrophes() -> None:
    assert fold("Zoë O'Brien-NÚÑEZ Straße") == ["zoe", "obrien", "nunez", "strasse"]


def test_nothing_to_search_for_finds_nothing(area_people: dict[str, Any]) -> None:
    assert names(area_people["coordinator"], " ,. ") == []


@pytest.mark.parametrize(
    "text",
    [
        "Darren Smith",
        "smith darren",  # any order
        "SMITH",  # any case
        "dar smi",  # the start of each name
        "daz",  # an alias
        "daz smith",  # an alias with the family name
        "Darren Smyth",  # a similar spelling: sounds the same
        "Daren",
    ],
)
def test_names_in_any_order_partial_aliases_and_similar_spellings(
    area_people: dict[str, Any], text: str
) -> None:
    assert names(area_people["coordinator"], text) == ["Darren Smith"]


@pytest.mark.parametrize("text", ["zoe", "ZOE obrien", "nunez", "Zoë Núñez", "o'brien"])
def test_names_without_regard_to_accents_or_apostrophes(
    area_people: dict[str, Any], text: str
) -> None:
    assert names(area_people["coordinator"], text) == ["Zoë O'Brien-Núñez"]


def test_similar_spellings_of_a_given_name(area_people: dict[str, Any]) -> None:
    assert names(area_people["coordinator"], "Muhammad") == ["Mohammed Khan"]


@pytest.mark.parametrize("text", ["Smiht", "Darren Smiht", "smiht 18/12/2010"])
def test_misspellings_when_nothing_else_matches(area_people: dict[str, Any], text: str) -> None:
    # Smiht neither starts nor sounds like Smith (SMT, SM0): only its trigrams find it.
    assert names(area_people["coordinator"], text) == ["Darren Smith"]


def test_a_word_that_matches_no_name_matches_nobody(area_people: dict[str, Any]) -> None:
    assert names(area_people["coordinator"], "darren jones") == []


@pytest.mark.parametrize(
    "text", ["18/12/2010", "2010-12-18", "18 Dec 2010", "smith 18/12/10", "18.12.2010"]
)
def test_date_of_birth_in_several_formats(area_people: dict[str, Any], text: str) -> None:
    assert names(area_people["coordinator"], text) == ["Darren Smith"]


def test_a_name_with_the_wrong_date_of_birth_matches_nobody(
    area_people: dict[str, Any],
) -> None:
    assert names(area_people["coordinator"], "darren 19/12/2010") == []


@pytest.mark.parametrize("text", ["9434765919", "943 476 5919", "943-476-5919"])
def test_nhs_number(area_people: dict[str, Any], text: str) -> None:
    assert names(area_people["coordinator"], text) == ["Darren Smith"]


def test_reference_in_any_case_with_or_without_its_zeros(area_people: dict[str, Any]) -> None:
    reference = area_people["zoe"].reference
    number = int(reference.split("-")[1])
    short = f"{reference.split('-')[0].lower()}-{number}"
    assert names(area_people["coordinator"], reference) == ["Zoë O'Brien-Núñez"]
    assert names(area_people["coordinator"], short) == ["Zoë O'Brien-Núñez"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("LS1 4AB", ["Darren Smith"]),
        ("ls14ab", ["Darren Smith"]),
        ("LS27 0XY", ["Zoë O'Brien-Núñez"]),  # stored in lower case
        ("LS1", ["Darren Smith"]),  # the outward code alone, not LS27
        ("bd5", ["Mohammed Khan"]),
    ],
)
def test_postcode(area_people: dict[str, Any], text: str, found: list[str]) -> None:
    assert names(area_people["coordinator"], text) == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Hillside Academy", ["Darren Smith"]),
        ("hillside", ["Darren Smith"]),
        ("st marys", ["Zoë O'Brien-Núñez"]),
        ("catholic high", ["Zoë O'Brien-Núñez"]),
    ],
)
def test_school(area_people: dict[str, Any], text: str, found: list[str]) -> None:
    assert names(area_people["coordinator"], text) == found


def test_best_name_matches_first(area_people: dict[str, Any]) -> None:
    practitioner = area_people["practitioner"]
    raise_referral(practitioner, submit=True, given_name="Darrell", family_name="Smithson")
    assert names(area_people["coordinator"], "darren smith") == ["Darren Smith"]
    assert names(area_people["coordinator"], "dar smith")[0] == "Darren Smith"


def test_out_of_scope_records_are_never_found(area_people: dict[str, Any]) -> None:
    outsider = member(Role.COORDINATOR)  # another area
    board = member(Role.BOARD_MEMBER, area=area_people["area"])
    for actor in (outsider, board):
        for text in ("darren", "9434765919", "18/12/2010", "LS1 4AB", "hillside"):
            assert names(actor, text) == []
        assert names(actor, area_people["darren"].reference) == []


def test_a_draft_is_found_by_its_raiser_only(area_people: dict[str, Any]) -> None:
    practitioner = area_people["practitioner"]
    raise_referral(practitioner, given_name="Drafty", family_name="Unsent")
    assert names(practitioner, "drafty") == ["Drafty Unsent"]
    assert names(area_people["coordinator"], "drafty") == []


def test_a_practitioner_finds_only_what_they_raised(area_people: dict[str, Any]) -> None:
    area = area_people["area"]
    colleague = member(Role.PRACTITIONER, area=area)
    theirs = raise_referral(colleague, submit=True, given_name="Darren", family_name="Smith")
    found = search_young_people(actor=colleague, terms=parse("darren smith"))
    assert [p.pk for p in found] == [theirs.young_person_id]


def test_break_glass_is_the_only_way_across(area_people: dict[str, Any]) -> None:
    outsider = member(Role.COORDINATOR)
    referral = area_people["darren"]
    assert names(outsider, "darren smith") == []
    break_glass_open(
        referral=referral, actor=outsider, reason="Found at a railway station out of hours"
    )
    assert names(outsider, "darren smith") == ["Darren Smith"]
    assert names(outsider, "zoe") == []


def test_results_show_only_the_referrals_in_scope(area_people: dict[str, Any]) -> None:
    """A young person known to two areas: each area's coordinator sees its own referral."""
    darren = area_people["darren"]
    other = member(Role.COORDINATOR)
    other_area = Membership.objects.get(user=other).area
    elsewhere = raise_referral(member(Role.PRACTITIONER, area=other_area), submit=True)
    Referral.objects.filter(pk=elsewhere.pk).update(young_person=darren.young_person)
    people = list(search_young_people(actor=other, terms=parse("darren")))
    results = search_results(actor=other, people=people)
    assert [[r.reference for r in result.referrals] for result in results] == [
        [elsewhere.reference]
    ]
    assert results[0].full


def test_summary_access_does_not_show_the_young_persons_details(
    area_people: dict[str, Any],
) -> None:
    practitioner = area_people["practitioner"]
    people = list(search_young_people(actor=practitioner, terms=parse("darren")))
    (result,) = search_results(actor=practitioner, people=people)
    assert not result.full
    assert result.referrals == [area_people["darren"]]


def test_merged_records_are_not_found(area_people: dict[str, Any]) -> None:
    darren = area_people["darren"].young_person
    duplicate = YoungPerson.objects.create(
        area=darren.area, given_name="Darren", family_name="Smith", merged_into=darren
    )
    found = list(search_young_people(actor=area_people["coordinator"], terms=parse("darren")))
    assert duplicate not in found and darren in found


def test_search_referrals_narrows_the_list(area_people: dict[str, Any]) -> None:
    coordinator = area_people["coordinator"]
    every = search_referrals(actor=coordinator, terms=parse(""))
    assert set(every) == {area_people[k] for k in ("darren", "zoe", "mohammed")}
    assert list(search_referrals(actor=coordinator, terms=parse("khan"))) == [
        area_people["mohammed"]
    ]
    reference = area_people["zoe"].reference
    assert list(search_referrals(actor=coordinator, terms=parse(reference))) == [area_people["zoe"]]
    assert list(search_referrals(actor=coordinator, terms=parse(""), state="active")) == []
    assert list(search_referrals(actor=member(Role.COORDINATOR), terms=parse("khan"))) == []


def test_every_result_shown_is_recorded_as_seen(area_people: dict[str, Any]) -> None:
    client = Client()
    coordinator = area_people["coordinator"]
    sign_in(client, coordinator)
    response = client.get(reverse("frontend:search"), {"q": "darren"})
    assert response.status_code == 200
    darren = area_people["darren"]
    seen = set(
        AuditEvent.objects.filter(actor=coordinator, action=AuditAction.VIEW).values_list(
            "object_type", "object_id"
        )
    )
    assert seen == {
        ("referrals.youngperson", str(darren.young_person_id)),
        ("referrals.referral", str(darren.pk)),
    }
