"""Timed job of the agencies' sign-ins (scheduled in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from .leavers import provider_sessions_check


@shared_task(name="identity.provider_sessions_check")
def provider_sessions_check_task() -> int:
    """Ask each agency's provider whether the accounts signed in through it still stand;
    how many people were signed out because their provider refused."""
    return len(provider_sessions_check().signed_out)
