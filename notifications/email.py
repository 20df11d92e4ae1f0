"""Email: a short message naming a reference and a link, never a young person's details.

The notification row is the outbox. A send claims its rows for a lease (so two workers never
send the same one), and a failure is recorded on the row and retried with back-off by the
periodic job until it succeeds or the attempts run out; then it is marked failed and logged
as an error: never dropped silently.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from .models import EmailStatus, Notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A claimed email not recorded as sent or failed within this time is tried again.
CLAIM_LEASE = timedelta(minutes=5)


def retry_delay(attempts: int) -> timedelta:
    """Back-off after `attempts` failures: 1, 2, 4 … minutes, at most 4 hours."""
    return timedelta(minutes=min(2 ** (attempts - 1), 240))


def queue_emails(notification_ids: list[int]) -> None:
    """After commit: send these now (a Celery task; inline when Celery runs eagerly)."""
    if notification_ids:
        from .tasks import send_notification_emails

        send_notification_emails.delay(notification_ids)


_CLAIM = """
    UPDATE notifications_notification SET email_next_attempt_at = %s
    WHERE id IN (
        SELECT id FROM notifications_notification
        WHERE email_status = 'pending' AND email_next_attempt_at <= %s {only}
        ORDER BY email_next_attempt_at
        LIMIT %s
        FOR UPDATE SKIP LOCKED
    )
    RETURNING id
"""


def _claim(*, ids: list[int] | None, limit: int) -> list[int]:
    now = timezone.now()
    only = "AND id = ANY(%s)" if ids is not None else ""
    params: list[Any] = [now + CLAIM_LEASE, now, *([ids] if ids is not None else []), limit]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM.format(only=only), params)
        return [row[0] for row in cursor.fetchall()]


def send_due_emails(*, ids: list[int] | None = None, limit: int = 500) -> int:
    """Send pending emails that are due (only `ids` when given). Returns how many were sent."""
    claimed = Notification.objects.filter(pk__in=_claim(ids=ids, limit=limit))
    return sum(_send_one(n) for n in claimed.select_related("recipient"))


def _send_one(notification: Notification) -> int:
    link = f"{settings.SITE_URL.rstrip('/')}{notification.url}" if notification.url else ""
    body = "\n\n".join(
        part
        for part in (
            notification.title,
            notification.body,
            f"Open it in {settings.SERVICE_NAME}: {link}" if link else "",
            "You are receiving this because of your role in a safeguarding partnership.",
        )
        if part
    )
    attempts = notification.email_attempts + 1
    try:
        send_mail(
            subject=f"{settings.SERVICE_NAME}: {notification.title}",
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.recipient.email],
        )
    except Exception as exc:
        failed = attempts >= MAX_ATTEMPTS
        Notification.objects.filter(pk=notification.pk).update(
            email_attempts=attempts,
            email_error=f"{type(exc).__name__}: {exc}"[:1000],
            email_status=EmailStatus.FAILED if failed else EmailStatus.PENDING,
            email_next_attempt_at=None if failed else timezone.now() + retry_delay(attempts),
        )
        log = logger.error if failed else logger.warning
        log("email for notification %s failed (attempt %s): %s", notification.pk, attempts, exc)
        return 0
    Notification.objects.filter(pk=notification.pk).update(
        email_attempts=attempts,
        email_status=EmailStatus.SENT,
        email_sent_at=timezone.now(),
        email_next_attempt_at=None,
        email_error="",
    )
    return 1
