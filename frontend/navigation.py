"""The service navigation: each item names the permission that shows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse

from agencies.selectors import two_factor_done


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None  # None: every signed-in user
    unread_badge: bool = False  # shows the live count of unread notifications


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", "frontend:home"),
    NavItem("Triage queue", "frontend:triage-queue", "referrals.view_triage_queue"),
    NavItem("Referrals", "frontend:referral-list", "referrals.view_referral_list"),
    NavItem("Emergency access", "frontend:break-glass-review", "referrals.review_break_glass"),
    NavItem("Intelligence", "frontend:intelligence", "disruption.view_intelligence"),
    NavItem("Clusters", "frontend:clusters", "disruption.view_intelligence"),
    NavItem("Disruption", "frontend:disruption-log", "disruption.view_intelligence"),
    NavItem("MACE meetings", "frontend:meetings", "disruption.view_meetings"),
    NavItem("Reports", "frontend:reports", "reports.view_dashboard"),
    NavItem("Strategy profiles", "frontend:strategy-profiles", "reports.view_strategy_profiles"),
    NavItem("Administration", "frontend:admin", "agencies.administer_area"),
    NavItem("National picture", "frontend:national", "reports.view_national_picture"),
    NavItem("API", "api:docs"),
    NavItem("Notifications", "frontend:notifications", unread_badge=True),
)


def navigation_for(*, user: Any, current_path: str) -> list[dict[str, Any]]:
    """Items the user may use, shaped for the GOV.UK service navigation component."""
    if not user.is_authenticated:
        return []
    if settings.TWO_FACTOR_REQUIRED and not two_factor_done(user=user):
        return []  # nothing to offer until the second factor is done
    links = [
        (item, reverse(item.url_name))
        for item in NAV_ITEMS
        if not item.permission or user.has_perm(item.permission)
    ]
    # The current page belongs to the item with the longest matching address.
    matching = [
        href
        for _, href in links
        if current_path == href or (href != "/" and current_path.startswith(href))
    ]
    current = max(matching, key=len, default=None)
    return [
        {
            "text": item.label,
            "href": href,
            "active": href == current,
            "unread_badge": item.unread_badge,
        }
        for item, href in links
    ]
