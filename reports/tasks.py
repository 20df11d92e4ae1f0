"""Celery tasks of reports."""

from __future__ import annotations

from celery import shared_task

from .profile_imports import profile_import_run


@shared_task(name="reports.run_profile_import")
def run_profile_import(job_id: str) -> str:
    """Check an uploaded file of strategy profiles and import it when it has no problems."""
    return str(profile_import_run(job_id=job_id).status)
