"""Celery tasks. In production beat schedules the periodic ones (CELERY_BEAT_SCHEDULE); with no
Redis, the in-process ticker (notifications.ticker) runs the same schedule inside the web
server."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import email, timers


@shared_task(name="notifications.send_notification_emails")
def send_notification_emails(notification_ids: list[int]) -> int:
    return email.send_due_emails(ids=notification_ids)


@shared_task(name="notifications.send_due_emails")
def send_due_emails() -> int:
    """Retries: emails and digests whose back-off has passed (and any a dead worker had
    claimed)."""
    return email.send_due_emails() + email.send_digests(retries_only=True)


@shared_task(name="notifications.send_digests")
def send_digests() -> int:
    """The daily digest: one email per person for what they chose to hear about once a day."""
    return email.send_digests()


@shared_task(name="notifications.timers_run")
def timers_run() -> int:
    """Due soon, overdue and escalations; a run that finds another in progress does nothing.
    Returns how many people were told."""
    sent = timers.timers_run(now=timezone.now()) or []
    return sum(s.recipients for s in sent)
