"""The dashboard's key messages say what the published figures say, and no more: a hidden
count is said to be hidden, a part of a period is never compared as a whole with the one
before, and a share is given only where there is one."""

from __future__ import annotations

from datetime import date

from reports.disclosure import Figure
from reports.key_messages import incomplete_warning, key_messages
from reports.periods import Period, PeriodKind

QUARTER = Period(PeriodKind.QUARTER, date(2026, 7, 1), date(2026, 9, 30))
AFTER_IT = date(2026, 10, 5)


def count(value: int) -> Figure:
    return Figure(f"{value:,}", value)


def share(value: float) -> Figure:
    return Figure(f"{value:.1f}%", value)


HIDDEN = Figure("c")
NONE_TO_SHARE = Figure("z")


def test_a_whole_period_is_compared_with_the_one_before_in_words() -> None:
    messages = key_messages(
        {
            "raised": (count(56), count(50)),
            "decided_in_time": (share(82.1), share(75.0)),
            "open": (count(40), count(40)),
            "rhi_rate": (share(60.0), HIDDEN),
            "actions_rate": (NONE_TO_SHARE, NONE_TO_SHARE),
            "disruption": (count(10), count(20)),
        },
        QUARTER,
        today=AFTER_IT,
    )
    assert messages == [
        "Concerns raised rose by 12% on April to June 2026: 56 against 50.",
        "82.1% of decisions were made within one working day in July to September 2026, "
        "against 75.0% in April to June 2026.",
        "Open cases at the end of the period were unchanged on April to June 2026, at 40.",
        "60.0% of return home interviews were held within 72 hours in July to September 2026.",
        "Disruption activities fell by 50% on April to June 2026: 10 against 20.",
    ]


def test_hidden_counts_are_said_to_be_hidden_and_never_compared() -> None:
    messages = key_messages(
        {
            "raised": (HIDDEN, count(50)),
            "decided_in_time": (HIDDEN, share(75.0)),
            "open": (count(12), HIDDEN),
            "disruption": (count(8), count(0)),
        },
        QUARTER,
        today=AFTER_IT,
    )
    assert messages == [
        "Concerns raised in July to September 2026: too few to show (c), to protect "
        "confidentiality.",
        "Open cases at the end of the period in July to September 2026: 12. The figure for "
        "April to June 2026 is hidden (c), so no change is given.",
        "Disruption activities in July to September 2026: 8, against none in April to June 2026.",
    ]
    assert all("50" not in message for message in messages)


def test_a_period_not_over_is_not_read_as_a_fall_and_is_flagged() -> None:
    today = date(2026, 8, 15)
    messages = key_messages({"raised": (count(20), count(50))}, QUARTER, today=today)
    assert messages == [
        "Concerns raised so far in July to September 2026: 20; the whole of April to June 2026 "
        "had 50."
    ]
    assert incomplete_warning(QUARTER, today=today) == (
        "July to September 2026 is not over: its figures run to 15 August 2026, 46 of its 92 "
        "days, while April to June 2026 is complete. Counts will be lower than for a whole "
        "period: compare them with care."
    )
    assert incomplete_warning(QUARTER, today=date(2026, 10, 1)) == ""
    assert "not over" in incomplete_warning(QUARTER, today=date(2026, 9, 30))


def test_none_in_either_period_is_said_in_words() -> None:
    messages = key_messages(
        {"raised": (count(0), count(0)), "decided_in_time": (NONE_TO_SHARE, NONE_TO_SHARE)},
        QUARTER,
        today=AFTER_IT,
    )
    assert messages == [
        "Concerns raised in July to September 2026: none, as in April to June 2026."
    ]
