"""Timed jobs of the audit trail (scheduled in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from .services import audit_checkpoint, audit_seal


@shared_task(name="audit.seal")
def seal() -> int:
    """Chain the events committed since the last run."""
    return audit_seal()


@shared_task(name="audit.checkpoint")
def checkpoint() -> int:
    """Anchor the chain's head outside the database; returns the seal number anchored."""
    anchored = audit_checkpoint()
    return anchored.seq if anchored is not None else 0
