"""Reads of intelligence, always scoped to what the user may see.

- coordinators and police leads: every entity, link, disruption activity and meeting of their
  areas (the intelligence of the area);
- lead professionals (and anyone else who sees a referral in full): only links a coordinator
  has shared to that referral, and the two records each such link joins;
- everyone else (practitioners, agency safeguarding leads, board members, administrators,
  national analysts): nothing. Out-of-scope records answer 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from agencies.models import Membership, Role
from agencies.selectors import active_memberships
from referrals.models import Referral
from referrals.selectors import referral_full_q

from .models import Link

INTELLIGENCE_ROLES = (Role.COORDINATOR, Role.POLICE_LEAD)


def intelligence_memberships(*, user: Any) -> list[Membership]:
    """The user's memberships that open an area's intelligence (coordinator, police lead)."""
    return [m for m in active_memberships(user=user) if m.role in INTELLIGENCE_ROLES]


def intelligence_area_ids(*, user: Any) -> set[int]:
    return {m.area_id for m in intelligence_memberships(user=user) if m.area_id is not None}


def intelligence_membership(*, user: Any, area_id: int) -> Membership | None:
    """The membership through which `user` works on `area_id`'s intelligence, if any; a
    police lead's comes before a coordinator's (disruption is police-led)."""
    candidates = [m for m in intelligence_memberships(user=user) if m.area_id == area_id]
    return min(candidates, key=lambda m: m.role != Role.POLICE_LEAD, default=None)


def shared_link_q(*, user: Any) -> Q:
    """Links shared to a referral the user sees in full."""
    return Q(
        shared_at__isnull=False,
        referral__in=Referral.objects.filter(referral_full_q(user=user)).values("pk"),
    )


def link_visible_q(*, user: Any) -> Q:
    """The filter (on Link) for links the user may see."""
    if not active_memberships(user=user):
        return Q(pk__in=[])
    return Q(area_id__in=intelligence_area_ids(user=user)) | shared_link_q(user=user)


def node_visible_q(*, user: Any, on_entity: bool = False) -> Q:
    """The filter for nodes the user may see: on Node, or (`on_entity`) on an entity model
    (PersonOfConcern, Location, Vehicle, OnlineIdentifier). Both ends of a link shared to
    the user are visible; nothing else of the area is."""
    if not active_memberships(user=user):
        return Q(pk__in=[])
    shared = Link.objects.filter(shared_link_q(user=user))
    node = "node__in" if on_entity else "pk__in"
    return (
        Q(area_id__in=intelligence_area_ids(user=user))
        | Q(**{node: shared.values("a_id")})
        | Q(**{node: shared.values("b_id")})
    )
