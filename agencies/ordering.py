"""Names in the order people read them: "School 2" before "School 10".

PostgreSQL sorts text character by character, so "10" comes before "2". ICU collations can read
digits as numbers, but not every server has ICU (the embedded one is built without it), so the
order is a sort key instead: the name in lower case with every run of digits left-padded to
DIGITS places. It works on any PostgreSQL and needs no migration.
"""

from __future__ import annotations

from django.db.models import F, Func, TextField, Value
from django.db.models.functions import Lower

DIGITS = 20  # longer runs of digits keep their last DIGITS only; no name here has one


def _regexp_replace(text: Func, pattern: str, replacement: str) -> Func:
    return Func(
        text,
        Value(pattern),
        Value(replacement),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )


def natural(field: str) -> Func:
    """The sort key of `field`: order_by(natural("name"), "name", "pk")."""
    padded = _regexp_replace(Lower(F(field)), r"(\d+)", "0" * DIGITS + r"\1")
    return _regexp_replace(padded, rf"\d*(\d{{{DIGITS}}})", r"\1")
