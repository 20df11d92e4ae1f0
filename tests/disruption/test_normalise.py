"""One car, phone or account is one record however it was typed; alike names are found."""

from __future__ import annotations

import pytest

from disruption import normalise
from disruption.selectors import TypedName, names_alike


@pytest.mark.parametrize(
    "typed", ["AB12 CDE", "ab12cde", " ab12-cde ", "A B 1 2 C D E", "ab.12.cde"]
)
def test_registrations_typed_any_way_are_equal(typed: str) -> None:
    assert normalise.registration(typed) == "AB12CDE"


@pytest.mark.parametrize("typed", ["", "  - ", "ABCDEFGHIJK1"])
def test_a_registration_that_is_not_one_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        normalise.registration(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "07700 900123",
        "07700900123",
        "+44 7700 900123",
        "+44 (0)7700 900123",
        "0044 7700 900123",
        "447700900123",
        "(07700) 900-123",
    ],
)
def test_phone_numbers_typed_any_way_are_equal(typed: str) -> None:
    assert normalise.phone_number(typed) == "+447700900123"


@pytest.mark.parametrize("typed", ["", "12345", "call me", "0770090012345678"])
def test_what_is_not_a_phone_number_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        normalise.phone_number(typed)


def test_handles_lose_the_at_sign_and_case() -> None:
    assert normalise.handle(" @Mo_K99 ") == normalise.handle("mo_k99") == "mo_k99"


@pytest.mark.parametrize(
    ("name", "aliases", "other", "other_aliases", "reason"),
    [
        ("Mo Khan", [], "Mohammed Khan", [], "'Mo Khan' is like 'Mohammed Khan'"),
        ("Mohammed Khan", [], "Muhammad Khan", [], "'Mohammed Khan' is like 'Muhammad Khan'"),
        ("Jon Smith", [], "John Smith", [], "'Jon Smith' is like 'John Smith'"),
        ("Sam Hussein", [], "Mohammed Khan", ["Mo K"], None),
        (
            "Mo Kahn",
            [],
            "Mohammed Khan",
            ["Mo Kahn"],
            "'Mo Kahn' is like 'Mohammed Khan' (alias 'Mo Kahn')",
        ),
        ("Zé Ribeiro", [], "ZE RIBEIRO", [], "'Zé Ribeiro' is like 'ZE RIBEIRO'"),
    ],
)
def test_alike_names_match_with_the_reason(
    name: str, aliases: list[str], other: str, other_aliases: list[str], reason: str | None
) -> None:
    found = names_alike(TypedName(name, aliases), TypedName(other, other_aliases))
    assert found == (reason or "")


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("John Smith", "Jane Smith"),
        ("Aisha Begum", "John Smith"),
        ("Ali Khan", "Ali Shah"),
        ("J Smith", "Jo Smyth"),
        ("Khan", "Mohammed Khan"),
    ],
)
def test_unrelated_names_do_not_match(name: str, other: str) -> None:
    assert names_alike(TypedName(name), TypedName(other)) == ""


def test_name_signatures_are_initials_of_all_and_of_first_and_last_words() -> None:
    assert normalise.name_signatures(["Mohammed Ali Khan", "Mo"]) == ["m", "mak", "mk", "mm"]
    assert normalise.name_signatures(["  ", ""]) == []


@pytest.mark.parametrize(
    ("name", "aliases", "other", "other_aliases"),
    [
        ("Mo Khan", [], "Mohammed Khan", []),
        ("Mohammed Khan", [], "Muhammad Khan", []),
        ("Mohammed Ali Khan", [], "Mohammed Khan", []),
        ("Jon Smyth", [], "John Smith", []),
        ("Big Man", ["Mo K"], "Mo Khan", []),
    ],
)
def test_names_found_alike_share_a_signature(
    name: str, aliases: list[str], other: str, other_aliases: list[str]
) -> None:
    """The database looks for similar names only among shared signatures: every pair the
    close comparison calls alike here must share one, or it would never be compared."""
    assert names_alike(TypedName(name, aliases), TypedName(other, other_aliases))
    ours = normalise.name_signatures([name, *aliases])
    theirs = normalise.name_signatures([other, *other_aliases])
    assert set(ours) & set(theirs)


@pytest.mark.parametrize("value", ["", "  ", "@", " @ "])
def test_a_handle_of_nothing_but_an_at_sign_or_space_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="Enter the handle"):
        normalise.handle(value)
