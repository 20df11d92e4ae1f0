"""Celery tasks of the API (scheduled in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .services import idempotency_keys_purge


@shared_task(name="api.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    return idempotency_keys_purge(now=timezone.now())
