"""Role predicates (the `rules` package). Permission checks everywhere are built from these."""

from __future__ import annotations

from typing import Any

import rules

from .models import Role
from .selectors import active_roles


def has_role(*roles: Role) -> Any:
    """A predicate true when the user holds an active membership in one of `roles`."""

    @rules.predicate(name=f"has_role({', '.join(roles)})")
    def predicate(user: Any) -> bool:
        return not active_roles(user=user).isdisjoint(roles)

    return predicate


CASEWORK_ROLES = (
    Role.PRACTITIONER,
    Role.AGENCY_SAFEGUARDING_LEAD,
    Role.COORDINATOR,
    Role.LEAD_PROFESSIONAL,
    Role.POLICE_LEAD,
)

can_see_referrals = has_role(*CASEWORK_ROLES)

rules.add_perm("referrals.view_referral_list", can_see_referrals)
