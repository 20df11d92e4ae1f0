"""The service navigation (the header): a few items per role, the rest on the home page.

Each item names the permission that lets a user open it and the roles whose header carries it.
A page a user may open that is not in their header is listed on their home page ("Other
pages"), and marks the header item of its section current (`covers`), so the header stays one
row: at most HEADER_LIMIT items, whatever mix of roles a person holds. (The API's documentation
is linked from every page's footer.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from agencies.models import Role
from agencies.selectors import active_roles, second_factor_pending

HEADER_LIMIT = 7
EVERY_ROLE = frozenset(Role)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None  # None: every signed-in user
    header_roles: frozenset[Role] = frozenset()  # the roles whose header shows it
    covers: tuple[str, ...] = ()  # url names of the section's other pages (marks it current)
    unread_badge: bool = False  # shows the live count of unread notifications
    description: str = ""  # what it is for, where the home page lists it


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem(
        "Home",
        "frontend:home",
        header_roles=EVERY_ROLE,
        # the home blocks' full lists
        covers=("frontend:my-cases", "frontend:my-actions", "frontend:information-requests"),
    ),
    NavItem(
        "Triage queue",
        "frontend:triage-queue",
        "referrals.view_triage_queue",
        frozenset({Role.COORDINATOR}),
        description="New concerns to rate and decide, Red first.",
    ),
    NavItem(
        "Referrals",
        "frontend:referral-list",
        "referrals.view_referral_list",
        frozenset(
            {
                Role.PRACTITIONER,
                Role.AGENCY_SAFEGUARDING_LEAD,
                Role.COORDINATOR,
                Role.LEAD_PROFESSIONAL,
                Role.POLICE_LEAD,
            }
        ),
        description="Every referral you can see, newest first.",
    ),
    NavItem(
        "Intelligence",
        "frontend:intelligence",
        "disruption.view_intelligence",
        frozenset({Role.COORDINATOR, Role.POLICE_LEAD}),
        covers=("frontend:clusters", "frontend:link-alerts", "frontend:disruption-log"),
        description="Persons of concern, places, vehicles and the links between them.",
    ),
    NavItem(
        "Disruption",
        "frontend:disruption-log",
        "disruption.view_intelligence",
        frozenset({Role.POLICE_LEAD}),
        description="Orders, notices and other disruption of abusers.",
    ),
    NavItem(
        "MACE meetings",
        "frontend:meetings",
        "disruption.view_meetings",
        frozenset({Role.COORDINATOR, Role.POLICE_LEAD}),
        description="Multi-agency child exploitation meetings, their agendas and minutes.",
    ),
    NavItem(
        "Reports",
        "frontend:reports",
        "reports.view_dashboard",
        frozenset({Role.BOARD_MEMBER, Role.COORDINATOR, Role.AREA_ADMINISTRATOR}),
        covers=("frontend:strategy-profiles", "frontend:national"),
        description="The partnership's figures for its safeguarding partners, beside the period "
        "before.",
    ),
    NavItem(
        "Administration",
        "frontend:admin",
        "agencies.administer_area",
        frozenset({Role.AREA_ADMINISTRATOR}),
        description="People, agencies and settings of the area.",
    ),
    NavItem(
        "Strategy profiles",
        "frontend:strategy-profiles",
        "reports.view_strategy_profiles",
        frozenset({Role.BOARD_MEMBER, Role.AREA_ADMINISTRATOR, Role.NATIONAL_ANALYST}),
        description="Each area's answers on protocol, services, training and disruption.",
    ),
    NavItem(
        "National picture",
        "frontend:national",
        "reports.view_national_picture",
        frozenset({Role.AREA_ADMINISTRATOR, Role.NATIONAL_ANALYST}),
        description="Areas' national returns and the national tables.",
    ),
    NavItem(
        "Clusters",
        "frontend:clusters",
        "disruption.view_intelligence",
        description="Groups of young people joined by the same persons, places or vehicles.",
    ),
    NavItem(
        "Screening tools",
        "frontend:screening-home",
        "referrals.keep_screening_tools",
        description="The indicators new concerns are screened with: national tools and "
        "your area's own versions.",
    ),
    NavItem(
        "Emergency access to review",
        "frontend:break-glass-review",
        "referrals.review_break_glass",
        description="Emergency access people used in your area, for you to review.",
    ),
    NavItem(
        "Records management",
        "frontend:records",
        "records.view_schedule",
        description="How long the area keeps each kind of record, records to review, and "
        "legal holds.",
    ),
    NavItem("Notifications", "frontend:notifications", header_roles=EVERY_ROLE, unread_badge=True),
)


def _split(user: Any) -> tuple[list[NavItem], list[NavItem]]:
    """(header, the rest) of the items `user` may open: Home and Notifications always in the
    header, the others in their order until the header is full."""
    roles = active_roles(user=user)
    usable = [i for i in NAV_ITEMS if not i.permission or user.has_perm(i.permission)]
    pinned = [i for i in usable if i.header_roles == EVERY_ROLE]
    wanted = [i for i in usable if i.header_roles & roles and i not in pinned]
    kept = wanted[: HEADER_LIMIT - len(pinned)]
    header = [i for i in usable if i in pinned or i in kept]
    return header, [i for i in usable if i not in header]


def navigation_for(*, user: Any, current_path: str) -> list[dict[str, Any]]:
    """Header items the user may use, shaped for the GOV.UK service navigation component."""
    if not user.is_authenticated:
        return []
    if second_factor_pending(user=user):
        return []  # nothing to offer until the second factor is done
    header, _ = _split(user)
    links = [(item, [reverse(name) for name in (item.url_name, *item.covers)]) for item in header]
    # The current page belongs to the item with the longest matching address, its own address
    # before a page of its section another item has.
    matching = [
        (len(href), own == 0, item.url_name)
        for item, hrefs in links
        for own, href in enumerate(hrefs)
        if current_path == href or (href != "/" and current_path.startswith(href))
    ]
    current = max(matching, default=(0, False, None))[2]
    return [
        {
            "text": item.label,
            "href": hrefs[0],
            "active": item.url_name == current,
            "unread_badge": item.unread_badge,
        }
        for item, hrefs in links
    ]


def other_pages_for(*, user: Any) -> list[dict[str, str]]:
    """Pages the user may open that their header has no room for: the home page lists them."""
    _, rest = _split(user)
    return [
        {"text": item.label, "href": reverse(item.url_name), "description": item.description}
        for item in rest
    ]
