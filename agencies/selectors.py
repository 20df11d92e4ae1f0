"""Reads about people and their roles."""

from __future__ import annotations

from typing import Any

from .models import Membership, Role


def active_memberships(*, user: Any) -> list[Membership]:
    """The user's active memberships, cached on the user object for the rest of the request."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_active_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True)
            .exclude(agency__is_active=False)  # a deactivated agency grants nothing
            .select_related("area", "agency")
        )
        user._active_memberships = cached
    return cached


def active_roles(*, user: Any) -> set[Role]:
    return {Role(m.role) for m in active_memberships(user=user)}
