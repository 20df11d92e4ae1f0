"""Synthetic intelligence for the demonstration areas: a person of concern with a phone, a car
seen with two young people (which raises a link alert), a hotspot, a notice served on the
person, and a MACE meeting with its agenda proposed. Every name and number is invented
(the phone is in Ofcom's drama range, the registration is not issued)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from agencies.models import Agency, Area
from referrals.models import OPEN_STATES, Referral

from .activity_services import disruption_activity_add
from .meeting_services import meeting_propose_agenda, meeting_schedule
from .models import DisruptionTactic, LinkNature, LocationType, PersonOfConcern
from .services import link_add, location_create, person_of_concern_create, vehicle_create

GRADING = {
    "source": "Demonstration: patrol officer's report",
    "source_evaluation": "1",
    "intelligence_assessment": "B",
    "handling_code": "P",
}


def seed_intelligence(*, area: Area, police_lead: Any, coordinator: Any, police: Agency) -> None:
    """Record the demo intelligence of `area` once (nothing when it has some already)."""
    if PersonOfConcern.objects.filter(area=area).exists():
        return
    sent = list(
        Referral.objects.filter(area=area, state__in=OPEN_STATES, submitted_at__isnull=False)
        .select_related("young_person")
        .order_by("pk")
    )
    today = timezone.localdate()
    grading: dict[str, Any] = {**GRADING, "observed_on": today - timedelta(days=3)}
    person = person_of_concern_create(
        actor=police_lead,
        area=area,
        name="Demo Suspect",
        aliases=["DS"],
        approximate_age=32,
        description="Demonstration: drives a silver hatchback; offers lifts outside school.",
        phone_numbers=["07700 900123"],
        grading=grading,
    )
    car = vehicle_create(
        actor=police_lead, area=area, registration="xx00 dmo", make="Demo", colour="Silver"
    )
    hotspot = location_create(
        actor=police_lead,
        area=area,
        name="Demonstration takeaway",
        location_type=LocationType.TAKEAWAY,
        postcode="zz99 9zz",
        is_hotspot=True,
    )
    link_add(actor=police_lead, a=person, b=car, nature=LinkNature.USES, **grading)
    for referral in sent:
        for entity, nature in ((car, LinkNature.SEEN_IN), (hotspot, LinkNature.SEEN_AT)):
            link_add(
                actor=police_lead,
                a=referral.young_person,
                b=entity,
                nature=nature,
                referral=referral,
                **grading,
            )
    disruption_activity_add(
        actor=police_lead,
        target=person,
        tactic=DisruptionTactic.objects.get(code="cawn"),
        mode="direct",
        owner=police_lead,
        status="done",
        referrals=sent,
        issued_on=today - timedelta(days=710),
        served_on=today - timedelta(days=710),
        outcome="Demonstration: notice served in person.",
    )
    meeting = meeting_schedule(
        actor=coordinator,
        area=area,
        held_at=timezone.now() + timedelta(days=7),
        chair=coordinator,
        place="Demonstration: town hall, room 2",
        agencies=[police],
        attendees=[police_lead],
    )
    meeting_propose_agenda(meeting=meeting, actor=coordinator)
