"""Builders for the tests of who is told of each event: an area with people in every role
(and some who must never be told), concerns about a young person whose personal details are
looked for in every notification the test made."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from agencies.models import Agency, AgencyType, Area, Membership, Role, User
from notifications.models import Notification, NotificationKind
from referrals.models import Referral, YoungPerson
from referrals.workflow import referral_transition
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral

# Details of the young person that no notification may carry.
YOUNG_PERSON: dict[str, Any] = {
    "given_name": "Tamsin",
    "family_name": "Vortigern",
    "aliases": ["Tammy Vee"],
    "date_of_birth": date(2011, 5, 17),
    "nhs_number": "9434765919",
    "address": "12 Quillon Lane, Exampleton",
    "postcode": "ZZ9 9QQ",
}
REASON = "Older male known to police seen collecting her from school."


@dataclass
class World:
    area: Area
    raising_agency: Agency
    practitioner: User  # raises the concerns
    other_practitioner: User  # same agency and area, raised nothing
    safeguarding_lead: User  # of the raising agency: sees its concerns in summary
    coordinator: User
    colleague: User  # a second coordinator of the area
    police_lead: User
    board_member: User
    administrator: User
    retired: User  # a coordinator whose account is deactivated
    former: User  # a coordinator whose membership ended
    other_area: Area
    elsewhere: User  # a coordinator of the other area

    def concern(self, *, submit: bool = True, **concern: Any) -> Referral:
        return raise_referral(self.practitioner, submit=submit, concern=concern, **YOUNG_PERSON)

    def step(self, referral: Referral, name: str, actor: User | None = None, **inputs: str) -> Any:
        return referral_transition(
            referral=referral, actor=actor or self.coordinator, name=name, inputs=inputs
        )

    def to_plan(self, referral: Referral) -> Referral:
        self.step(referral, "start_triage")
        return self.step(referral, "decide", decision="multi_agency_plan", reason=REASON)


def world() -> World:
    area, other_area = AreaFactory.create(), AreaFactory.create()
    raising = AgencyFactory.create(areas=[area])
    police = AgencyFactory.create(areas=[area], agency_type=AgencyType.POLICE)
    retired = member(Role.COORDINATOR, area=area)
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    former = member(Role.COORDINATOR, area=area)
    Membership.objects.filter(user=former).update(is_active=False)
    return World(
        area=area,
        raising_agency=raising,
        practitioner=member(Role.PRACTITIONER, area=area, agency=raising),
        other_practitioner=member(Role.PRACTITIONER, area=area, agency=raising),
        safeguarding_lead=member(Role.AGENCY_SAFEGUARDING_LEAD, area=area, agency=raising),
        coordinator=member(Role.COORDINATOR, area=area),
        colleague=member(Role.COORDINATOR, area=area),
        police_lead=member(Role.POLICE_LEAD, area=area, agency=police),
        board_member=member(Role.BOARD_MEMBER, area=area),
        administrator=member(Role.AREA_ADMINISTRATOR, area=area),
        retired=retired,
        former=former,
        other_area=other_area,
        elsewhere=member(Role.COORDINATOR, area=other_area),
    )


def told(kind: NotificationKind, referral: Referral | None = None) -> dict[int, Notification]:
    """The notifications of `kind` (about `referral`), by recipient."""
    rows = Notification.objects.filter(kind=kind)
    if referral is not None:
        rows = rows.filter(referral=referral)
    found = {n.recipient_id: n for n in rows}
    assert len(found) == rows.count(), "someone was told twice"
    return found


def people(*users: User) -> set[int]:
    return {u.pk for u in users}


def assert_no_personal_details() -> None:
    """No notification names a young person, their date of birth, address or NHS number."""
    texts = [f"{n.title} {n.body} {n.url}".lower() for n in Notification.objects.all()]
    for person in YoungPerson.objects.all():
        details = [
            person.given_name,
            person.family_name,
            *person.aliases,
            person.nhs_number,
            person.address,
            person.postcode,
        ]
        if person.date_of_birth:
            details += [person.date_of_birth.isoformat(), f"{person.date_of_birth:%-d %B %Y}"]
        for detail in filter(None, details):
            for text in texts:
                assert detail.lower() not in text, f"{detail!r} in a notification: {text!r}"


@pytest.fixture
def no_personal_details(transactional_db: None) -> Iterator[None]:
    yield
    assert_no_personal_details()
