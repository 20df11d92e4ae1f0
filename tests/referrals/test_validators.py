from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from referrals.validators import nhs_number_check_digit, validate_nhs_number


@pytest.mark.parametrize("value", ["9434765919", "943 476 5919", "943-476-5919", "4010232137"])
def test_valid_nhs_numbers(value: str) -> None:
    validate_nhs_number(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("9434765918", "check_digit"),  # last digit wrong
        ("943476591", "format"),  # nine digits
        ("94347659190", "format"),  # eleven digits
        ("94347659I9", "format"),  # a letter
        ("", "format"),
    ],
)
def test_invalid_nhs_numbers(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_nhs_number(value)
    assert error.value.code == code


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_exactly_one_last_digit_is_valid_unless_none_is(first_nine: str) -> None:
    valid = []
    for last in "0123456789":
        try:
            validate_nhs_number(first_nine + last)
        except ValidationError:
            continue
        valid.append(last)
    expected = nhs_number_check_digit(first_nine)
    assert valid == ([] if expected is None else [str(expected)])
