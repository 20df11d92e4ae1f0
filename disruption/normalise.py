"""Normal forms of identifiers, so that one car, phone or account is one record however it
was typed, and links across referrals are found by exact comparison."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NOT_ALPHANUMERIC = re.compile(r"[^A-Z0-9]")
_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")
_UK_NATIONAL = re.compile(r"0(\d{9,10})")
_INTERNATIONAL = re.compile(r"\+[1-9]\d{6,14}")


def registration(value: str) -> str:
    """A vehicle registration mark: upper case, letters and digits only ("ab12 cde" →
    "AB12CDE"). Raises ValueError when nothing is left."""
    normal = _NOT_ALPHANUMERIC.sub("", value.upper())
    if not normal:
        raise ValueError("Enter the registration, for example AB12 CDE.")
    if len(normal) > 10:
        raise ValueError("A registration has at most 10 letters and digits.")
    return normal


def phone_number(value: str) -> str:
    """A phone number in E.164 form. UK numbers may be typed nationally ("07700 900123"),
    with the country code ("+44 (0)7700 900123", "0044 7700 900123") or without the plus
    ("447700900123"). Raises ValueError for anything that is not a phone number."""
    digits = _PHONE_PUNCTUATION.sub("", value.strip())
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("44") and len(digits) in (12, 13):
        digits = "+" + digits
    if digits.startswith("+440"):  # "+44 (0)7700…": the trunk 0 is dropped after +44
        digits = "+44" + digits[4:]
    national = _UK_NATIONAL.fullmatch(digits)
    if national:
        digits = "+44" + national.group(1)
    if not _INTERNATIONAL.fullmatch(digits) or (
        digits.startswith("+44") and len(digits) not in (12, 13)
    ):
        raise ValueError("Enter a phone number, for example 07700 900123 or +44 7700 900123.")
    return digits


def handle(value: str) -> str:
    """An online handle: without a leading @, without surrounding space, in lower case
    (platforms treat handles case-insensitively)."""
    normal = value.strip().lstrip("@").strip().casefold()
    if not normal:
        raise ValueError("Enter the handle, for example @name.")
    return normal


def postcode(value: str) -> str:
    """A UK postcode in upper case with one space before the inward code ("ls11ab" → "LS1
    1AB"); anything else is kept as typed, trimmed (not every place has a postcode)."""
    compact = _NOT_ALPHANUMERIC.sub("", value.upper())
    if 5 <= len(compact) <= 7:
        return f"{compact[:-3]} {compact[-3:]}"
    return value.strip().upper()


def name_key(value: str) -> str:
    """A name for comparison: accents dropped, lower case, letters and single spaces only."""
    decomposed = unicodedata.normalize("NFKD", value)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z ]", " ", letters.casefold()).split())


def name_signatures(names: Iterable[str]) -> list[str]:
    """Keys under which similar names meet, for finding candidates in the database before
    comparing names closely: the initials of each name's words, and of its first and last
    word ("Mohammed Ali Khan" → "mak", "mk"). Names alike in the sense of
    `selectors.names_alike` share a key unless they differ in a first letter."""
    keys: set[str] = set()
    for name in names:
        words = name_key(name).split()
        if words:
            keys.add("".join(w[0] for w in words))
            keys.add(words[0][0] + words[-1][0])
    return sorted(keys)
