"""The nightly job of records management (scheduled in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from .review_job import retention_review_run


@shared_task(name="records.retention_review")
def retention_review() -> int:
    """List the records that reached their trigger for review; how many were listed."""
    return len(retention_review_run())
