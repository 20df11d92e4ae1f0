"""An area where a coordinator asked another agency for information on a referral: the world
of the information request tests (services, API, pages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from agencies.models import Agency, Area, Role, User
from referrals.models import InformationRequest, Referral
from referrals.workflow import referral_transition
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral


@dataclass
class Asking:
    area: Area
    asked: Agency
    coordinator: User
    lead: User  # the asked agency's safeguarding lead
    other_lead: User  # another agency's safeguarding lead in the same area
    referral: Referral
    request: InformationRequest


def ask(referral: Referral, coordinator: User, agency: Agency, due_on: date) -> InformationRequest:
    referral_transition(
        referral=referral,
        actor=coordinator,
        name="request_information",
        inputs={
            "agency": str(agency.pk),
            "question": "Is she attending school?",
            "due_on": due_on.isoformat(),
        },
    )
    return InformationRequest.objects.filter(referral=referral).latest("pk")


def build_asking() -> Asking:
    area = AreaFactory.create()
    asked = AgencyFactory.create(areas=[area])
    coordinator = member(Role.COORDINATOR, area=area)
    referral = raise_referral(
        member(Role.PRACTITIONER, area=area),
        submit=True,
        given_name="Amira",
        family_name="Khan",
        date_of_birth=date(2011, 4, 2),
    )
    referral_transition(referral=referral, actor=coordinator, name="start_triage", inputs={})
    return Asking(
        area=area,
        asked=asked,
        coordinator=coordinator,
        lead=member(Role.AGENCY_SAFEGUARDING_LEAD, area=area, agency=asked),
        other_lead=member(Role.AGENCY_SAFEGUARDING_LEAD, area=area),
        referral=referral,
        request=ask(referral, coordinator, asked, timezone.localdate() + timedelta(days=5)),
    )
