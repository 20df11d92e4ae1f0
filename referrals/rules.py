"""Permissions about referrals that do not depend on one referral (found by `rules`)."""

from __future__ import annotations

from typing import Any

import rules

from agencies.selectors import acting_membership

from .memberships import RAISING_ROLES


@rules.predicate
def may_raise_concern(user: Any) -> bool:
    """A concern is raised through the membership the user acts as, so that role decides."""
    membership = acting_membership(user=user)
    return membership is not None and membership.role in RAISING_ROLES


rules.add_perm("referrals.raise_concern", may_raise_concern)
