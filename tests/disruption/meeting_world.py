"""Records for the MACE meeting tests, made with the ORM (entities, links, alerts and
disruption activity have their own services elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from agencies.models import Agency, AgencyType, Area, Role, User
from disruption.meeting_services import meeting_schedule
from disruption.models import (
    DisruptionActivity,
    DisruptionMode,
    DisruptionStatus,
    DisruptionTactic,
    Link,
    LinkAlert,
    LinkNature,
    Location,
    LocationType,
    MatchKind,
    Meeting,
    Node,
    PersonOfConcern,
    Vehicle,
)
from disruption.services import node_for
from referrals.models import Referral
from referrals.workflow import referral_transition
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral


@dataclass
class World:
    area: Area
    police: Agency
    coordinator: User
    police_lead: User
    practitioner: User


def world() -> World:
    area = AreaFactory.create()
    police = AgencyFactory.create(areas=[area], agency_type=AgencyType.POLICE)
    return World(
        area=area,
        police=police,
        coordinator=member(Role.COORDINATOR, area=area),
        police_lead=member(Role.POLICE_LEAD, area=area, agency=police),
        practitioner=member(Role.PRACTITIONER, area=area),
    )


def referral(w: World, *, active: bool = True, **fields: Any) -> Referral:
    """A submitted referral of the area; with `active`, its multi-agency plan agreed. Any
    `fields` (risk_level, next_review_due_on) are then set directly."""
    raised = raise_referral(w.practitioner, submit=True)
    if active:
        referral_transition(referral=raised, actor=w.coordinator, name="start_triage")
        referral_transition(
            referral=raised,
            actor=w.coordinator,
            name="decide",
            inputs={"decision": "multi_agency_plan", "reason": "Plan agreed."},
        )
    if fields:
        Referral.objects.filter(pk=raised.pk).update(**fields)
    return Referral.objects.get(pk=raised.pk)


def person(w: World, name: str) -> Node:
    return node_for(
        PersonOfConcern.objects.create(area=w.area, created_by=w.police_lead, name=name)
    )


def location(w: World, name: str) -> Node:
    return node_for(
        Location.objects.create(
            area=w.area, created_by=w.police_lead, name=name, location_type=LocationType.HOTEL
        )
    )


def vehicle(w: World, registration: str) -> Node:
    return node_for(
        Vehicle.objects.create(area=w.area, created_by=w.police_lead, registration=registration)
    )


def link(w: World, one: Node, other: Node, *, referral: Referral | None = None) -> Link:
    a, b = sorted((one, other), key=lambda n: n.pk)
    return Link.objects.create(
        area=w.area,
        a=a,
        b=b,
        referral=referral,
        nature=LinkNature.SEEN_WITH,
        source="Synthetic source",
        source_evaluation="1",
        intelligence_assessment="A",
        handling_code="P",
        observed_on=timezone.localdate(),
        recorded_by=w.police_lead,
    )


def alert(
    w: World, entity: Node, *, at: datetime, matched: Node | None = None, force: bool = False
) -> LinkAlert:
    """A link alert naming `entity`, raised at `at` (for the force's police leads if `force`)."""
    young = node_for(referral(w, active=False).young_person)
    raised = LinkAlert.objects.create(
        area=w.area,
        link=link(w, young, entity),
        node=entity,
        matched_node=matched,
        match=MatchKind.EXACT,
        reason="Synthetic alert",
        young_people=2,
        police_agency=w.police if force else None,
    )
    LinkAlert.objects.filter(pk=raised.pk).update(created_at=at)
    return raised


def activity(
    w: World,
    target: Node,
    *,
    expires_on: date,
    status: str = DisruptionStatus.DONE,
    tactic: str = "cawn",
) -> DisruptionActivity:
    return DisruptionActivity.objects.create(
        area=w.area,
        tactic=DisruptionTactic.objects.get(code=tactic),
        target=target,
        mode=DisruptionMode.DIRECT,
        owner=w.police_lead,
        owner_agency=w.police,
        status=status,
        expires_on=expires_on,
        created_by=w.police_lead,
    )


def earlier_today() -> datetime:
    """A moment already past, on today's date: an hour ago, or midnight if that was later
    (so that a meeting held "today" is not yesterday's just after midnight)."""
    now = timezone.localtime()
    return max(now.replace(hour=0, minute=0, second=0, microsecond=0), now - timedelta(hours=1))


def meeting(
    w: World, *, held_at: datetime | None = None, attendees: list[User] | None = None
) -> Meeting:
    return meeting_schedule(
        actor=w.coordinator,
        area=w.area,
        held_at=held_at or earlier_today(),
        chair=w.coordinator,
        place="Town hall",
        agencies=[w.police],
        attendees=attendees or [],
    )
