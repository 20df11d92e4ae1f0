"""Validators for identifiers recorded about young people."""

from __future__ import annotations

from django.core.exceptions import ValidationError

NHS_NUMBER_LENGTH = 10


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit for the first nine digits; None when no valid one exists."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def normalise_nhs_number(value: str) -> str:
    """People write NHS numbers as 943 476 5919 or 943-476-5919; store the ten digits."""
    return "".join(ch for ch in value if not ch.isspace() and ch != "-")


def validate_nhs_number(value: str) -> None:
    digits = normalise_nhs_number(value)
    if len(digits) != NHS_NUMBER_LENGTH or not digits.isdigit():
        raise ValidationError(
            "Enter an NHS number with 10 digits, like 943 476 5919", code="format"
        )
    if nhs_number_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(
            "Enter a real NHS number: the last digit does not match the others",
            code="check_digit",
        )
