"""Celery tasks of the reports (the periodic ones scheduled in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .profile_imports import profile_import_run, profile_imports_expire
from .rollups import rollups_refresh


@shared_task(name="reports.rollups_refresh")
def refresh_rollups() -> int:
    """Recount the days changes have marked stale, so a dashboard opened later finds little
    left to do (it refreshes what remains itself before reading)."""
    return rollups_refresh()


@shared_task(name="reports.run_profile_import")
def run_profile_import(job_id: str) -> str:
    """Check an uploaded file of strategy profiles and import it when it has no problems."""
    return str(profile_import_run(job_id=job_id).status)


@shared_task(name="reports.profile_imports_expire")
def expire_profile_imports() -> int:
    """Mark failed the strategy profile imports still checking past their deadline."""
    return profile_imports_expire(now=timezone.now())
