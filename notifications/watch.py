"""Who may open the live stream, and which pages' nudges they may hear (the access rules)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from agencies.selectors import active_memberships, second_factor_pending
from agencies.sessions import session_is_current
from referrals.models import Referral
from referrals.selectors import ReferralAccess, coordinated_areas, referral_access, referral_get


def session_allows(*, user: Any, session: Any) -> bool:
    """A signed-in, current session that finished its second factor where one is required,
    of a person with an active role: the same bar as every page."""
    if not (user.is_authenticated and user.is_active):
        return False
    if not session_is_current(session=session, user=user):
        return False
    if second_factor_pending(user=user, session=session):
        return False
    return bool(active_memberships(user=user))


def triage_area_ids(*, user: Any) -> list[int]:
    return coordinated_areas(user=user)


def allowed_referral_id(*, user: Any, reference: str) -> int | None:
    """The referral's id when the user may see it; None alike when it is not theirs to see or
    does not exist."""
    try:
        referral, _ = referral_get(user=user, reference=reference.strip().upper()[:40])
    except Http404:
        return None
    return referral.pk


def still_allowed(*, user: Any, referral_id: int) -> bool:
    """Whether the user may still see the referral a page of theirs watches: a restriction, an
    ended role or an emergency access run out since it began watching ends its nudges."""
    referral = (
        Referral.objects.select_related("area", "young_person").filter(pk=referral_id).first()
    )
    return referral is not None and referral_access(user=user, referral=referral) is not (
        ReferralAccess.NONE
    )
