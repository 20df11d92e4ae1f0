"""Builders for the intelligence tests: an area with its coordinator and police lead, young
people known through submitted referrals, and graded links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from agencies.models import Agency, AgencyType, Area, Role, User
from disruption.models import Link
from disruption.services import link_add
from referrals.models import Referral
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral

GRADING: dict[str, Any] = {
    "source": "Police intelligence report",
    "source_evaluation": "2",
    "intelligence_assessment": "B",
    "handling_code": "P",
    "observed_on": date(2026, 1, 10),
}


@dataclass
class Place:
    area: Area
    coordinator: User
    police_lead: User
    practitioner: User

    def referral(self) -> Referral:
        return raise_referral(self.practitioner, submit=True)


def place(*, force: Agency | None = None) -> Place:
    area = AreaFactory.create()
    if force is not None:
        force.areas.add(area)
    police = force or AgencyFactory.create(areas=[area], agency_type=AgencyType.POLICE)
    return Place(
        area=area,
        coordinator=member(Role.COORDINATOR, area=area),
        police_lead=member(Role.POLICE_LEAD, area=area, agency=police),
        practitioner=member(Role.PRACTITIONER, area=area),
    )


def link(actor: User, a: Any, b: Any, **overrides: Any) -> Link:
    return link_add(actor=actor, a=a, b=b, **{"nature": "seen_with", **GRADING, **overrides})
