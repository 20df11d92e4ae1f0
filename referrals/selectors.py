"""Reads of referrals, always scoped to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from agencies.models import Role
from agencies.selectors import active_memberships

from .models import Referral, ReferralState

# Roles that see every referral of their area. The people-and-access issue narrows lead
# professionals to their assigned referrals once assignments exist.
_AREA_WIDE = {Role.COORDINATOR, Role.POLICE_LEAD, Role.LEAD_PROFESSIONAL}


def referral_visible_q(*, user: Any) -> Q:
    """The filter for referrals `user` may see; matches nothing for a user with no case role."""
    own = Q(raised_by_id=user.pk)
    others = Q(pk__in=[])
    for membership in active_memberships(user=user):
        role = Role(membership.role)
        if role in _AREA_WIDE:
            others |= Q(area_id=membership.area_id)
        elif role is Role.AGENCY_SAFEGUARDING_LEAD:
            others |= Q(area_id=membership.area_id, raised_by_agency_id=membership.agency_id)
    if not active_memberships(user=user):
        return Q(pk__in=[])
    # A draft is the raiser's alone until it is submitted.
    return own | (others & ~Q(state=ReferralState.DRAFT))


def referral_list(*, user: Any) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(referral_visible_q(user=user))
        .select_related("young_person", "area", "raised_by_agency")
        .order_by("-created_at", "-id")
    )
