"""Overdue reviews and risk reassessments are chased and escalated; every escalation chain
stops after the area's `escalation_max_repeats` with one final notice to the manager.

The clock is moved with time-machine (the timers tests' Place and run_twice): Friday 22 May
2026 is the Friday before the late May bank holiday (Monday 25 May).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from notifications.models import ALWAYS_URGENT, Notification, NotificationKind
from referrals.models import Referral
from tests.notifications.test_timers import Place, clock, ids, london, run_twice, told

pytestmark = pytest.mark.django_db
K = NotificationKind
__all__ = ["clock"]  # the fixture, used by name


def test_an_overdue_review_is_chased_then_escalated_in_working_time(clock: Any) -> None:
    """Due Friday: overdue from Saturday's first minute; its escalation clock starts at 09:00
    on Tuesday (after the bank holiday), so the four-hour interval ends at 13:00."""
    place = Place()
    place.name_manager()
    clock.move_to(london(5, 21, 10))
    referral = place.plan()
    Referral.objects.filter(pk=referral.pk).update(
        next_review_due_on=date(2026, 5, 22), risk_reassessment_due_on=None
    )
    assert run_twice(clock, london(5, 22, 9)) == [
        (K.REVIEW_DUE, f"review_due:{referral.pk}:2026-05-22")
    ]
    assert run_twice(clock, london(5, 23, 0, 1)) == [
        (K.REVIEW_OVERDUE, f"review_overdue:{referral.pk}:2026-05-22")
    ]
    assert told(K.REVIEW_OVERDUE) == ids([*place.coordinators, place.manager, place.lead])
    assert run_twice(clock, london(5, 26, 12, 59)) == []
    assert run_twice(clock, london(5, 26, 13)) == [
        (K.ESCALATION, f"escalation:review:{referral.pk}:2026-05-22:1")
    ]
    assert told(K.ESCALATION) == ids([place.manager])
    escalation = Notification.objects.get(kind=K.ESCALATION)
    assert escalation.title == f"Escalation 1: review on {referral.reference} still overdue"


def test_an_overdue_risk_reassessment_is_chased_and_escalated(clock: Any) -> None:
    place = Place(escalation_working_hours=1)
    referral = place.plan()
    Referral.objects.filter(pk=referral.pk).update(
        next_review_due_on=None, risk_reassessment_due_on=date(2026, 5, 21)
    )
    assert run_twice(clock, london(5, 22, 10)) == [
        (K.RISK_REASSESSMENT_DUE, f"risk_reassessment_due:{referral.pk}:2026-05-21"),
        (K.RISK_REASSESSMENT_OVERDUE, f"risk_reassessment_overdue:{referral.pk}:2026-05-21"),
        (K.ESCALATION, f"escalation:risk_reassessment:{referral.pk}:2026-05-21:1"),
    ]
    # Nobody named: the coordinators hear the escalation.
    assert told(K.ESCALATION) == ids([*place.coordinators, place.manager])


def test_a_review_done_in_time_is_not_chased(clock: Any) -> None:
    place = Place()
    referral = place.plan()
    Referral.objects.filter(pk=referral.pk).update(
        next_review_due_on=date(2026, 5, 22), risk_reassessment_due_on=None
    )
    run_twice(clock, london(5, 22, 9))
    # The review is held: the next one is twelve weeks away.
    Referral.objects.filter(pk=referral.pk).update(next_review_due_on=date(2026, 8, 14))
    assert run_twice(clock, london(5, 27, 12)) == []
    assert not told(K.REVIEW_OVERDUE)


def test_escalation_stops_at_the_areas_cap_with_one_final_notice(clock: Any) -> None:
    """Two escalations an hour apart, then the final notice, then silence however long it
    stays overdue."""
    place = Place(escalation_working_hours=1, escalation_max_repeats=2)
    place.name_manager()
    referral = place.concern()  # due Tuesday 15:00
    key = f"{referral.pk}:2026-05-26T14:00:00+00:00"
    run_twice(clock, london(5, 26, 15, 1))
    assert run_twice(clock, london(5, 26, 16)) == [(K.ESCALATION, f"escalation:triage:{key}:1")]
    assert run_twice(clock, london(5, 27, 9)) == [(K.ESCALATION, f"escalation:triage:{key}:2")]
    assert run_twice(clock, london(5, 27, 10)) == [
        (K.ESCALATION_FINAL, f"escalation_final:triage:{key}")
    ]
    for moment in (london(5, 27, 11), london(5, 28, 16), london(6, 8, 12)):
        assert run_twice(clock, moment) == []
    assert told(K.ESCALATION) == Counter({place.manager.pk: 2})
    assert told(K.ESCALATION_FINAL) == ids([place.manager])
    final = Notification.objects.get(kind=K.ESCALATION_FINAL)
    assert final.urgent and K.ESCALATION_FINAL in ALWAYS_URGENT
    assert "escalated 2 times; no further escalations" in final.body


def test_a_job_stopped_past_the_cap_sends_only_the_final_notice(clock: Any) -> None:
    place = Place(escalation_working_hours=1)  # the default cap: 3
    assert place.area.escalation_max_repeats == 3
    referral = place.concern()
    sent = run_twice(clock, london(5, 28, 12))
    assert [kind for kind, _ in sent] == [K.TRIAGE_OVERDUE, K.ESCALATION_FINAL]
    assert not told(K.ESCALATION)
    assert told(K.ESCALATION_FINAL) == ids([*place.coordinators, place.manager])
    assert sent[1][1] == f"escalation_final:triage:{referral.pk}:2026-05-26T14:00:00+00:00"
