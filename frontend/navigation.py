"""The service navigation: each item names the permission that shows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None  # None: every signed-in user


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", "frontend:home"),
    NavItem("Referrals", "frontend:referral-list", "referrals.view_referral_list"),
    NavItem("API", "api:docs"),
)


def navigation_for(*, user: Any, current_path: str) -> list[dict[str, Any]]:
    """Items the user may use, shaped for the GOV.UK service navigation component."""
    if not user.is_authenticated:
        return []
    items = []
    for item in NAV_ITEMS:
        if item.permission and not user.has_perm(item.permission):
            continue
        href = reverse(item.url_name)
        active = current_path == href if href == "/" else current_path.startswith(href)
        items.append({"text": item.label, "href": href, "active": active})
    return items
