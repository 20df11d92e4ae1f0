"""Celery tasks of subject access exports (the timed one scheduled in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .services import export_run, exports_expire


@shared_task(name="subject_access.run_export")
def run_export(export_id: str) -> str:
    """Gather everything held about the young person and write the export's files."""
    return str(export_run(export_id=export_id).status)


@shared_task(name="subject_access.expire_exports")
def expire_exports() -> int:
    """Fail exports running past their deadline; expire those past their time, removing files."""
    return exports_expire(now=timezone.now())
