"""Pseudonymous tokens for counting a young person once across areas (docs/national-returns.md).

A token is HMAC-SHA256, under the key the national body shares with every area, of one of:

- ``nhs:<ten digits>`` when the young person has a valid NHS number;
- ``name-dob:<given name>|<family name>|<date of birth>`` otherwise, the names normalised.

The prefixes keep the two kinds apart, so an NHS number can never produce the same token as a
name. The key is what makes the token safe to send: NHS numbers and dates of birth are few
enough to try them all, so a plain hash could be reversed by anyone; without the key nobody
can compute a single token. Without a date of birth, or without a name, there is no token and
the row is counted as not matchable.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError

from referrals.validators import normalise_nhs_number, validate_nhs_number

NHS_PREFIX = "nhs:"
NAME_PREFIX = "name-dob:"
TOKEN_LENGTH = 64
TOKEN_PATTERN = re.compile(r"[0-9a-f]{64}")
# Hyphens and spaces separate parts of a name ("Mary-Jane" is "Mary Jane"); other marks
# (apostrophes, full stops, digits) are dropped ("O'Brien" is "OBrien").
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—]+")


class TokenKeyMissing(Exception):
    """The server has no national token key, so no return can be produced."""

    message = (
        "National returns cannot be produced yet: this service has no national token key. "
        "Ask your system administrator to set NATIONAL_TOKEN_KEY to the key the national "
        "body shares."
    )


def token_key() -> bytes:
    key = settings.NATIONAL_TOKEN_KEY
    if not key:
        raise TokenKeyMissing(TokenKeyMissing.message)
    return key.encode()


def normalise_name(value: str) -> str:
    """Accents, case and spacing do not make a different person: "  José  O'Brien-Smith "
    and "JOSE OBRIEN SMITH" are both "jose obrien smith"."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    spaced = _SEPARATORS.sub(" ", decomposed)
    letters = "".join(ch for ch in spaced if ch == " " or ch.isalpha())
    return " ".join(letters.split())


def valid_nhs_number(value: str) -> str | None:
    """The ten digits of a valid NHS number, else None."""
    digits = normalise_nhs_number(value or "")
    try:
        validate_nhs_number(digits)
    except ValidationError:
        return None
    return digits


def identity_text(
    *, nhs_number: str, given_name: str, family_name: str, date_of_birth: date | None
) -> str | None:
    """What the token is made from, or None when there is not enough to match on."""
    digits = valid_nhs_number(nhs_number)
    if digits:
        return f"{NHS_PREFIX}{digits}"
    given, family = normalise_name(given_name), normalise_name(family_name)
    if date_of_birth is None or not given or not family:
        return None
    return f"{NAME_PREFIX}{given}|{family}|{date_of_birth.isoformat()}"


def young_person_token(
    *,
    key: bytes,
    nhs_number: str,
    given_name: str,
    family_name: str,
    date_of_birth: date | None,
) -> str:
    """The young person's token (64 lowercase hex characters), or "" when not matchable."""
    text = identity_text(
        nhs_number=nhs_number,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
    )
    if text is None:
        return ""
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
