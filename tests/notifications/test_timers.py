"""The timers: due soon, overdue and escalation, in working time, told once to whoever may see.

The clock is moved with time-machine. Friday 22 May 2026 is the Friday before the late May
bank holiday (Monday 25 May), so working time stops from Friday 17:00 to Tuesday 09:00.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from agencies.models import AgencyType, Area, Membership, Role, User
from disruption.activity_services import disruption_activity_add
from disruption.models import DisruptionStatus, DisruptionTactic, PersonOfConcern
from notifications import ticker
from notifications.models import Notification, NotificationKind
from notifications.tasks import timers_run as timers_task
from notifications.timers import LOCK_KEY, timers_check, timers_run
from referrals.casework import (
    action_add,
    missing_episode_end,
    missing_episode_start,
    return_home_interview_record,
)
from referrals.models import ProtectiveActionType, Referral
from referrals.workflow import referral_assign_lead, referral_transition
from referrals.working_time import LONDON
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral

pytestmark = pytest.mark.django_db

K = NotificationKind


def london(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


FRIDAY = london(5, 22, 15)  # before the late May bank holiday


class Place:
    """An area with two coordinators, a named manager (also a coordinator), a police lead, a
    practitioner, a lead professional's agency, and people who must never be told."""

    def __init__(self, **area_settings: Any) -> None:
        self.area = AreaFactory.create(**area_settings)
        self.police = AgencyFactory.create(areas=[self.area], agency_type=AgencyType.POLICE)
        self.school = AgencyFactory.create(areas=[self.area])
        self.health = AgencyFactory.create(areas=[self.area], agency_type=AgencyType.HEALTH)
        self.coordinators = [member(Role.COORDINATOR, area=self.area, agency=self.school)]
        self.coordinators.append(member(Role.COORDINATOR, area=self.area, agency=self.school))
        self.manager = member(Role.COORDINATOR, area=self.area, agency=self.school)
        self.police_lead = member(Role.POLICE_LEAD, area=self.area, agency=self.police)
        self.practitioner = member(Role.PRACTITIONER, area=self.area, agency=self.school)
        self.lead = member(Role.LEAD_PROFESSIONAL, area=self.area, agency=self.health)
        self.outsiders = [
            member(role, area=self.area, agency=self.school)
            for role in (
                Role.AGENCY_SAFEGUARDING_LEAD,
                Role.BOARD_MEMBER,
                Role.AREA_ADMINISTRATOR,
                Role.LEAD_PROFESSIONAL,  # of an agency not named on any referral
            )
        ]

    def name_manager(self, user: User | None = None) -> None:
        Area.objects.filter(pk=self.area.pk).update(escalation_manager=user or self.manager)

    def concern(self, **concern: Any) -> Referral:
        return raise_referral(self.practitioner, submit=True, concern=concern)

    def plan(self) -> Referral:
        """An active plan with the health agency's lead professional named on it."""
        referral = self.concern()
        coordinator = self.coordinators[0]
        referral_transition(referral=referral, actor=coordinator, name="start_triage")
        referral_transition(
            referral=referral,
            actor=coordinator,
            name="decide",
            inputs={"decision": "multi_agency_plan", "reason": "Plan agreed."},
        )
        referral_assign_lead(
            referral=referral, actor=coordinator, agency=self.health, lead_professional=self.lead
        )
        referral.refresh_from_db()
        return referral


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(FRIDAY, tick=False) as traveller:
        yield traveller


def run_twice(clock: Any, at: datetime) -> list[tuple[str, str]]:
    """Move the clock to `at` and run the job twice: the second run must send nothing.
    Returns (kind, event key) of what the first sent."""
    clock.move_to(at)
    first = timers_run(now=at)
    assert first is not None
    assert timers_run(now=at) == []
    return [(s.kind, s.event_key) for s in first]


# What the timers tell (a concern's submission also tells people, as it happens).
TIMED_KINDS = [
    K.TRIAGE_DUE_SOON,
    K.TRIAGE_OVERDUE,
    K.ACTION_DUE_SOON,
    K.ACTION_OVERDUE,
    K.REVIEW_DUE,
    K.RISK_REASSESSMENT_DUE,
    K.RETURN_INTERVIEW_OVERDUE,
    K.DISRUPTION_EXPIRING,
    K.ESCALATION,
]


def timed() -> Any:
    return Notification.objects.filter(kind__in=TIMED_KINDS)


def told(kind: str, **filters: Any) -> Counter[int]:
    """How many notifications of `kind` each recipient has."""
    rows = Notification.objects.filter(kind=kind, **filters).values_list("recipient_id", flat=True)
    return Counter(rows)


def ids(users: list[User]) -> Counter[int]:
    return Counter(u.pk for u in users)


def test_a_red_concern_on_the_friday_before_a_bank_holiday_escalates_in_working_time(
    clock: Any,
) -> None:
    """Red, one working hour: due Friday 16:00, overdue that evening; the four-hour escalation
    interval waits for Tuesday (1 hour on Friday, 3 on Tuesday), and the next 4 hours later."""
    place = Place(rag_red_working_hours=1)
    place.name_manager()
    referral = place.concern(immediate_danger=True)
    assert referral.due_at == london(5, 22, 16)
    due_key = f"{referral.pk}:2026-05-22T15:00:00+00:00"

    assert run_twice(clock, london(5, 22, 15, 1)) == [
        (K.TRIAGE_DUE_SOON, f"triage_due_soon:{due_key}")
    ]
    assert run_twice(clock, london(5, 22, 16, 1)) == [
        (K.TRIAGE_OVERDUE, f"triage_overdue:{due_key}")
    ]
    coordinators = ids([*place.coordinators, place.manager])
    assert told(K.TRIAGE_OVERDUE) == coordinators
    overdue = Notification.objects.filter(kind=K.TRIAGE_OVERDUE).first()
    assert overdue is not None and overdue.urgent  # Red

    # The weekend, the bank holiday and Tuesday's first three hours are not long enough.
    for moment in (london(5, 22, 23), london(5, 23, 12), london(5, 25, 16), london(5, 26, 11, 59)):
        assert run_twice(clock, moment) == []
    assert not told(K.ESCALATION)

    assert run_twice(clock, london(5, 26, 12)) == [(K.ESCALATION, f"escalation:triage:{due_key}:1")]
    assert told(K.ESCALATION) == ids([place.manager])
    escalation = Notification.objects.get(kind=K.ESCALATION)
    assert escalation.urgent and escalation.referral_id == referral.pk
    assert escalation.url == f"/referrals/{referral.reference}/"

    assert run_twice(clock, london(5, 26, 15, 59)) == []
    assert run_twice(clock, london(5, 26, 16)) == [(K.ESCALATION, f"escalation:triage:{due_key}:2")]
    assert told(K.ESCALATION) == Counter({place.manager.pk: 2})
    # Each coordinator was told it was overdue exactly once through it all.
    assert told(K.TRIAGE_OVERDUE) == coordinators
    assert told(K.TRIAGE_DUE_SOON) == coordinators


def test_a_concern_on_the_friday_before_a_bank_holiday_is_due_on_tuesday(clock: Any) -> None:
    """One working day: due Tuesday 15:00; due soon two working hours before; escalated at
    11:00 on Wednesday (two hours on Tuesday, two on Wednesday)."""
    place = Place()
    place.name_manager()
    referral = place.concern()
    assert referral.due_at == london(5, 26, 15)

    for moment in (london(5, 23, 12), london(5, 25, 12), london(5, 26, 12, 59)):
        assert run_twice(clock, moment) == []
    assert [k for k, _ in run_twice(clock, london(5, 26, 13))] == [K.TRIAGE_DUE_SOON]
    assert run_twice(clock, london(5, 26, 15)) == []  # due now: not yet overdue
    assert [k for k, _ in run_twice(clock, london(5, 26, 15, 1))] == [K.TRIAGE_OVERDUE]
    assert run_twice(clock, london(5, 27, 10, 59)) == []
    assert [k for k, _ in run_twice(clock, london(5, 27, 11))] == [K.ESCALATION]
    assert told(K.ESCALATION) == ids([place.manager])


def test_due_soon_counts_working_hours_across_a_weekend(clock: Any) -> None:
    """Submitted Friday 10:00, due Monday 1 June 10:00: two working hours before is Friday
    16:00 (one hour on Friday, one on Monday)."""
    place = Place()
    clock.move_to(london(5, 29, 10))
    referral = place.concern()
    assert referral.due_at == london(6, 1, 10)
    assert run_twice(clock, london(5, 29, 15, 59)) == []
    assert [k for k, _ in run_twice(clock, london(5, 29, 16))] == [K.TRIAGE_DUE_SOON]


def test_an_areas_own_due_soon_and_escalation_hours_are_used(clock: Any) -> None:
    place = Place(due_soon_working_hours=5, escalation_working_hours=1)
    place.concern()  # due Tuesday 15:00
    assert run_twice(clock, london(5, 26, 9, 59)) == []
    assert [k for k, _ in run_twice(clock, london(5, 26, 10))] == [K.TRIAGE_DUE_SOON]
    assert [k for k, _ in run_twice(clock, london(5, 26, 16))] == [
        K.TRIAGE_OVERDUE,
        K.ESCALATION,
    ]


def test_the_coordinator_who_took_it_is_told_and_nobody_named_means_coordinators(
    clock: Any,
) -> None:
    place = Place()
    referral = place.concern()
    taker = place.coordinators[1]
    referral_transition(referral=referral, actor=taker, name="start_triage")
    run_twice(clock, london(5, 26, 15, 1))
    assert told(K.TRIAGE_OVERDUE) == ids([taker])
    run_twice(clock, london(5, 27, 11))
    # No manager named: every coordinator of the area hears the escalation.
    assert told(K.ESCALATION) == ids([*place.coordinators, place.manager])


def test_a_manager_who_left_the_area_is_replaced_by_its_coordinators(clock: Any) -> None:
    place = Place()
    place.name_manager()
    Membership.objects.filter(user=place.manager).update(is_active=False)
    place.concern()
    run_twice(clock, london(5, 27, 11))
    assert told(K.ESCALATION) == ids(place.coordinators)


def test_a_decided_concern_is_not_chased(clock: Any) -> None:
    place = Place()
    referral = place.concern()
    referral_transition(referral=referral, actor=place.manager, name="start_triage")
    referral_transition(
        referral=referral,
        actor=place.manager,
        name="decide",
        inputs={"decision": "no_further_action", "reason": "Not exploitation."},
    )
    assert run_twice(clock, london(5, 27, 16)) == []


def safety_plan() -> ProtectiveActionType:
    return ProtectiveActionType.objects.get(code="safety_plan")


def test_protective_actions_due_soon_overdue_and_escalated(clock: Any) -> None:
    """Due soon on the day before (Friday, for Tuesday after the bank holiday), overdue the
    day after; the escalation counts working time from the start of Tuesday."""
    place = Place()
    place.name_manager()
    clock.move_to(london(5, 21, 10))
    referral = place.plan()
    due_friday, due_tuesday, later = (
        action_add(
            referral=referral,
            actor=place.coordinators[0],
            action_type=safety_plan(),
            owner=place.lead,
            due_on=day,
        )
        for day in (date(2026, 5, 22), date(2026, 5, 26), date(2026, 5, 27))
    )
    sent = run_twice(clock, london(5, 21, 10))  # Thursday: Friday's is due soon
    assert sent == [(K.ACTION_DUE_SOON, f"action_due_soon:{due_friday.pk}:2026-05-22")]
    sent = run_twice(clock, london(5, 22, 9))  # Friday: the next working day is Tuesday
    assert sent == [(K.ACTION_DUE_SOON, f"action_due_soon:{due_tuesday.pk}:2026-05-26")]
    sent = run_twice(clock, london(5, 23, 0, 1))  # Saturday: Friday's is overdue
    assert sent == [(K.ACTION_OVERDUE, f"action_overdue:{due_friday.pk}:2026-05-22")]
    assert told(K.ACTION_OVERDUE) == ids([place.lead])
    assert run_twice(clock, london(5, 26, 12, 59)) == [
        (K.ACTION_DUE_SOON, f"action_due_soon:{later.pk}:2026-05-27")
    ]
    assert run_twice(clock, london(5, 26, 13)) == [
        (K.ESCALATION, f"escalation:action:{due_friday.pk}:2026-05-22:1")
    ]
    assert told(K.ESCALATION) == ids([place.manager])
    assert told(K.ACTION_DUE_SOON) == Counter({place.lead.pk: 3})


def test_an_owner_who_may_no_longer_see_the_case_is_not_told(clock: Any) -> None:
    place = Place()
    clock.move_to(london(5, 21, 10))
    referral = place.plan()
    action_add(
        referral=referral,
        actor=place.coordinators[0],
        action_type=safety_plan(),
        owner=place.lead,
        due_on=date(2026, 5, 22),
    )
    Membership.objects.filter(user=place.lead).update(is_active=False)
    run_twice(clock, london(5, 26, 13))
    assert not told(K.ACTION_DUE_SOON) and not told(K.ACTION_OVERDUE)
    assert told(K.ESCALATION) == ids([*place.coordinators, place.manager])


def test_review_and_risk_reassessment_due_on_the_next_working_day(clock: Any) -> None:
    place = Place()
    referral = place.plan()
    Referral.objects.filter(pk=referral.pk).update(
        next_review_due_on=date(2026, 5, 26), risk_reassessment_due_on=date(2026, 5, 27)
    )
    audience = ids([*place.coordinators, place.manager, place.lead])
    # Thursday: Tuesday is two working days away.
    assert run_twice(clock, london(5, 21, 12)) == []
    assert run_twice(clock, london(5, 22, 12)) == [
        (K.REVIEW_DUE, f"review_due:{referral.pk}:2026-05-26")
    ]
    assert told(K.REVIEW_DUE) == audience
    assert run_twice(clock, london(5, 26, 8)) == [
        (K.RISK_REASSESSMENT_DUE, f"risk_reassessment_due:{referral.pk}:2026-05-27")
    ]
    assert told(K.RISK_REASSESSMENT_DUE) == audience
    # A new review date is a new event.
    Referral.objects.filter(pk=referral.pk).update(next_review_due_on=date(2026, 5, 27))
    assert run_twice(clock, london(5, 26, 9)) == [
        (K.REVIEW_DUE, f"review_due:{referral.pk}:2026-05-27")
    ]


def test_an_overdue_return_home_interview_is_told_and_escalated(clock: Any) -> None:
    place = Place()
    place.name_manager()
    referral = place.plan()
    episode = missing_episode_start(
        referral=referral,
        actor=place.police_lead,
        started_at=london(5, 21, 20),
        reported_by="Carer",
    )
    held = missing_episode_start(
        referral=referral,
        actor=place.police_lead,
        started_at=london(5, 21, 21),
        reported_by="Carer",
    )
    for missing in (episode, held):
        missing_episode_end(episode=missing, actor=place.police_lead, ended_at=london(5, 22, 14))
    return_home_interview_record(
        episode=held,
        actor=place.lead,
        held=True,
        held_by="Independent advocate",
        held_on=date(2026, 5, 22),
        summary="Held.",
    )
    # Due 72 clock hours after the return: Monday 14:00, a bank holiday.
    assert run_twice(clock, london(5, 25, 14)) == []
    key = f"return_interview_overdue:{episode.pk}:2026-05-25T13:00:00+00:00"
    assert run_twice(clock, london(5, 25, 14, 1)) == [(K.RETURN_INTERVIEW_OVERDUE, key)]
    assert told(K.RETURN_INTERVIEW_OVERDUE) == ids([*place.coordinators, place.manager, place.lead])
    assert run_twice(clock, london(5, 26, 12, 59)) == []
    assert run_twice(clock, london(5, 26, 13)) == [
        (K.ESCALATION, f"escalation:return_interview:{episode.pk}:2026-05-25T13:00:00+00:00:1")
    ]
    assert told(K.ESCALATION) == ids([place.manager])


def test_orders_and_notices_expiring_tell_the_owner_and_police_leads(clock: Any) -> None:
    place = Place()
    other_police_lead = member(Role.POLICE_LEAD, area=place.area, agency=place.police)
    person = PersonOfConcern.objects.create(
        area=place.area, name="Synthetic Suspect", created_by=place.police_lead
    )
    cawn = DisruptionTactic.objects.get(code="cawn")

    def order(owner: User, expires_on: date) -> Any:
        return disruption_activity_add(
            actor=place.police_lead,
            target=person,
            tactic=cawn,
            mode="direct",
            owner=owner,
            status=DisruptionStatus.DONE,
            issued_on=date(2026, 5, 1),
            expires_on=expires_on,
            outcome="Served",
        )

    today = date(2026, 5, 22)
    by_coordinator = order(place.coordinators[0], today)
    by_partner = order(place.practitioner, today + timedelta(days=cawn.remind_days_before))
    order(place.police_lead, today + timedelta(days=3))  # reminded on entering its window
    sent = run_twice(clock, london(5, 22, 7))
    assert sorted(sent) == sorted(
        [
            (K.DISRUPTION_EXPIRING, f"disruption_expiring:{by_coordinator.pk}:2026-05-22:last_day"),
            (
                K.DISRUPTION_EXPIRING,
                f"disruption_expiring:{by_partner.pk}:{by_partner.expires_on.isoformat()}:reminder",
            ),
        ]
    )
    police_leads = [place.police_lead, other_police_lead]
    assert told(K.DISRUPTION_EXPIRING, event_key__contains=f":{by_coordinator.pk}:") == ids(
        [*police_leads, place.coordinators[0]]
    )
    # A partner agency's owner does not see the area's intelligence: the police leads are told.
    assert told(K.DISRUPTION_EXPIRING, event_key__contains=f":{by_partner.pk}:") == ids(
        police_leads
    )


def test_nobody_out_of_scope_hears_and_no_text_names_the_young_person(clock: Any) -> None:
    place = Place(rag_red_working_hours=1)
    elsewhere = Place()
    place.name_manager()
    clock.move_to(london(5, 21, 10))
    referral = place.plan()
    action_add(
        referral=referral,
        actor=place.coordinators[0],
        action_type=safety_plan(),
        owner=place.lead,
        due_on=date(2026, 5, 22),
        detail="Meet at the family home on Example Street",
    )
    Referral.objects.filter(pk=referral.pk).update(next_review_due_on=date(2026, 5, 26))
    clock.move_to(FRIDAY)
    red = place.concern(immediate_danger=True)
    for moment in (london(5, 22, 16, 30), london(5, 26, 13)):
        run_twice(clock, moment)

    told_anyone = set(timed().values_list("recipient_id", flat=True))
    assert told_anyone
    never = [*place.outsiders, place.practitioner, *elsewhere.coordinators, elsewhere.manager]
    assert told_anyone.isdisjoint(u.pk for u in never)
    for notification in timed().select_related("referral__young_person"):
        person = notification.referral.young_person if notification.referral else None
        text = f"{notification.title} {notification.body}"
        assert person is not None and notification.referral is not None
        assert notification.referral.reference in text
        for detail in (
            person.given_name,
            person.family_name,
            str(person.date_of_birth),
            f"{person.date_of_birth:%d %B %Y}" if person.date_of_birth else "",
            "Example Street",
        ):
            assert detail and detail not in text
    assert {red.pk, referral.pk} == set(timed().values_list("referral_id", flat=True).distinct())


def _setting_up_everything(place: Place) -> None:
    """One of each kind of deadline in `place`, overdue or due on Tuesday 26 May 2026."""
    with time_machine.travel(london(5, 21, 10), tick=False):
        referral = place.plan()
        action_add(
            referral=referral,
            actor=place.coordinators[0],
            action_type=safety_plan(),
            owner=place.lead,
            due_on=date(2026, 5, 22),
        )
        Referral.objects.filter(pk=referral.pk).update(
            next_review_due_on=date(2026, 5, 26), risk_reassessment_due_on=date(2026, 5, 26)
        )
        episode = missing_episode_start(
            referral=referral,
            actor=place.police_lead,
            started_at=london(5, 21, 9),
            reported_by="Carer",
        )
        missing_episode_end(episode=episode, actor=place.police_lead, ended_at=london(5, 21, 9, 30))
        referral_transition(
            referral=referral,
            actor=place.coordinators[0],
            name="request_information",
            inputs={"agency": str(place.health.pk), "question": "Seen?", "due_on": "2026-05-22"},
        )
        place.concern()


def _reads(at: datetime) -> tuple[int, int]:
    """(queries that find deadlines and recipients, notifications created) for one check."""
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        sent = timers_check(now=at)
    telling = (
        "notifications_notificationpreference",
        "referrals_youngpersonrestriction",  # whether the record is restricted (notify)
        "INSERT INTO notifications_notification",
    )
    reads = [q for q in queries.captured_queries if not any(t in q["sql"] for t in telling)]
    return len(reads), sum(s.recipients for s in sent)


def test_each_kind_of_deadline_is_one_query_across_every_area() -> None:
    """Areas, overseers, lead professionals, assignments, and one query for each kind of
    deadline (triage, actions, reviews, risk reassessments, return home interviews, orders,
    information requests), and those who answer information requests (their agencies'
    memberships, the lead professionals named): thirteen reads, whatever the number of areas
    and deadlines. Telling costs a preference read, a read of whether the young person's record
    is restricted and an insert per event, inside `notify`."""
    _setting_up_everything(Place())
    at = london(5, 26, 16)
    reads, notified = _reads(at)
    assert reads == 13 and notified > 0
    for _ in range(3):
        _setting_up_everything(Place())
    more_reads, more_notified = _reads(at + timedelta(minutes=1))
    assert more_reads == 13 and more_notified == 3 * notified


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_lock", [True, False])
def test_two_workers_at_the_same_moment_tell_each_person_once(with_lock: bool) -> None:
    """With the lock one worker skips (or finds nothing new); without it the event keys alone
    keep each notification single."""
    place = Place(rag_red_working_hours=1)
    place.name_manager()
    with time_machine.travel(FRIDAY, tick=False):
        place.concern(immediate_danger=True)
        place.concern()
    at = london(5, 27, 12)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait(timeout=10)
            if with_lock:
                timers_run(now=at)
            else:
                with transaction.atomic():
                    timers_check(now=at)
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    keys = Counter(Notification.objects.values_list("recipient_id", "event_key"))
    assert keys and set(keys.values()) == {1}
    # Both concerns overdue for every coordinator, each escalated once to the manager (at the
    # level reached: 3 for the Red one, 1 for the other): the same as one run alone.
    assert told(K.TRIAGE_OVERDUE) == Counter(
        {u.pk: 2 for u in [*place.coordinators, place.manager]}
    )
    assert told(K.ESCALATION) == Counter({place.manager.pk: 2})
    levels = Notification.objects.filter(kind=K.ESCALATION).values_list("event_key", flat=True)
    assert sorted(key.rsplit(":", 1)[1] for key in levels) == ["1", "3"]


@pytest.mark.django_db(transaction=True)
def test_a_run_skips_while_another_holds_the_lock() -> None:
    place = Place()
    with time_machine.travel(FRIDAY, tick=False):
        place.concern()
    holding, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            holding.set()
            release.wait(timeout=10)
        connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert holding.wait(timeout=10)
    try:
        assert timers_run(now=london(5, 27, 12)) is None
        assert not timed().exists()
    finally:
        release.set()
        thread.join(timeout=10)
    assert timers_run(now=london(5, 27, 12))


def test_the_periodic_task_and_the_operators_command_run_it_once() -> None:
    place = Place()
    with time_machine.travel(FRIDAY, tick=False):
        referral = place.concern()
    with time_machine.travel(london(5, 26, 15, 30), tick=False):
        assert timers_task.apply().get() == 3  # each coordinator told it is overdue
        out = io.StringIO()
        call_command("notifications_timers", stdout=out)
    assert out.getvalue() == "0 events, 0 people told.\n"
    with time_machine.travel(london(5, 27, 11), tick=False):
        call_command("notifications_timers", stdout=out)
    assert f"escalation  escalation:triage:{referral.pk}:" in out.getvalue()
    assert out.getvalue().endswith("1 events, 3 people told.\n")


def test_the_timers_are_on_the_schedule_every_minute() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-timers"]
    assert entry == {"task": "notifications.timers_run", "schedule": 60.0}


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_in_process_ticker_runs_the_timers_when_due(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without Redis the web server runs the schedule itself (notifications.ticker). The test's
    own reads go through Channels' wrapper, which closes its thread's connection after each."""
    place = await database_sync_to_async(Place)()
    with time_machine.travel(FRIDAY, tick=False):
        await database_sync_to_async(place.concern)()
    monkeypatch.setattr(ticker, "RESOLUTION_SECONDS", 0.05)
    ran = threading.Event()

    def run_job(task_name: str) -> None:
        original(task_name)
        ran.set()

    original = ticker.run_job
    monkeypatch.setattr(ticker, "run_job", run_job)
    schedule = {"timers": {"task": "notifications.timers_run", "schedule": 1.0}}
    overdue = database_sync_to_async(lambda: set(told(K.TRIAGE_OVERDUE)))
    with time_machine.travel(london(5, 26, 15, 30), tick=True):
        running = asyncio.create_task(ticker.run_schedule(schedule))
        try:
            await asyncio.sleep(0.5)
            assert not ran.is_set()  # the first run is one interval after start
            for _ in range(100):
                if ran.is_set():
                    break
                await asyncio.sleep(0.05)
        finally:
            running.cancel()
    assert await overdue() == {u.pk for u in [*place.coordinators, place.manager]}
