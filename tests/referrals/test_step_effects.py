"""Each workflow step's effects are declared once, beside the state machine (referrals.steps)."""

from __future__ import annotations

import inspect
from collections import Counter

from notifications import producers
from referrals.steps import STEPS
from referrals.workflow import declared_transitions


def test_every_transition_has_exactly_one_declaration() -> None:
    declared = Counter(step.transition for step in STEPS)
    # django-fsm lists a transition once per source state: its name is what a step is.
    transitions = {t.name for t in declared_transitions()}
    assert sorted(declared.elements()) == sorted(transitions)


def test_every_step_writes_its_own_timeline_event() -> None:
    events = [step.event for step in STEPS]
    assert len(set(events)) == len(events)


def test_every_notification_named_is_a_producer_of_a_step() -> None:
    for step in STEPS:
        for name in step.notify:
            produce = getattr(producers, name, None)
            assert inspect.isfunction(produce), (step.transition, name)
            # Defined in the notifications app (producers, or a module of its own it imports).
            assert produce.__module__.startswith("notifications."), (step.transition, name)
            assert list(inspect.signature(produce).parameters) == ["referral", "actor"], name
