"""Reads of MACE meetings, always scoped to what the user may see.

- the area's coordinators and police leads: every meeting of their areas;
- anyone who attended (or chaired) a meeting: that meeting;
- everyone else: nothing (404).
Within a meeting, each agenda item shows only if the user may see its subject: a referral in
full, or the person of concern or location (`node_visible_q`). Minutes are read only by
those who attended and the chair.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from agencies.models import Membership, Role
from agencies.selectors import active_memberships
from referrals.models import Referral
from referrals.selectors import referral_full_q

from .models import AgendaItem, Meeting, Node
from .selectors import intelligence_area_ids, node_visible_q

MINUTES_HIDDEN = "Minutes are available to those who attended"


def meetings_for(*, user: Any) -> QuerySet[Meeting]:
    """Meetings the user may see, most recent first."""
    if not active_memberships(user=user):
        return Meeting.objects.none()
    attended = Meeting.attendees.through.objects.filter(user_id=user.pk).values("meeting_id")
    return (
        Meeting.objects.filter(
            Q(area_id__in=intelligence_area_ids(user=user))
            | Q(chair_id=user.pk)
            | Q(pk__in=attended)
        )
        .select_related("area", "chair")
        .order_by("-held_at", "-id")
    )


def meeting_get(*, user: Any, pk: int) -> Meeting:
    """One meeting the user may see; 404 otherwise, whether or not it exists."""
    meeting = meetings_for(user=user).filter(pk=pk).first()
    if meeting is None:
        raise Http404("No meeting found")
    return meeting


def agenda_for(*, user: Any, meeting: Meeting) -> list[AgendaItem]:
    """The meeting's agenda items whose subject the user may see, in agenda order."""
    referrals = Referral.objects.filter(referral_full_q(user=user)).values("pk")
    nodes = Node.objects.filter(node_visible_q(user=user)).values("pk")
    return list(
        AgendaItem.objects.filter(meeting=meeting)
        .filter(Q(referral__in=referrals) | Q(node__in=nodes))
        .select_related("referral__young_person", "node__person", "node__location", "decided_by")
        .prefetch_related(
            "protective_actions__action_type",
            "protective_actions__owner",
            "protective_actions__owner_agency",
            "disruption_activities__tactic",
        )
        .order_by("position", "id")
    )


def minutes_visible(*, user: Any, meeting: Meeting) -> bool:
    """Only those who attended, and the chair, read the minutes."""
    if not active_memberships(user=user):
        return False
    return meeting.chair_id == user.pk or meeting.attendees.filter(pk=user.pk).exists()


def meeting_membership(*, user: Any, meeting: Meeting) -> Membership | None:
    """The membership through which the user sees the meeting, for the audit record: their
    role in its area (a coordinator's or police lead's first), else any active one."""
    memberships = active_memberships(user=user)
    in_area = [m for m in memberships if m.area_id == meeting.area_id]
    intelligence = [m for m in in_area if m.role in (Role.COORDINATOR, Role.POLICE_LEAD)]
    return next(iter(intelligence or in_area or memberships), None)


# Who may attend a MACE meeting: people who work with young people in the area. Board
# members and administrators never see identifiable records, so never attend.
ATTENDING_ROLES = (
    Role.PRACTITIONER,
    Role.AGENCY_SAFEGUARDING_LEAD,
    Role.COORDINATOR,
    Role.LEAD_PROFESSIONAL,
    Role.POLICE_LEAD,
)


def area_working_memberships(*, area_id: int) -> QuerySet[Membership]:
    """Active memberships of the area in an attending role, of active people and agencies."""
    return (
        Membership.objects.filter(
            area_id=area_id,
            role__in=ATTENDING_ROLES,
            is_active=True,
            user__is_active=True,
            agency__is_active=True,
        )
        .select_related("user", "agency")
        .order_by("user__last_name", "user__first_name", "user_id", "pk")
    )


def _one_each(memberships: QuerySet[Membership]) -> list[Membership]:
    people: dict[int, Membership] = {}
    for membership in memberships:
        people.setdefault(membership.user_id, membership)
    return list(people.values())


def meeting_people(*, area_id: int) -> list[Membership]:
    """Who may attend a meeting of the area, one membership each (their first agency)."""
    return _one_each(area_working_memberships(area_id=area_id))


def meeting_chairs(*, area_id: int) -> list[Membership]:
    """Who may chair a meeting of the area: its coordinators."""
    return _one_each(area_working_memberships(area_id=area_id).filter(role=Role.COORDINATOR))
