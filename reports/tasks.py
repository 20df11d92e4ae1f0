"""Celery tasks of the reports (scheduled in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from .rollups import rollups_refresh


@shared_task(name="reports.rollups_refresh")
def refresh_rollups() -> int:
    """Recount the days changes have marked stale, so a dashboard opened later finds little
    left to do (it refreshes what remains itself before reading)."""
    return rollups_refresh()
