"""The dashboard's key messages: a few sentences a board reads first, written from the published
figures only (a `c` is said to be hidden, never guessed at), and the warning that a period is
not over yet, so that a part of a period is never read as a fall against a whole one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .disclosure import Figure
from .periods import Period

MOST_MESSAGES = 5


@dataclass(frozen=True)
class Count:
    """A count row of the summary, and how a sentence names it."""

    key: str
    name: str  # "Concerns raised"


@dataclass(frozen=True)
class Rate:
    """A percentage row of the summary, and the sentence it completes ("…% of decisions were
    made within one working day")."""

    key: str
    of_what: str


# In the order a board asks: how many came, how fast they were decided, what is open, then the
# safety measures.
MESSAGES: tuple[Count | Rate, ...] = (
    Count("raised", "Concerns raised"),
    Rate("decided_in_time", "decisions were made within one working day"),
    Count("open", "Open cases at the end of the period"),
    Rate("rhi_rate", "return home interviews were held within 72 hours"),
    Rate("actions_rate", "protective actions were completed on time"),
    Count("disruption", "Disruption activities"),
)


def _day(day: date) -> str:
    return f"{day:%-d %B %Y}"


def incomplete_warning(period: Period, *, today: date) -> str:
    """Why the period cannot yet be compared with the one before as a whole ("" when it can)."""
    if period.end < today:
        return ""
    days, gone = (period.after - period.start).days, (today - period.start).days + 1
    return (
        f"{period.label} is not over: its figures run to {_day(today)}, {gone} of its {days} "
        f"days, while {period.previous().label} is complete. Counts will be lower than for a "
        "whole period: compare them with care."
    )


def _whole(value: Decimal) -> str:
    return str(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _count(spec: Count, now: Figure, then: Figure, labels: tuple[str, str], partial: bool) -> str:
    label, before = labels
    if now.suppressed or not isinstance(now.value, int):
        return f"{spec.name} in {label}: too few to show (c), to protect confidentiality."
    if partial:
        had = f"the whole of {before} had {then.value:,}" if isinstance(then.value, int) else ""
        return f"{spec.name} so far in {label}: {now.value:,}" + (f"; {had}." if had else ".")
    if then.suppressed or not isinstance(then.value, int):
        return (
            f"{spec.name} in {label}: {now.value:,}. The figure for {before} is hidden (c), "
            "so no change is given."
        )
    if then.value == 0 and now.value == 0:
        return f"{spec.name} in {label}: none, as in {before}."
    if then.value == 0:
        return f"{spec.name} in {label}: {now.value:,}, against none in {before}."
    if now.value == then.value:
        return f"{spec.name} were unchanged on {before}, at {now.value:,}."
    share = Decimal(abs(now.value - then.value) * 100) / Decimal(then.value)
    moved = "rose" if now.value > then.value else "fell"
    return (
        f"{spec.name} {moved} by {_whole(share)}% on {before}: {now.value:,} "
        f"against {then.value:,}."
    )


def _rate(spec: Rate, now: Figure, then: Figure, labels: tuple[str, str]) -> str:
    label, before = labels
    if now.suppressed:
        return ""  # the count under it is small: the count's own message says so
    if not isinstance(now.value, float):
        return ""  # nothing to take a share of
    against = f", against {then.text} in {before}" if isinstance(then.value, float) else ""
    return f"{now.text} of {spec.of_what} in {label}{against}."


def key_messages(
    summary: Mapping[str, tuple[Figure, Figure]], period: Period, *, today: date
) -> list[str]:
    """Up to five sentences from the summary's figures (key: this period's, the previous)."""
    labels = (period.label, period.previous().label)
    partial = bool(incomplete_warning(period, today=today))
    found = []
    for spec in MESSAGES:
        if spec.key not in summary:
            continue
        now, then = summary[spec.key]
        if isinstance(spec, Count):
            found.append(_count(spec, now, then, labels, partial))
        else:
            found.append(_rate(spec, now, then, labels))
    return [message for message in found if message][:MOST_MESSAGES]
