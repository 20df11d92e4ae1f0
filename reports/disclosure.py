"""Disclosure control: the one place that decides what a board or national reader may see.

The rule is the official statistics one (DfE, Children in Need): a count from 1 to 5 is shown
as `c`; a true zero is shown as `0`; percentages and rates are given to one decimal place and
are suppressed when their numerator or denominator is. Primary suppression alone is not
enough where a table prints totals, so this module also suppresses secondary cells until no
suppressed count can be worked out from what is shown.

A table is described as counts by key plus `Line`s: a line says one count (its total) is the
sum of others (its parts), as "concerns raised" is the sum of the concerns raised by each sex.
Lines may share a total (every breakdown of the concerns raised shares that headline), but a
part belongs to one line only and is never itself a total. Within that shape a reader who
knows the shown figures, the lines and that every `c` stands for at least 1 (zeros are always
shown) can pin down a suppressed count only when, in some line:

- the total is shown and exactly one part is suppressed (it is the total less the rest);
- the total is shown and the suppressed parts add up to no more than their number (each must
  be 1);
- the total is suppressed and no part is (it is the sum of the parts).

`suppress` adds the smallest shown non-zero part of such a line (or, when there is none, the
line's total) and repeats until no line gives anything away. Comparing two periods never
subtracts a suppressed count: a change is shown only when both of its counts are.
tests/reports/test_disclosure.py proves the result against a brute-force search of every table
consistent with what is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

SUPPRESSED = "c"
NOT_AVAILABLE = ":"
NOT_APPLICABLE = "z"
# The smallest count shown as itself; 1 to SMALLEST_SHOWN - 1 are suppressed.
SMALLEST_SHOWN = 6
# What every page, export and API response says about the symbols above.
SUPPRESSION_NOTE = (
    "Counts from 1 to 5 are shown as c; c also hides any count that would let one be worked "
    "out. z: not applicable. :: not available."
)


@dataclass(frozen=True)
class Line:
    """`total` is the sum of `parts`."""

    total: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Figure:
    """One published cell: what a reader sees. A suppressed figure keeps no value at all, so
    nothing downstream (a page, an export, the API) can leak it by accident."""

    text: str
    value: int | float | None = None

    @property
    def suppressed(self) -> bool:
        return self.text == SUPPRESSED

    def as_json(self) -> dict[str, Any]:
        return {"shown": self.text, "value": self.value}


def primary(count: int) -> bool:
    return 0 < count < SMALLEST_SHOWN


def _check_shape(counts: Mapping[str, int], lines: Sequence[Line]) -> None:
    totals = {line.total for line in lines}
    seen: set[str] = set()
    for line in lines:
        for key in (line.total, *line.parts):
            if key not in counts:
                raise ValueError(f"no count for {key!r}")
        for part in line.parts:
            if part in seen or part in totals:
                raise ValueError(f"{part!r} is a part of two lines, or a part and a total")
            seen.add(part)
        if sum(counts[part] for part in line.parts) != counts[line.total]:
            raise ValueError(f"the parts of {line.total!r} do not add up to it")
    for key, count in counts.items():
        if count < 0:
            raise ValueError(f"{key!r} is negative")


def _giveaway(line: Line, counts: Mapping[str, int], hidden: set[str]) -> bool:
    """Whether this line lets a reader work out one of its suppressed counts."""
    hidden_parts = [part for part in line.parts if part in hidden]
    if line.total in hidden:
        return not hidden_parts
    if not hidden_parts:
        return False
    return len(hidden_parts) == 1 or sum(counts[p] for p in hidden_parts) <= len(hidden_parts)


def _next_to_hide(line: Line, counts: Mapping[str, int], hidden: set[str]) -> str:
    shown = [p for p in line.parts if p not in hidden and counts[p] > 0]
    if shown:
        return min(shown, key=lambda p: (counts[p], line.parts.index(p)))
    return line.total


def suppress(counts: Mapping[str, int], lines: Sequence[Line] = ()) -> frozenset[str]:
    """The keys to show as `c`: every count from 1 to 5, and as few others as keep them safe."""
    _check_shape(counts, lines)
    hidden = {key for key, count in counts.items() if primary(count)}
    changed = True
    while changed:
        changed = False
        for line in lines:
            if _giveaway(line, counts, hidden):
                hidden.add(_next_to_hide(line, counts, hidden))
                changed = True
    return frozenset(hidden)


def count_figure(count: int | None, *, hidden: bool) -> Figure:
    if count is None:
        return Figure(NOT_AVAILABLE)
    if hidden:
        return Figure(SUPPRESSED)
    return Figure(f"{count:,}", count)


def publish(counts: Mapping[str, int], lines: Sequence[Line] = ()) -> dict[str, Figure]:
    """Every count as its reader sees it."""
    hidden = suppress(counts, lines)
    return {key: count_figure(count, hidden=key in hidden) for key, count in counts.items()}


def one_decimal(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percentage(numerator: Figure, denominator: Figure) -> Figure:
    """numerator / denominator as a percentage to one decimal place; `c` when either count is
    suppressed, `z` when there is nothing to divide by."""
    if numerator.suppressed or denominator.suppressed:
        return Figure(SUPPRESSED)
    if numerator.value is None or denominator.value is None:
        return Figure(NOT_AVAILABLE)
    if denominator.value == 0:
        return Figure(NOT_APPLICABLE)
    shown = one_decimal(Decimal(numerator.value) * 100 / Decimal(denominator.value))
    return Figure(f"{shown}%", float(shown))


def measure(value: float | None, *, of: Figure, unit: str = "") -> Figure:
    """A figure computed over a group of records (a median, an average): shown to one decimal
    place only when the group's count is shown and not zero."""
    if of.suppressed:
        return Figure(SUPPRESSED)
    if of.value == 0:
        return Figure(NOT_APPLICABLE)
    if value is None or of.value is None:
        return Figure(NOT_AVAILABLE)
    shown = one_decimal(value)
    return Figure(f"{shown}{unit}", float(shown))


def change(current: Figure, previous: Figure) -> Figure:
    """The change between two periods' counts, shown only when both counts are: a difference
    with one suppressed side would give that side away."""
    if current.suppressed or previous.suppressed:
        return Figure(SUPPRESSED)
    if not isinstance(current.value, int) or not isinstance(previous.value, int):
        return Figure(NOT_AVAILABLE)
    difference = current.value - previous.value
    return Figure(f"{difference:+,}" if difference else "0", difference)
