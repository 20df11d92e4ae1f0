"""The membership through which an actor writes to a referral, or PermissionDenied."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from agencies.models import Membership, Role
from agencies.selectors import active_memberships, membership_in

from .models import Referral
from .selectors import casework_membership

BREAK_GLASS_ROLES = {Role.COORDINATOR, Role.LEAD_PROFESSIONAL}


# Roles whose holders work with young people and so may raise a concern.
RAISING_ROLES = {
    Role.PRACTITIONER,
    Role.AGENCY_SAFEGUARDING_LEAD,
    Role.COORDINATOR,
    Role.LEAD_PROFESSIONAL,
    Role.POLICE_LEAD,
}


def raising_membership(*, actor: Any, membership: Membership | None) -> Membership:
    # The role first: roles that may not raise (some hold no agency at all) are refused alike.
    if membership is None or membership.role not in RAISING_ROLES:
        raise PermissionDenied("This role cannot raise a concern.")
    if membership.user_id != actor.pk or not membership.is_active:
        raise ValueError("a concern is raised through one of the actor's own agency memberships")
    if membership.agency_id is None:
        raise PermissionDenied("A concern is raised for an agency: this role is held for none.")
    return membership


def coordinator_membership(*, actor: Any, area_id: int) -> Membership:
    membership = membership_in(user=actor, area_id=area_id, roles=[Role.COORDINATOR])
    if membership is not None:
        return membership
    raise PermissionDenied("Only a coordinator of the referral's area may do this.")


def caseworker_membership(*, actor: Any, referral: Referral) -> Membership:
    membership = casework_membership(user=actor, referral=referral)
    if membership is None:
        raise PermissionDenied(
            "Only the area's coordinators and police leads, and the lead professionals named "
            "on this referral, may record casework on it."
        )
    return membership


def break_glass_membership(*, user: Any, referral: Referral) -> Membership:
    """The role through which `user` may open `referral` in an emergency: one of its own
    area's, else a coordinator's of another area. PermissionDenied for anyone else."""
    eligible = [m for m in active_memberships(user=user) if m.role in BREAK_GLASS_ROLES]
    if not eligible:
        raise PermissionDenied("Only coordinators and lead professionals may use emergency access.")
    own_area = [m for m in eligible if m.area_id == referral.area_id]
    coordinators = [m for m in eligible if m.role == Role.COORDINATOR]
    if own_area or coordinators:
        return (own_area or coordinators)[0]
    raise PermissionDenied(
        "Emergency access to another area's referral is for coordinators: ask your area's "
        "coordinator, or that area's."
    )
