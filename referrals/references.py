"""Referral references: numbered from a database sequence, so concurrent raises never clash."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.utils import timezone


def format_referral_reference(number: int, today: date) -> str:
    """A human-readable reference such as R26-000123 (year of issue, sequence number)."""
    return f"R{today:%y}-{number:06d}"


def next_referral_reference() -> str:
    """A unique reference, numbered from a database sequence so concurrent raises never clash."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('referral_reference_seq')")
        (number,) = cursor.fetchone()
    return format_referral_reference(number, timezone.localdate())
