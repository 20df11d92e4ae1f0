"""Role predicates (the `rules` package). Permission checks everywhere are built from these."""

from __future__ import annotations

from typing import Any

import rules

from .models import Role
from .selectors import active_roles, membership_in


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


@rules.predicate
def coordinates_area_of(user: Any, obj: Any) -> bool:
    """True when the user coordinates the area `obj` belongs to (obj has an `area_id`)."""
    return (
        obj is not None
        and membership_in(user=user, area_id=obj.area_id, roles=[Role.COORDINATOR]) is not None
    )


rules.add_perm("referrals.view_referral_audit", coordinates_area_of)
rules.add_perm("referrals.break_glass", has_role(Role.COORDINATOR, Role.LEAD_PROFESSIONAL))
rules.add_perm("referrals.review_break_glass", has_role(Role.COORDINATOR))
rules.add_perm("referrals.view_triage_queue", has_role(Role.COORDINATOR))
rules.add_perm("referrals.view_overdue_actions", has_role(Role.COORDINATOR))
rules.add_perm("agencies.administer_area", has_role(Role.AREA_ADMINISTRATOR))
rules.add_perm("referrals.keep_screening_tools", has_role(Role.COORDINATOR))

# Who may read an area's board reports (always disclosure-controlled figures, never a record).
REPORT_ROLES = (Role.BOARD_MEMBER, Role.COORDINATOR, Role.AREA_ADMINISTRATOR)

rules.add_perm("reports.view_dashboard", has_role(*REPORT_ROLES))

# Area strategy profiles (reports.profiles): an area's own coordinators and administrators
# keep its profile; its board members read it; national analysts read every area's and import.
STRATEGY_READ_ROLES = (
    Role.BOARD_MEMBER,
    Role.COORDINATOR,
    Role.AREA_ADMINISTRATOR,
    Role.NATIONAL_ANALYST,
)
STRATEGY_EDIT_ROLES = (Role.COORDINATOR, Role.AREA_ADMINISTRATOR)


@rules.predicate
def keeps_strategy_of(user: Any, area: Any) -> bool:
    """True when the user coordinates or administers `area` (an Area)."""
    return (
        area is not None
        and membership_in(user=user, area_id=area.pk, roles=STRATEGY_EDIT_ROLES) is not None
    )


rules.add_perm("reports.view_strategy_profiles", has_role(*STRATEGY_READ_ROLES))
rules.add_perm("reports.edit_strategy_profile", keeps_strategy_of)
rules.add_perm("reports.import_strategy_profiles", has_role(Role.NATIONAL_ANALYST))
rules.add_perm(
    "reports.view_national_comparison", has_role(Role.NATIONAL_ANALYST, Role.BOARD_MEMBER)
)

# The national picture: areas produce their return; national analysts import and count.
rules.add_perm(
    "reports.produce_national_return", has_role(Role.COORDINATOR, Role.AREA_ADMINISTRATOR)
)
rules.add_perm("reports.analyse_national_returns", has_role(Role.NATIONAL_ANALYST))
rules.add_perm(
    "reports.view_national_picture",
    has_role(Role.COORDINATOR, Role.AREA_ADMINISTRATOR, Role.NATIONAL_ANALYST),
)
