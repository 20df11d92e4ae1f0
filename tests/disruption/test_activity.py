"""Disruption activity: who may log it, the rules it keeps, the timeline events on the
referrals it protects, and the expiring and reminder selectors."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from agencies.models import AgencyType, Role
from audit.models import AuditAction, AuditEvent
from disruption.activity_selectors import (
    activities_due_reminder,
    activities_expiring,
    activities_for_referral,
    disruption_log,
    disruption_owner_memberships,
    linked_entity_nodes,
)
from disruption.activity_services import (
    disruption_activity_add,
    disruption_activity_update,
)
from disruption.models import (
    DisruptionActivity,
    DisruptionStatus,
    DisruptionTactic,
    Link,
    Location,
    NodeKind,
    PersonOfConcern,
    Vehicle,
)
from disruption.services import node_for
from referrals.models import ReferralEvent, ReferralEventType
from referrals.workflow import referral_transition
from tests.factories import AgencyFactory, AreaFactory, MembershipFactory, member, raise_referral

pytestmark = pytest.mark.django_db

S = DisruptionStatus


def tactic(code: str) -> DisruptionTactic:
    return DisruptionTactic.objects.get(code=code)


class World:
    """An area with a police force and a school serving it, its police lead and coordinator,
    a person of concern, and a submitted referral."""

    def __init__(self) -> None:
        self.area = AreaFactory.create()
        self.police = AgencyFactory.create(areas=[self.area], agency_type=AgencyType.POLICE)
        self.school = AgencyFactory.create(areas=[self.area])
        self.police_lead = member(Role.POLICE_LEAD, area=self.area, agency=self.police)
        self.coordinator = member(Role.COORDINATOR, area=self.area, agency=self.school)
        self.practitioner = member(Role.PRACTITIONER, area=self.area, agency=self.school)
        self.person = PersonOfConcern.objects.create(
            area=self.area, name="Synthetic Suspect", created_by=self.police_lead
        )
        self.referral = raise_referral(self.practitioner, submit=True)

    def add(self, **kwargs: Any) -> DisruptionActivity:
        values: dict[str, Any] = {
            "actor": self.police_lead,
            "target": self.person,
            "tactic": tactic("cawn"),
            "mode": "direct",
            "owner": self.police_lead,
            "status": S.PLANNED,
        }
        return disruption_activity_add(**(values | kwargs))


@pytest.fixture
def world() -> World:
    return World()


def errors(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(exc.value.message_dict)


# Logging activity


def test_a_police_lead_logs_activity_with_the_tactics_legal_power(world: World) -> None:
    activity = world.add(referrals=[world.referral])
    assert activity.area == world.area
    assert activity.target.kind == NodeKind.PERSON and activity.target.person == world.person
    assert activity.legal_power == tactic("cawn").legal_power
    assert activity.owner_agency == world.police
    assert activity.created_by == world.police_lead
    assert list(activity.referrals.all()) == [world.referral]


def test_a_legal_power_given_is_kept(world: World) -> None:
    assert world.add(legal_power="s49 Children Act 1989").legal_power == "s49 Children Act 1989"


def test_a_coordinator_logs_activity(world: World) -> None:
    assert world.add(actor=world.coordinator).created_by == world.coordinator


@pytest.mark.parametrize(
    "role",
    [
        Role.PRACTITIONER,
        Role.AGENCY_SAFEGUARDING_LEAD,
        Role.LEAD_PROFESSIONAL,
        Role.BOARD_MEMBER,
        Role.AREA_ADMINISTRATOR,
    ],
)
def test_other_roles_of_the_area_may_not_log(world: World, role: Role) -> None:
    actor = member(role, area=world.area, agency=world.school)
    with pytest.raises(PermissionDenied):
        world.add(actor=actor)
    assert not DisruptionActivity.objects.exists()


def test_a_police_lead_of_another_area_may_not_log(world: World) -> None:
    with pytest.raises(PermissionDenied):
        world.add(actor=member(Role.POLICE_LEAD))


def test_a_young_person_is_never_a_target(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        world.add(target=world.referral.young_person)
    assert errors(exc) == {"target"}
    with pytest.raises(ValidationError):
        world.add(target=node_for(world.referral.young_person))


def test_any_kind_of_entity_is_a_target(world: World) -> None:
    hotel = Location.objects.create(
        area=world.area, name="Synthetic Hotel", location_type="hotel", created_by=world.police_lead
    )
    car = Vehicle.objects.create(
        area=world.area, registration="AB12CDE", created_by=world.police_lead
    )
    assert world.add(target=hotel, mode="locational").target.kind == NodeKind.LOCATION
    assert world.add(target=node_for(car)).target.kind == NodeKind.VEHICLE


def test_an_inactive_tactic_is_refused(world: World) -> None:
    retired = tactic("flag")
    retired.is_active = False
    retired.save()
    with pytest.raises(ValidationError) as exc:
        world.add(tactic=retired)
    assert errors(exc) == {"tactic"}


def test_an_unknown_mode_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        world.add(mode="sideways")
    assert errors(exc) == {"mode"}


def test_referrals_must_be_of_the_area(world: World) -> None:
    elsewhere = raise_referral(member(Role.PRACTITIONER), submit=True)
    with pytest.raises(ValidationError) as exc:
        world.add(referrals=[elsewhere])
    assert errors(exc) == {"referrals"}


def test_referrals_must_be_open(world: World) -> None:
    draft = raise_referral(world.practitioner)
    with pytest.raises(ValidationError) as exc:
        world.add(referrals=[draft])
    assert errors(exc) == {"referrals"}
    referral_transition(
        referral=world.referral, actor=world.practitioner, name="withdraw", inputs={"reason": "x"}
    )
    world.referral.refresh_from_db()
    with pytest.raises(ValidationError):
        world.add(referrals=[world.referral])


def test_the_owner_is_a_police_lead_or_of_a_partner_agency(world: World) -> None:
    partner = member(Role.PRACTITIONER, area=world.area, agency=world.school)
    assert world.add(owner=partner).owner_agency == world.school
    for outsider in (
        member(Role.POLICE_LEAD),  # another area
        member(Role.BOARD_MEMBER, area=world.area, agency=world.school),
        member(Role.AREA_ADMINISTRATOR, area=world.area, agency=world.school),
    ):
        with pytest.raises(ValidationError) as exc:
            world.add(owner=outsider)
        assert errors(exc) == {"owner"}


def test_an_owner_whose_agency_does_not_serve_the_area_is_refused(world: World) -> None:
    elsewhere = AgencyFactory.create(areas=[AreaFactory.create()])
    stray = MembershipFactory.create(role=Role.PRACTITIONER, area=world.area, agency=elsewhere)
    with pytest.raises(ValidationError) as exc:
        world.add(owner=stray.user)
    assert errors(exc) == {"owner"}


def test_an_owner_with_several_roles_owns_through_the_police_lead_one(world: World) -> None:
    MembershipFactory.create(
        user=world.police_lead, role=Role.PRACTITIONER, area=world.area, agency=world.school
    )
    owners = disruption_owner_memberships(area_id=world.area.pk)
    assert [m.role for m in owners if m.user_id == world.police_lead.pk] == [Role.POLICE_LEAD]
    assert world.add().owner_agency == world.police


# Expiry and dates


def test_expiry_defaults_to_the_tactics_duration_from_issue(world: World) -> None:
    issued = timezone.localdate() - timedelta(days=3)
    activity = world.add(status=S.DONE, issued_on=issued, outcome="Served in person")
    assert activity.expires_on == issued + timedelta(days=730)
    notice = world.add(tactic=tactic("hotel_information_notice"), issued_on=issued)
    assert notice.expires_on == issued + timedelta(days=182)


def test_an_expiry_given_is_kept(world: World) -> None:
    issued = timezone.localdate()
    assert world.add(issued_on=issued, expires_on=issued + timedelta(days=30)).expires_on == (
        issued + timedelta(days=30)
    )


def test_no_expiry_until_issued(world: World) -> None:
    assert world.add().expires_on is None


def test_an_expiring_tactic_without_a_duration_needs_an_expiry_once_issued(world: World) -> None:
    custom = DisruptionTactic.objects.create(
        code="local_notice", label="Local notice", category="notice", expires=True
    )
    with pytest.raises(ValidationError) as exc:
        world.add(tactic=custom, issued_on=timezone.localdate())
    assert errors(exc) == {"expires_on"}


def test_a_tactic_that_does_not_expire_takes_no_expiry(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        world.add(tactic=tactic("arrest"), expires_on=timezone.localdate())
    assert errors(exc) == {"expires_on"}


def test_dates_in_order(world: World) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        world.add(issued_on=today - timedelta(days=5), expires_on=today - timedelta(days=6))
    assert errors(exc) == {"expires_on"}
    with pytest.raises(ValidationError) as exc:
        world.add(issued_on=today - timedelta(days=5), served_on=today - timedelta(days=6))
    assert errors(exc) == {"served_on"}
    with pytest.raises(ValidationError) as exc:
        world.add(served_on=today)
    assert errors(exc) == {"issued_on"}
    with pytest.raises(ValidationError) as exc:
        world.add(issued_on=today + timedelta(days=1))
    assert errors(exc) == {"issued_on"}
    # Issued before it was planned is allowed (it was planned late, or the plan recorded after).
    assert world.add(planned_on=today, issued_on=today - timedelta(days=1)).pk
    # A plan may be for a day to come.
    assert world.add(planned_on=today + timedelta(days=7)).pk


# Statuses


@pytest.mark.parametrize("status", [S.DONE, S.REFUSED])
def test_a_finished_status_needs_an_outcome(world: World, status: str) -> None:
    with pytest.raises(ValidationError) as exc:
        world.add(status=status, issued_on=timezone.localdate())
    assert "outcome" in errors(exc)


def test_a_done_order_needs_its_issue_date(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        world.add(status=S.DONE, outcome="Granted")
    assert errors(exc) == {"issued_on"}
    # A tactic that does not expire is done without one.
    assert world.add(tactic=tactic("arrest"), status=S.DONE, outcome="Arrested").pk


def test_only_an_order_or_notice_is_breached_or_expires(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        world.add(
            tactic=tactic("arrest"), status=S.BREACHED, outcome="x", breached_on=date(2026, 1, 1)
        )
    assert "status" in errors(exc)


def test_an_order_expires_only_once_its_expiry_date_has_come(world: World) -> None:
    today = timezone.localdate()
    activity = world.add(status=S.DONE, issued_on=today - timedelta(days=10), outcome="Served")
    with pytest.raises(ValidationError) as exc:
        disruption_activity_update(
            activity=activity, actor=world.police_lead, status=S.EXPIRED, outcome="Lapsed"
        )
    assert errors(exc) == {"status"}
    lapsed = disruption_activity_update(
        activity=activity,
        actor=world.police_lead,
        status=S.EXPIRED,
        outcome="Lapsed",
        expires_on=today,
    )
    assert lapsed.status == S.EXPIRED


def test_a_breach_records_its_date_and_outcome(world: World) -> None:
    today = timezone.localdate()
    activity = world.add(status=S.DONE, issued_on=today - timedelta(days=30), outcome="Served")
    with pytest.raises(ValidationError) as exc:
        disruption_activity_update(
            activity=activity, actor=world.police_lead, status=S.BREACHED, outcome="Seen with her"
        )
    assert errors(exc) == {"breached_on"}
    with pytest.raises(ValidationError) as exc:
        disruption_activity_update(
            activity=activity,
            actor=world.police_lead,
            status=S.BREACHED,
            outcome="Seen with her",
            breached_on=today - timedelta(days=31),
        )
    assert errors(exc) == {"breached_on"}
    breached = disruption_activity_update(
        activity=activity,
        actor=world.police_lead,
        status=S.BREACHED,
        outcome="Seen with her at the taxi rank; arrested under s2 Child Abduction Act 1984",
        breached_on=today - timedelta(days=2),
    )
    breached.refresh_from_db()
    assert (breached.status, breached.breached_on) == (S.BREACHED, today - timedelta(days=2))


def test_a_breach_date_without_a_breach_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        world.add(breached_on=timezone.localdate())
    assert errors(exc) == {"breached_on"}


@pytest.mark.parametrize(
    ("start", "to", "allowed"),
    [
        (S.PLANNED, S.IN_PROGRESS, True),
        (S.PLANNED, S.REFUSED, True),
        (S.PLANNED, S.EXPIRED, False),
        (S.DONE, S.PLANNED, False),
        (S.DONE, S.IN_PROGRESS, False),
        (S.REFUSED, S.DONE, False),
        (S.EXPIRED, S.DONE, False),
    ],
)
def test_status_changes(world: World, start: str, to: str, allowed: bool) -> None:
    today = timezone.localdate()
    activity = world.add(
        status=start,
        issued_on=today - timedelta(days=800) if start != S.PLANNED else None,
        outcome="Recorded" if start != S.PLANNED else "",
    )
    change = {"status": to, "outcome": "Recorded", "issued_on": today - timedelta(days=800)}
    if allowed:
        assert (
            disruption_activity_update(activity=activity, actor=world.police_lead, **change).status
            == to
        )
    else:
        with pytest.raises(ValidationError) as exc:
            disruption_activity_update(activity=activity, actor=world.police_lead, **change)
        assert "status" in errors(exc)
        activity.refresh_from_db()
        assert activity.status == start


def test_only_the_areas_police_leads_and_coordinators_update(world: World) -> None:
    activity = world.add()
    for actor in (world.practitioner, member(Role.COORDINATOR)):
        with pytest.raises(PermissionDenied):
            disruption_activity_update(activity=activity, actor=actor, court="Synthetic Court")
    assert (
        disruption_activity_update(
            activity=activity, actor=world.coordinator, court="Synthetic Magistrates' Court"
        ).court
        == "Synthetic Magistrates' Court"
    )


def test_an_update_may_not_change_the_tactic(world: World) -> None:
    with pytest.raises(ValueError):
        disruption_activity_update(
            activity=world.add(), actor=world.police_lead, tactic=tactic("arrest")
        )


def test_a_new_owner_brings_their_agency(world: World) -> None:
    partner = member(Role.LEAD_PROFESSIONAL, area=world.area, agency=world.school)
    changed = disruption_activity_update(
        activity=world.add(), actor=world.police_lead, owner=partner
    )
    assert (changed.owner, changed.owner_agency) == (partner, world.school)


def test_an_owner_who_has_left_stays_named_until_replaced(world: World) -> None:
    partner = member(Role.PRACTITIONER, area=world.area, agency=world.school)
    activity = world.add(owner=partner)
    partner.memberships.update(is_active=False)
    kept = disruption_activity_update(
        activity=activity, actor=world.police_lead, owner=partner, court="A court"
    )
    assert (kept.owner, kept.court) == (partner, "A court")
    with pytest.raises(ValidationError) as exc:
        disruption_activity_update(activity=world.add(), actor=world.police_lead, owner=partner)
    assert errors(exc) == {"owner"}


# Audit and timeline


def test_each_write_is_audited(world: World) -> None:
    activity = world.add(referrals=[world.referral])
    disruption_activity_update(activity=activity, actor=world.coordinator, status=S.IN_PROGRESS)
    rows = AuditEvent.objects.filter(
        object_type="disruption.disruptionactivity", object_id=str(activity.pk)
    ).order_by("id")
    assert [(r.action, r.actor_id) for r in rows] == [
        (AuditAction.CREATE, world.police_lead.pk),
        (AuditAction.CHANGE, world.coordinator.pk),
    ]
    assert rows[0].details["referrals"] == [world.referral.reference]
    assert rows[1].details["changed"] == ["status"]
    assert rows[1].area_id == world.area.pk


def test_a_refused_write_leaves_nothing(world: World) -> None:
    with pytest.raises(ValidationError):
        world.add(referrals=[world.referral], status=S.DONE)
    assert not DisruptionActivity.objects.exists()
    assert not ReferralEvent.objects.filter(event_type=ReferralEventType.DISRUPTION_LOGGED).exists()


def test_each_protected_referral_shows_the_disruption_on_its_timeline(world: World) -> None:
    second = raise_referral(world.practitioner, submit=True)
    activity = world.add(referrals=[world.referral, second])
    for referral in (world.referral, second):
        event = ReferralEvent.objects.get(
            referral=referral, event_type=ReferralEventType.DISRUPTION_LOGGED
        )
        assert event.actor == world.police_lead
        # The tactic and status only: nothing of the person of concern.
        assert event.parameters == {
            "disruption_id": activity.pk,
            "tactic": "Child Abduction Warning Notice",
            "disruption_status": S.PLANNED,
        }
        assert world.person.name not in str(event.parameters)


def test_a_status_change_is_on_the_timeline_and_a_new_referral_gets_the_log(world: World) -> None:
    activity = world.add(referrals=[world.referral])
    third = raise_referral(world.practitioner, submit=True)
    disruption_activity_update(
        activity=activity,
        actor=world.police_lead,
        status=S.IN_PROGRESS,
        referrals=[world.referral, third],
    )
    updated = ReferralEvent.objects.get(
        referral=world.referral, event_type=ReferralEventType.DISRUPTION_UPDATED
    )
    assert updated.parameters["disruption_status"] == S.IN_PROGRESS
    assert updated.parameters["previous_disruption_status"] == S.PLANNED
    logged = ReferralEvent.objects.get(
        referral=third, event_type=ReferralEventType.DISRUPTION_LOGGED
    )
    assert logged.parameters["disruption_status"] == S.IN_PROGRESS
    assert set(activity.referrals.all()) == {world.referral, third}
    # An edit that leaves the status as it was does not reach the chronology.
    disruption_activity_update(activity=activity, actor=world.police_lead, court="A court")
    assert (
        ReferralEvent.objects.filter(event_type=ReferralEventType.DISRUPTION_UPDATED).count() == 1
    )


def test_a_referral_can_be_taken_off(world: World) -> None:
    activity = world.add(referrals=[world.referral])
    disruption_activity_update(activity=activity, actor=world.police_lead, referrals=[])
    assert not activity.referrals.exists()


# Selectors


def test_the_log_is_scoped_and_filtered(world: World) -> None:
    today = timezone.localdate()
    cawn = world.add(issued_on=today - timedelta(days=40))
    car = Vehicle.objects.create(
        area=world.area, registration="XY12ZZZ", created_by=world.police_lead
    )
    partner = member(Role.PRACTITIONER, area=world.area, agency=world.school)
    marker = world.add(target=car, tactic=tactic("vehicle_marker"), owner=partner, planned_on=today)
    other_world = World()
    other_world.add()

    def log(user: Any = world.coordinator, **filters: Any) -> list[DisruptionActivity]:
        return list(disruption_log(user=user, **filters))

    assert log() == [marker, cawn]
    assert log(tactic="cawn") == [cawn]
    assert log(status=S.PLANNED) == [marker, cawn]
    assert log(status=S.DONE) == []
    assert log(target_kind=NodeKind.VEHICLE) == [marker]
    assert log(owner=partner.pk) == [marker]
    assert log(since=today - timedelta(days=1)) == [marker]
    assert log(until=today - timedelta(days=1)) == [cawn]
    assert log(expiring_within_days=700, today=today) == [cawn]
    assert log(expiring_within_days=600, today=today) == []
    assert log(user=world.practitioner) == []
    assert log(user=member(Role.NATIONAL_ANALYST)) == []


def test_activities_for_a_referral(world: World) -> None:
    activity = world.add(referrals=[world.referral])
    world.add()
    assert list(activities_for_referral(user=world.coordinator, referral=world.referral)) == [
        activity
    ]
    for outsider in (world.practitioner, member(Role.POLICE_LEAD)):
        with pytest.raises(Http404):
            activities_for_referral(user=outsider, referral=world.referral)


def _issued(world: World, expires_on: date, **kwargs: Any) -> DisruptionActivity:
    return world.add(
        status=kwargs.pop("status", S.DONE),
        issued_on=min(timezone.localdate(), expires_on) - timedelta(days=1),
        expires_on=expires_on,
        outcome="Served",
        **kwargs,
    )


def test_expiring_within_the_tactics_reminder_window(world: World) -> None:
    today = timezone.localdate()
    remind = tactic("cawn").remind_days_before  # 28 by default
    lapses_today = _issued(world, today)
    window_edge = _issued(world, today + timedelta(days=remind))
    _issued(world, today + timedelta(days=remind + 1))  # not yet in its window
    lapsed_yesterday = world.add(
        status=S.DONE,
        issued_on=today - timedelta(days=60),
        expires_on=today - timedelta(days=1),
        outcome="Served",
    )
    breached = _issued(world, today + timedelta(days=5))
    disruption_activity_update(
        activity=breached,
        actor=world.police_lead,
        status=S.BREACHED,
        breached_on=today,
        outcome="Breached",
    )
    refused = world.add(status=S.REFUSED, outcome="Court refused", expires_on=None)
    assert refused.expires_on is None
    assert list(activities_expiring(area_ids=[world.area.pk], today=today)) == [
        lapses_today,
        window_edge,
    ]
    assert lapsed_yesterday not in activities_expiring(area_ids=[world.area.pk], today=today)
    assert list(activities_expiring(area_ids=[world.area.pk], today=today, within_days=0)) == [
        lapses_today
    ]
    assert list(activities_expiring(area_ids=[], today=today)) == []


def test_each_tactic_has_its_own_window(world: World) -> None:
    today = timezone.localdate()
    hin = tactic("hotel_information_notice")
    hin.remind_days_before = 7
    hin.save()
    inside = _issued(world, today + timedelta(days=7), tactic=hin)
    _issued(world, today + timedelta(days=8), tactic=hin)
    cawn = _issued(world, today + timedelta(days=8))
    assert list(activities_expiring(area_ids=[world.area.pk], today=today)) == [inside, cawn]


def test_reminders_fall_on_entering_the_window_and_on_the_expiry_day(world: World) -> None:
    today = timezone.localdate()
    remind = tactic("cawn").remind_days_before
    entering = _issued(world, today + timedelta(days=remind))
    _issued(world, today + timedelta(days=remind - 1))  # reminded yesterday
    last_day = _issued(world, today)
    elsewhere = World()
    other = _issued(elsewhere, today + timedelta(days=remind))
    assert set(activities_due_reminder(today=today)) == {entering, last_day, other}


def test_the_expiring_query_can_use_its_partial_index(world: World) -> None:
    rows = activities_expiring(area_ids=[world.area.pk], today=timezone.localdate())
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "disruption_expiring" in plan


def test_entities_linked_to_the_young_person(world: World) -> None:
    car = Vehicle.objects.create(
        area=world.area, registration="LN12KED", created_by=world.police_lead
    )
    young = node_for(world.referral.young_person)
    vehicle = node_for(car)
    a, b = sorted([young, vehicle], key=lambda n: n.pk)
    Link.objects.create(
        area=world.area,
        a=a,
        b=b,
        nature="seen_in",
        source="Synthetic source",
        source_evaluation="1",
        intelligence_assessment="A",
        handling_code="P",
        observed_on=timezone.localdate(),
        recorded_by=world.police_lead,
    )
    assert linked_entity_nodes(referral=world.referral) == {(NodeKind.VEHICLE, car.pk)}
    unlinked = raise_referral(world.practitioner, submit=True)
    assert linked_entity_nodes(referral=unlinked) == set()
