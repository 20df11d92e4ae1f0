"""MACE meetings: scheduling, the proposed agenda and its boundaries, decisions that review the
referral and set protective actions, and minutes for those who attended."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from agencies.models import Role
from audit.models import AuditAction, AuditEvent
from disruption.meeting_selectors import agenda_for, meeting_get, meetings_for, minutes_visible
from disruption.meeting_services import (
    ActionInput,
    agenda_item_add,
    agenda_item_disruption_add,
    agenda_item_link_disruption,
    agenda_item_record,
    meeting_minutes_record,
    meeting_open,
    meeting_propose_agenda,
    meeting_schedule,
)
from disruption.models import (
    AgendaItem,
    AgendaReason,
    DisruptionStatus,
    DisruptionTactic,
    Meeting,
    MeetingStatus,
)
from disruption.selectors import referrals_named
from referrals.models import (
    ProtectiveAction,
    ProtectiveActionType,
    Referral,
    ReferralEvent,
    ReferralEventType,
    ReferralState,
    RiskLevel,
)
from tests.disruption import meeting_world as mw
from tests.factories import AgencyFactory, AreaFactory, member

pytestmark = pytest.mark.django_db


def at_noon(days: int) -> datetime:
    """Noon, `days` from today, in the service's time zone."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(12)))


def agenda(meeting: Meeting) -> list[tuple[object, list[str]]]:
    return [
        (item.referral or item.node, item.reasons)
        for item in AgendaItem.objects.filter(meeting=meeting).select_related("referral", "node")
    ]


# Scheduling


def test_only_the_areas_coordinators_schedule() -> None:
    w = mw.world()
    for outsider in (w.police_lead, w.practitioner, member(Role.COORDINATOR)):
        with pytest.raises(PermissionDenied):
            meeting_schedule(actor=outsider, area=w.area, held_at=at_noon(7), chair=w.coordinator)
    meeting = mw.meeting(w, attendees=[w.police_lead])
    assert meeting.status == MeetingStatus.PLANNED
    assert list(meeting.attendees.all()) == [w.police_lead]
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_id=str(meeting.pk), actor=w.coordinator
    ).exists()


def test_chair_attendees_and_agencies_must_belong_to_the_area() -> None:
    w = mw.world()
    stranger = member(Role.PRACTITIONER)  # another area
    board = member(Role.BOARD_MEMBER, area=w.area)
    elsewhere = AgencyFactory.create(areas=[AreaFactory.create()])
    cases: list[tuple[dict[str, Any], str]] = [
        ({"chair": w.police_lead}, "chair"),  # not a coordinator
        ({"chair": member(Role.COORDINATOR)}, "chair"),  # coordinator of another area
        ({"attendees": [stranger]}, "attendees"),
        ({"attendees": [board]}, "attendees"),  # never sees identifiable records
        ({"agencies": [elsewhere]}, "agencies"),
    ]
    for changes, field in cases:
        arguments = {"chair": w.coordinator, **changes}
        with pytest.raises(ValidationError) as refused:
            meeting_schedule(actor=w.coordinator, area=w.area, held_at=at_noon(7), **arguments)
        assert field in refused.value.message_dict
    assert not Meeting.objects.exists()


# The proposed agenda


def test_the_agenda_proposes_exactly_the_subjects_due_with_their_reasons() -> None:
    w = mw.world()
    meeting = mw.meeting(w, held_at=at_noon(10))
    day = timezone.localdate(meeting.held_at)
    high = mw.referral(w, risk_level=RiskLevel.HIGH)
    high_and_due = mw.referral(w, risk_level=RiskLevel.HIGH, next_review_due_on=day)
    due_on_the_day = mw.referral(w, next_review_due_on=day)
    due_earlier = mw.referral(w, next_review_due_on=day - timedelta(days=3))
    high_in_triage = mw.referral(w, active=False, risk_level=RiskLevel.HIGH)
    mw.referral(w, next_review_due_on=day + timedelta(days=1))  # the day after: not yet
    mw.referral(w, risk_level=RiskLevel.MEDIUM)
    closed = mw.referral(w, risk_level=RiskLevel.HIGH)
    closed.__class__.objects.filter(pk=closed.pk).update(state=ReferralState.CLOSED)
    # Another area's high-risk referral is never on this area's agenda.
    mw.referral(mw.world(), risk_level=RiskLevel.HIGH)

    alerted = mw.person(w, "Alerted Person")
    expiring = mw.person(w, "Expiring Person")
    both = mw.location(w, "Both Hotel")
    mw.alert(w, alerted, at=timezone.now() - timedelta(days=1))
    mw.alert(w, both, at=timezone.now() - timedelta(days=2))
    mw.activity(w, expiring, expires_on=day + timedelta(days=28))  # the window's last day
    mw.activity(w, both, expires_on=day)
    mw.alert(w, mw.vehicle(w, "AB12CDE"), at=timezone.now())  # vehicles are not reviewed

    added = meeting_propose_agenda(meeting=meeting, actor=w.coordinator)

    assert len(added) == 8
    assert agenda(meeting) == [
        # High risk first (by next review date, nearest first), then review due.
        (high_and_due, [AgendaReason.HIGH_RISK, AgendaReason.REVIEW_DUE]),
        (high, [AgendaReason.HIGH_RISK]),
        (high_in_triage, [AgendaReason.HIGH_RISK]),
        (due_earlier, [AgendaReason.REVIEW_DUE]),
        (due_on_the_day, [AgendaReason.REVIEW_DUE]),
        # Then persons of concern, then locations.
        (alerted, [AgendaReason.LINK_ALERT]),
        (expiring, [AgendaReason.DISRUPTION_EXPIRING]),
        (both, [AgendaReason.LINK_ALERT, AgendaReason.DISRUPTION_EXPIRING]),
    ]
    assert [i.reason for i in AgendaItem.objects.filter(meeting=meeting)][:2] == [
        AgendaReason.HIGH_RISK,
        AgendaReason.HIGH_RISK,
    ]


def test_alerts_count_from_the_previous_held_meeting_and_only_the_areas() -> None:
    w = mw.world()
    previous = mw.meeting(w, held_at=timezone.now() - timedelta(days=14))
    meeting_minutes_record(meeting=previous, actor=w.coordinator, minutes="Held.")
    planned_only = mw.meeting(w, held_at=timezone.now() - timedelta(days=7))  # not held
    before = mw.person(w, "Before Previous")
    after = mw.person(w, "After Previous")
    force_only = mw.person(w, "Force Alert")
    matched = mw.person(w, "Matched Name")
    mw.alert(w, before, at=previous.held_at - timedelta(minutes=1))
    mw.alert(w, after, at=previous.held_at + timedelta(minutes=1), matched=matched)
    mw.alert(w, force_only, at=timezone.now() - timedelta(days=1), force=True)
    meeting = mw.meeting(w, held_at=at_noon(3))

    meeting_propose_agenda(meeting=meeting, actor=w.coordinator)

    assert {subject for subject, _ in agenda(meeting)} == {after, matched}
    # A meeting not held does not close the window: the one before it still reviews both.
    meeting_propose_agenda(meeting=planned_only, actor=w.coordinator)
    assert {subject for subject, _ in agenda(planned_only)} == {after, matched}


def test_expiring_disruption_uses_each_tactics_reminder_window_and_live_statuses() -> None:
    w = mw.world()
    meeting = mw.meeting(w, held_at=at_noon(2))
    day = timezone.localdate(meeting.held_at)
    DisruptionTactic.objects.filter(code="sexual_risk_order").update(remind_days_before=60)
    inside_long = mw.person(w, "Order In 60")
    beyond = mw.person(w, "Notice In 29")
    already = mw.person(w, "Expired Before")
    refused = mw.person(w, "Refused Notice")
    in_progress = mw.location(w, "In Progress Park")
    mw.activity(w, inside_long, expires_on=day + timedelta(days=60), tactic="sexual_risk_order")
    mw.activity(w, beyond, expires_on=day + timedelta(days=29))
    mw.activity(w, already, expires_on=day - timedelta(days=1))
    mw.activity(w, refused, expires_on=day + timedelta(days=5), status=DisruptionStatus.REFUSED)
    mw.activity(
        w, in_progress, expires_on=day + timedelta(days=5), status=DisruptionStatus.IN_PROGRESS
    )

    meeting_propose_agenda(meeting=meeting, actor=w.coordinator)

    assert agenda(meeting) == [
        (inside_long, [AgendaReason.DISRUPTION_EXPIRING]),
        (in_progress, [AgendaReason.DISRUPTION_EXPIRING]),
    ]


def test_proposing_twice_adds_no_duplicate_and_keeps_hand_added_items() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    high = mw.referral(w, risk_level=RiskLevel.HIGH)
    by_hand = agenda_item_add(meeting=meeting, actor=w.coordinator, referral=high)
    first = meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
    assert first == []
    by_hand.refresh_from_db()
    # Found again, it keeps its place and gains the reason found.
    assert (by_hand.reason, by_hand.reasons) == (
        AgendaReason.ADDED,
        [AgendaReason.ADDED, AgendaReason.HIGH_RISK],
    )
    later = mw.referral(w, risk_level=RiskLevel.HIGH)
    second = meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
    assert [item.referral for item in second] == [later]
    assert meeting_propose_agenda(meeting=meeting, actor=w.coordinator) == []
    assert [s for s, _ in agenda(meeting)] == [high, later]
    with pytest.raises(ValidationError):
        agenda_item_add(meeting=meeting, actor=w.coordinator, referral=later)


def test_only_coordinators_propose_and_add_and_only_what_the_area_holds() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    with pytest.raises(PermissionDenied):
        meeting_propose_agenda(meeting=meeting, actor=w.police_lead)
    other = mw.world()
    with pytest.raises(ValidationError):
        agenda_item_add(
            meeting=meeting, actor=w.coordinator, referral=mw.referral(other, active=False)
        )
    with pytest.raises(ValidationError):
        agenda_item_add(meeting=meeting, actor=w.coordinator, node=mw.vehicle(w, "XY99ZZZ"))
    with pytest.raises(ValidationError):
        agenda_item_add(meeting=meeting, actor=w.coordinator, node=mw.person(other, "Elsewhere"))
    item = agenda_item_add(meeting=meeting, actor=w.coordinator, node=mw.person(w, "Added"))
    assert item.reasons == [AgendaReason.ADDED]


# Decisions


def test_a_decision_reviews_the_referral_and_sets_actions_linked_to_the_item() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    case = mw.referral(w, next_review_due_on=timezone.localdate())
    [item] = meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
    next_review = timezone.localdate() + timedelta(weeks=6)
    safety_plan = ProtectiveActionType.objects.get(code="safety_plan")

    agenda_item_record(
        item=item,
        actor=w.coordinator,
        decision="Keep the plan; disrupt the hotel.",
        next_review_on=next_review,
        actions=[
            ActionInput(safety_plan, w.police_lead, timezone.localdate() + timedelta(days=7)),
            ActionInput(safety_plan, w.coordinator, timezone.localdate() + timedelta(days=3)),
        ],
    )

    case.refresh_from_db()
    item.refresh_from_db()
    assert case.next_review_due_on == next_review == item.next_review_on
    review = ReferralEvent.objects.get(referral=case, event_type=ReferralEventType.REVIEWED)
    assert review.actor == w.coordinator
    actions = ProtectiveAction.objects.filter(referral=case)
    assert set(item.protective_actions.all()) == set(actions) and actions.count() == 2
    assert {a.owner for a in actions} == {w.police_lead, w.coordinator}
    assert (item.decided_by, item.decision) == (w.coordinator, "Keep the plan; disrupt the hotel.")
    assert AuditEvent.objects.filter(
        action=AuditAction.TRANSITION, object_id=str(case.pk), details__transition="review"
    ).exists()
    with pytest.raises(ValidationError):  # recorded once
        agenda_item_record(item=item, actor=w.coordinator, decision="Again")


def test_a_refused_action_saves_nothing_of_the_decision() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    case = mw.referral(w, risk_level=RiskLevel.HIGH)
    before = case.next_review_due_on
    [item] = meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
    outsider = member(Role.PRACTITIONER)
    with pytest.raises(ValidationError) as refused:
        agenda_item_record(
            item=item,
            actor=w.coordinator,
            decision="Review",
            next_review_on=timezone.localdate() + timedelta(days=30),
            actions=[
                ActionInput(
                    ProtectiveActionType.objects.get(code="safety_plan"),
                    outsider,
                    timezone.localdate() + timedelta(days=3),
                )
            ],
        )
    assert "actions" in refused.value.message_dict
    case.refresh_from_db()
    item.refresh_from_db()
    assert case.next_review_due_on == before and item.decided_at is None
    assert not ReferralEvent.objects.filter(
        referral=case, event_type=ReferralEventType.REVIEWED
    ).exists()
    assert not ProtectiveAction.objects.filter(referral=case).exists()


def test_decisions_on_entities_and_on_referrals_without_a_plan() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    in_triage = mw.referral(w, active=False, risk_level=RiskLevel.HIGH)
    hotel = mw.location(w, "Hotel")
    mw.alert(w, hotel, at=timezone.now() - timedelta(days=1))
    triage_item, hotel_item = meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
    later = timezone.localdate() + timedelta(days=20)
    with pytest.raises(ValidationError) as refused:
        agenda_item_record(
            item=triage_item, actor=w.coordinator, decision="Decide it", next_review_on=later
        )
    assert "next_review_on" in refused.value.message_dict
    agenda_item_record(item=triage_item, actor=w.coordinator, decision="Decide it at triage")
    in_triage.refresh_from_db()
    assert in_triage.next_review_due_on is None
    with pytest.raises(ValidationError):  # protective actions belong to a referral
        agenda_item_record(
            item=hotel_item,
            actor=w.coordinator,
            decision="Training",
            actions=[
                ActionInput(
                    ProtectiveActionType.objects.get(code="safety_plan"), w.coordinator, later
                )
            ],
        )
    done = agenda_item_record(
        item=hotel_item, actor=w.coordinator, decision="Makesafe training", next_review_on=later
    )
    assert done.next_review_on == later
    activity = mw.activity(w, hotel, expires_on=later)
    agenda_item_link_disruption(item=hotel_item, activity=activity, actor=w.coordinator)
    assert list(hotel_item.disruption_activities.all()) == [activity]
    with pytest.raises(ValidationError):
        agenda_item_link_disruption(
            item=hotel_item,
            activity=mw.activity(
                mw_other := mw.world(), mw.person(mw_other, "X"), expires_on=later
            ),
            actor=w.coordinator,
        )
    with pytest.raises(PermissionDenied):
        agenda_item_record(item=triage_item, actor=w.police_lead, decision="No")


def test_disruption_set_on_an_item_is_logged_and_named_on_it_in_one_transaction() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    hotel = mw.location(w, "Hotel")
    item = agenda_item_add(meeting=meeting, actor=w.coordinator, node=hotel)
    notice = DisruptionTactic.objects.get(code="hotel_information_notice")
    logged = agenda_item_disruption_add(
        item=item,
        actor=w.coordinator,
        target=hotel,
        tactic=notice,
        mode="locational",
        owner=w.police_lead,
    )
    assert list(item.disruption_activities.all()) == [logged]
    assert logged.target == hotel and logged.status == DisruptionStatus.PLANNED
    with pytest.raises(ValidationError):  # issued in the future: nothing is logged or named
        agenda_item_disruption_add(
            item=item,
            actor=w.coordinator,
            target=hotel,
            tactic=notice,
            mode="locational",
            owner=w.police_lead,
            issued_on=timezone.localdate() + timedelta(days=3),
        )
    assert list(item.disruption_activities.all()) == [logged]
    with pytest.raises(PermissionDenied):  # police leads log disruption, but not for a meeting
        agenda_item_disruption_add(
            item=item,
            actor=w.police_lead,
            target=hotel,
            tactic=notice,
            mode="locational",
            owner=w.police_lead,
        )


def test_no_decision_before_the_meeting() -> None:
    w = mw.world()
    meeting = mw.meeting(w, held_at=at_noon(5))
    item = agenda_item_add(meeting=meeting, actor=w.coordinator, node=mw.person(w, "P"))
    with pytest.raises(ValidationError):
        agenda_item_record(item=item, actor=w.coordinator, decision="Too early")


# Minutes


def test_minutes_are_recorded_by_the_chair_and_read_only_by_those_who_attended() -> None:
    w = mw.world()
    attending_coordinator = member(Role.COORDINATOR, area=w.area)
    lead = member(Role.LEAD_PROFESSIONAL, area=w.area)
    meeting = mw.meeting(w, attendees=[lead, attending_coordinator])
    other_coordinator = member(Role.COORDINATOR, area=w.area)
    for refused in (other_coordinator, lead, w.police_lead):
        with pytest.raises(PermissionDenied):
            meeting_minutes_record(meeting=meeting, actor=refused, minutes="Not theirs")
    with pytest.raises(ValidationError):
        meeting_minutes_record(meeting=meeting, actor=w.coordinator, minutes="  ")
    held = meeting_minutes_record(meeting=meeting, actor=w.coordinator, minutes="Minutes.")
    assert (held.status, held.minutes) == (MeetingStatus.HELD, "Minutes.")
    meeting_minutes_record(meeting=meeting, actor=attending_coordinator, minutes="Amended.")
    assert minutes_visible(user=w.coordinator, meeting=meeting)
    assert minutes_visible(user=lead, meeting=meeting)
    assert not minutes_visible(user=other_coordinator, meeting=meeting)
    assert not minutes_visible(user=w.police_lead, meeting=meeting)
    # The agenda of a held meeting is closed.
    with pytest.raises(ValidationError):
        meeting_propose_agenda(meeting=meeting, actor=w.coordinator)


def test_no_minutes_before_the_meeting() -> None:
    w = mw.world()
    meeting = mw.meeting(w, held_at=at_noon(1))
    with pytest.raises(ValidationError):
        meeting_minutes_record(meeting=meeting, actor=w.coordinator, minutes="Early")


# Reads


def test_an_attendee_sees_the_meeting_and_only_the_items_they_may_see() -> None:
    w = mw.world()
    lead = member(Role.LEAD_PROFESSIONAL, area=w.area)
    meeting = mw.meeting(w, attendees=[lead])
    mw.referral(w, risk_level=RiskLevel.HIGH)
    mw.alert(w, mw.person(w, "Suspect"), at=timezone.now() - timedelta(days=1))
    meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
    assert list(meetings_for(user=lead)) == [meeting]
    assert agenda_for(user=lead, meeting=meeting) == []
    assert len(agenda_for(user=w.police_lead, meeting=meeting)) == 2
    with pytest.raises(Http404):
        meeting_get(user=member(Role.COORDINATOR), pk=meeting.pk)


def test_opening_a_meeting_records_it_and_each_subject_seen() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    case = mw.referral(w, risk_level=RiskLevel.HIGH)
    suspect = mw.person(w, "Suspect")
    mw.alert(w, suspect, at=timezone.now() - timedelta(days=1))
    meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
    shown, items = meeting_open(actor=w.police_lead, pk=meeting.pk)
    assert shown == meeting and len(items) == 2
    seen = set(
        AuditEvent.objects.filter(action=AuditAction.VIEW, actor=w.police_lead).values_list(
            "object_type", "object_id"
        )
    )
    assert {
        ("disruption.meeting", str(meeting.pk)),
        ("referrals.referral", str(case.pk)),
        ("disruption.personofconcern", str(suspect.person_id)),
    } <= seen


def test_referrals_are_named_by_reference_only_within_the_users_intelligence() -> None:
    w = mw.world()
    active, in_triage = mw.referral(w), mw.referral(w, active=False)
    Referral.objects.filter(pk=in_triage.pk).update(state=ReferralState.CLOSED)
    elsewhere = mw.referral(mw.world())
    named = referrals_named(
        user=w.police_lead, references=[in_triage.reference, active.reference.lower()]
    )
    assert named == [in_triage, active]  # in the order named, however typed
    with pytest.raises(ValidationError) as closed:
        referrals_named(user=w.police_lead, references=[in_triage.reference], open_only=True)
    assert closed.value.message_dict == {
        "referrals": [f"There is no open referral {in_triage.reference} in this area"]
    }
    for user, reference in (
        (w.police_lead, elsewhere.reference),
        (w.practitioner, active.reference),
    ):
        with pytest.raises(ValidationError):
            referrals_named(user=user, references=[reference])
