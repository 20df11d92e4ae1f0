"""Young people's pseudonymous tokens: the same child gives the same token in every area,
and nothing else does."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from typing import Any

import pytest
from django.test import override_settings

from reports.tokens import (
    NAME_PREFIX,
    NHS_PREFIX,
    TokenKeyMissing,
    identity_text,
    normalise_name,
    token_key,
    young_person_token,
)

KEY = b"a-test-key-shared-by-the-national-body"
NHS = "9434765919"
BORN = date(2010, 5, 17)


def token(key: bytes = KEY, **person: Any) -> str:
    identity = {"nhs_number": "", "given_name": "", "family_name": "", "date_of_birth": None}
    return young_person_token(key=key, **{**identity, **person})


def test_a_token_is_the_keyed_hash_of_the_nhs_number_in_lowercase_hex() -> None:
    made = token(nhs_number=NHS, given_name="Ann", family_name="Smith", date_of_birth=BORN)
    assert made == hmac.new(KEY, b"nhs:" + NHS.encode(), hashlib.sha256).hexdigest()
    assert len(made) == 64 and made == made.lower()


def test_the_same_nhs_number_gives_the_same_token_whatever_else_an_area_recorded() -> None:
    one_area = token(nhs_number=NHS, given_name="Ann", family_name="Smith", date_of_birth=BORN)
    other_area = token(nhs_number="943 476 5919", given_name="Annie", family_name="Smyth")
    assert one_area == other_area == token(nhs_number="943-476-5919")


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("José", "O'Brien-Smith"),
        ("  JOSE ", " obrien   smith"),
        ("jose\u0301", "OBRIEN SMITH"),  # an accent written as a combining mark
        ("Jos\u00e9", "O’Brien – Smith"),
    ],
)
def test_names_are_the_same_whatever_their_accents_case_spaces_and_marks(
    given: str, family: str
) -> None:
    expected = token(given_name="Jose", family_name="OBrien Smith", date_of_birth=BORN)
    assert token(given_name=given, family_name=family, date_of_birth=BORN) == expected


def test_normalised_names_keep_letters_of_every_script() -> None:
    assert normalise_name("Zoë  Ólafsdóttir") == "zoe olafsdottir"
    assert normalise_name("Straße") == "strasse"
    assert normalise_name("Анна") == "анна"


def test_a_different_date_of_birth_or_name_gives_a_different_token() -> None:
    base = token(given_name="Ann", family_name="Smith", date_of_birth=BORN)
    assert token(given_name="Ann", family_name="Smith", date_of_birth=date(2010, 5, 18)) != base
    assert token(given_name="Anne", family_name="Smith", date_of_birth=BORN) != base
    # Given and family name are separate fields: swapping them is another identity.
    assert token(given_name="Smith", family_name="Ann", date_of_birth=BORN) != base


def test_nhs_numbers_and_names_can_never_produce_the_same_input() -> None:
    by_nhs = identity_text(nhs_number=NHS, given_name="", family_name="", date_of_birth=None)
    by_name = identity_text(
        nhs_number="", given_name="Ann", family_name="Smith", date_of_birth=BORN
    )
    assert by_nhs == NHS_PREFIX + NHS
    assert by_name == f"{NAME_PREFIX}ann|smith|2010-05-17"
    # A name is letters and spaces only, so no name can spell out the other kind's prefix.
    assert not (by_name or "").startswith(NHS_PREFIX)
    spelt = identity_text(
        nhs_number="", given_name="nhs:9434765919", family_name="Smith", date_of_birth=BORN
    )
    assert spelt == f"{NAME_PREFIX}nhs|smith|2010-05-17"


def test_a_different_key_gives_a_different_token() -> None:
    assert token(nhs_number=NHS) != token(b"another-key", nhs_number=NHS)


def test_an_invalid_nhs_number_falls_back_to_name_and_date_of_birth() -> None:
    by_name = token(given_name="Ann", family_name="Smith", date_of_birth=BORN)
    wrong_check_digit = "9434765918"
    assert (
        token(
            nhs_number=wrong_check_digit, given_name="Ann", family_name="Smith", date_of_birth=BORN
        )
        == by_name
    )
    assert (
        token(nhs_number="12345", given_name="Ann", family_name="Smith", date_of_birth=BORN)
        == by_name
    )


@pytest.mark.parametrize(
    "person",
    [
        {"given_name": "Ann", "family_name": "Smith"},  # no date of birth
        {"given_name": "", "family_name": "Smith", "date_of_birth": BORN},
        {"given_name": "Ann", "family_name": "", "date_of_birth": BORN},
        {"given_name": "---", "family_name": "Smith", "date_of_birth": BORN},  # no letters
        {"nhs_number": "9434765918", "given_name": "Ann", "family_name": "Smith"},
    ],
)
def test_without_enough_to_match_on_there_is_no_token(person: dict[str, Any]) -> None:
    assert token(**person) == ""


def test_the_key_comes_from_settings_and_its_absence_is_a_clear_refusal() -> None:
    with override_settings(NATIONAL_TOKEN_KEY="some-key"):
        assert token_key() == b"some-key"
    with override_settings(NATIONAL_TOKEN_KEY=""), pytest.raises(TokenKeyMissing) as refused:
        token_key()
    assert "NATIONAL_TOKEN_KEY" in str(refused.value)
