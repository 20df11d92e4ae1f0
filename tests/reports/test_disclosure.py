"""Disclosure control, proved by search: for every suppressed cell, some other table that agrees
with everything shown gives that cell a different value."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.disclosure import (
    NOT_APPLICABLE,
    SUPPRESSED,
    Figure,
    Line,
    change,
    count_figure,
    measure,
    percentage,
    publish,
    suppress,
)
from tests.strength import examples


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    """Every way of writing `total` as `parts` counts of at least 1."""
    if parts == 0:
        return [()] if total == 0 else []
    if parts == 1:
        return [(total,)] if total >= 1 else []
    return [
        (first, *rest)
        for first in range(1, total - parts + 2)
        for rest in _compositions(total - first, parts - 1)
    ]


def possible_values(
    shown: dict[str, int | None], lines: list[Line], slack: int = 8
) -> dict[str, set[int]]:
    """What a reader can conclude: for each suppressed key (None in `shown`), every value it
    takes in some table consistent with the shown counts, the lines, and `c` >= 1.

    The lines share one total (the shape `suppress` accepts), so once that total is fixed each
    line's suppressed parts range independently over the compositions of what is left."""
    (total,) = {line.total for line in lines}
    shown_total = shown[total]
    if shown_total is not None:
        candidates = [shown_total]
    else:
        # At least each line's shown parts plus 1 per `c`; searched a little beyond.
        least = max(sum(shown[p] or 1 for p in line.parts) for line in lines)
        candidates = list(range(1, least + slack))
    found: dict[str, set[int]] = {key: set() for key, v in shown.items() if v is None}
    for value in candidates:
        per_line = []
        for line in lines:
            hidden = [p for p in line.parts if shown[p] is None]
            rest = value - sum(shown[p] or 0 for p in line.parts if shown[p] is not None)
            options = _compositions(rest, len(hidden))
            if not options:
                break
            per_line.append((hidden, options))
        else:
            if shown_total is None:
                found[total].add(value)
            for hidden, options in per_line:
                for option in options:
                    for key, v in zip(hidden, option, strict=True):
                        found[key].add(v)
    return found


@st.composite
def tables(draw: st.DrawFn) -> tuple[dict[str, int], list[Line]]:
    """A headline count and one to three breakdowns of it, weighted towards small counts."""
    count = st.one_of(st.integers(0, 7), st.integers(0, 40))
    breakdowns = draw(st.lists(st.lists(count, min_size=1, max_size=5), min_size=1, max_size=3))
    first_sum = sum(breakdowns[0])
    counts: dict[str, int] = {"total": first_sum}
    lines = []
    for i, parts in enumerate(breakdowns):
        # Every breakdown must add up to the same total: the last part of each later one takes
        # up the difference, or the breakdown is replaced by the first one's shape.
        if i and sum(parts[:-1]) <= first_sum:
            parts = [*parts[:-1], first_sum - sum(parts[:-1])]
        elif i:
            parts = list(breakdowns[0])
        keys = tuple(f"b{i}.{j}" for j in range(len(parts)))
        counts.update(zip(keys, parts, strict=True))
        lines.append(Line("total", keys))
    return counts, lines


@settings(max_examples=examples(400), deadline=None)
@given(tables())
def test_no_suppressed_count_can_be_worked_out(table: tuple[dict[str, int], list[Line]]) -> None:
    counts, lines = table
    hidden = suppress(counts, lines)
    shown = {key: (None if key in hidden else count) for key, count in counts.items()}
    possible = possible_values(shown, lines)
    for key in hidden:
        assert counts[key] in possible[key], key  # the true table is among those searched
        assert len(possible[key]) > 1, f"{key} = {counts[key]} is given away by {shown}"


@settings(max_examples=examples(200), deadline=None)
@given(tables())
def test_small_counts_are_hidden_and_zeros_and_large_counts_shown_unless_needed(
    table: tuple[dict[str, int], list[Line]],
) -> None:
    counts, lines = table
    hidden = suppress(counts, lines)
    for key, count in counts.items():
        if 1 <= count <= 5:
            assert key in hidden
        if count == 0:
            assert key not in hidden  # a true zero is always shown as 0
    published = publish(counts, lines)
    for key in hidden:
        assert published[key] == Figure(SUPPRESSED)
        assert published[key].value is None


def test_the_secondary_cell_is_the_smallest_one_left():
    counts = {"t": 40, "a": 3, "b": 7, "c": 30}
    assert suppress(counts, [Line("t", ("a", "b", "c"))]) == {"a", "b"}


def test_suppressed_ones_that_add_up_to_their_number_take_another():
    # Two c's adding to 2 would each be 1; a third cell breaks that.
    counts = {"t": 22, "a": 1, "b": 1, "c": 20}
    assert suppress(counts, [Line("t", ("a", "b", "c"))]) == {"a", "b", "c"}


def test_a_breakdown_of_only_ones_hides_its_total():
    counts = {"t": 6, **{f"p{i}": 1 for i in range(6)}}
    hidden = suppress(counts, [Line("t", tuple(f"p{i}" for i in range(6)))])
    assert "t" in hidden


def test_a_hidden_total_is_not_left_as_the_sum_of_another_breakdown():
    counts = {"t": 6, **{f"p{i}": 1 for i in range(6)}, "x": 6, "y": 0}
    lines = [Line("t", tuple(f"p{i}" for i in range(6))), Line("t", ("x", "y"))]
    hidden = suppress(counts, lines)
    assert {"t", "x"} <= hidden


@pytest.mark.parametrize(
    ("counts", "lines", "message"),
    [
        ({"t": 5, "a": 4}, [Line("t", ("a",))], "do not add up"),
        ({"t": 4, "a": 4}, [Line("t", ("a",)), Line("u", ("a",))], "no count"),
        ({"t": 4, "a": 4, "u": 4}, [Line("t", ("a",)), Line("u", ("a",))], "two lines"),
        ({"t": -1}, [], "negative"),
    ],
)
def test_shapes_it_cannot_protect_are_refused(counts, lines, message):
    with pytest.raises(ValueError, match=message):
        suppress(counts, lines)


def test_percentages_follow_their_counts():
    assert percentage(count_figure(7, hidden=False), count_figure(9, hidden=False)).text == "77.8%"
    assert percentage(count_figure(1, hidden=False), count_figure(8, hidden=False)).text == "12.5%"
    assert percentage(count_figure(3, hidden=True), count_figure(9, hidden=False)).text == "c"
    assert percentage(count_figure(0, hidden=False), count_figure(0, hidden=False)).text == (
        NOT_APPLICABLE
    )


def test_a_median_over_a_suppressed_group_is_suppressed():
    assert measure(4.25, of=count_figure(4, hidden=True), unit=" hours").text == "c"
    assert measure(4.25, of=count_figure(40, hidden=False), unit=" hours").text == "4.3 hours"


@pytest.mark.parametrize(
    ("current", "previous", "shown"),
    [
        ((10, False), (7, False), "+3"),
        ((10, False), (3, True), "c"),
        ((4, True), (9, False), "c"),
        ((9, False), (9, False), "0"),
        ((7, False), (12, False), "-5"),
    ],
)
def test_a_change_is_shown_only_when_both_periods_are(current, previous, shown):
    result = change(
        count_figure(current[0], hidden=current[1]), count_figure(previous[0], hidden=previous[1])
    )
    assert result.text == shown


def test_every_table_shape_is_searched_exhaustively_somewhere():
    """The search itself can fail: a single suppressed part under a shown total is found."""
    shown: dict[str, int | None] = {"t": 10, "a": None, "b": 7}
    assert possible_values(shown, [Line("t", ("a", "b"))])["a"] == {3}
