"""Whether the referral page offers to log disruption activity protecting its young person."""

from __future__ import annotations

from typing import Any

from django import template

from disruption.selectors import intelligence_area_ids
from referrals.models import OPEN_STATES, Referral

register = template.Library()


@register.filter
def may_log_disruption(referral: Referral, user: Any) -> bool:
    """The area's police leads and coordinators, on an open referral."""
    return referral.state in OPEN_STATES and referral.area_id in intelligence_area_ids(user=user)
