"""The out-of-hours route: a concern about a young person in immediate danger raised outside
working time is told at once, urgently, to the area's emergency duty contact (an agency or one
person, `Area.emergency_duty_agency` / `emergency_duty_person`), instead of waiting for the next
working day's triage.

An agency's people may not see the referral itself (an emergency duty team is rarely named on
it), so the message carries what they need to act and nothing about the young person: the
reference, the area, and who raised it with how to reach them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agencies.models import Area, Membership, Role, User
from referrals.models import Referral
from referrals.working_time import is_working_time

from .models import Notification, NotificationKind
from .services import notify

# An agency's people told: those who work cases in the area for it.
DUTY_ROLES = (
    Role.COORDINATOR,
    Role.POLICE_LEAD,
    Role.LEAD_PROFESSIONAL,
    Role.AGENCY_SAFEGUARDING_LEAD,
)


def _event_key(referral: Referral) -> str:
    return f"emergency_duty:{referral.pk}"


def emergency_duty_people(*, area: Area) -> list[User]:
    """Whoever the area's emergency duty contact is now: the named person while they still see
    every referral of the area, or the named agency's active people in it."""
    memberships = Membership.objects.filter(area=area, is_active=True, agency__is_active=True)
    if area.emergency_duty_person_id is not None:
        memberships = memberships.filter(
            user_id=area.emergency_duty_person_id, role__in=(Role.COORDINATOR, Role.POLICE_LEAD)
        )
    elif area.emergency_duty_agency_id is not None:
        memberships = memberships.filter(
            agency_id=area.emergency_duty_agency_id, role__in=DUTY_ROLES
        )
    else:
        return []
    return list(
        User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by("pk")
    )


def concern_out_of_hours(*, referral: Referral, actor: Any) -> None:
    """On submission: immediate danger outside working time tells the emergency duty contact."""
    submitted = referral.submitted_at
    if not referral.immediate_danger or submitted is None or is_working_time(submitted):
        return
    raiser = referral.raised_by
    notify(
        recipients=[u for u in emergency_duty_people(area=referral.area) if u.pk != actor.pk],
        kind=NotificationKind.EMERGENCY_DUTY,
        event_key=_event_key(referral),
        title=f"Immediate danger, out of hours: concern {referral.reference}",
        body=(
            f"A concern about a young person in immediate danger was raised in "
            f"{referral.area.name} outside working hours, by {raiser.get_full_name()} "
            f"({referral.raised_by_agency.name}, {raiser.email}). Contact them now: the "
            "coordinators will not see it before the next working day."
        ),
        url="",  # the agency's people may not see the referral: the body says whom to call
        urgent=True,
        area_id=referral.area_id,
        referral_id=referral.pk,
    )


@dataclass(frozen=True)
class DutyTold:
    """Whom the out-of-hours route told of one concern, for the person who raised it."""

    out_of_hours: bool
    contact: str  # the agency's name or the person's, "" when the area names none
    people: list[str]


def emergency_duty_told(*, referral: Referral) -> DutyTold | None:
    """None unless the concern was in immediate danger and submitted out of hours. The caller
    has already checked the user may see the referral."""
    submitted = referral.submitted_at
    if not referral.immediate_danger or submitted is None or is_working_time(submitted):
        return None
    told = Notification.objects.filter(event_key=_event_key(referral)).select_related("recipient")
    area = referral.area
    contact = ""
    if area.emergency_duty_agency is not None:
        contact = area.emergency_duty_agency.name
    elif area.emergency_duty_person is not None:
        contact = area.emergency_duty_person.get_full_name()
    people = sorted(n.recipient.get_full_name() or n.recipient.get_username() for n in told)
    return DutyTold(out_of_hours=True, contact=contact, people=people)
