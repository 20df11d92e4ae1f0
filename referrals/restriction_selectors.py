"""Reads of the restrictions on young people's records (referrals.restriction): for the
coordinators of the young person's area alone, the only people who use a restricted record."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from agencies.models import Role
from agencies.selectors import membership_in

from .models import YoungPerson, YoungPersonRestriction


def _coordinates(user: Any, young_person: YoungPerson) -> bool:
    roles = [Role.COORDINATOR]
    return membership_in(user=user, area_id=young_person.area_id, roles=roles) is not None


def young_person_restrictions(
    *, user: Any, young_person: YoungPerson
) -> QuerySet[YoungPersonRestriction]:
    """Every restriction placed on the record, newest first; none for anyone but the area's
    coordinators."""
    if not _coordinates(user, young_person):
        return YoungPersonRestriction.objects.none()
    return (
        YoungPersonRestriction.objects.filter(young_person=young_person)
        .select_related("placed_by", "lifted_by")
        .order_by("-placed_at", "-id")
    )


def restriction_standing(*, user: Any, young_person: YoungPerson) -> YoungPersonRestriction | None:
    """The restriction standing on the record, shown to the area's coordinators (the banner
    on the record); None when there is none or the user does not coordinate the area."""
    return (
        young_person_restrictions(user=user, young_person=young_person)
        .filter(lifted_at__isnull=True)
        .first()
    )
