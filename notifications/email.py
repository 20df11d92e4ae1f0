"""Email: a short message naming a reference and a link, never a young person's details.

The notification row is the outbox. A send claims its rows for a lease (so two workers never
send the same one), and a failure is recorded on the row (attempts, error, next attempt) and
retried with back-off by the periodic job until it succeeds or the attempts run out; then it
is marked failed and logged as an error: never dropped silently. Area administrators see
every email that is failing or failed (`selectors.emails_not_delivered`).

Only the title and the link are emailed, never the body: email leaves the service's control,
so it says no more than that something needs looking at, and where.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from .models import EmailStatus, Notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A claimed email not recorded as sent or failed within this time is tried again.
CLAIM_LEASE = timedelta(minutes=5)
# First key of the advisory lock a digest sender holds on a recipient while claiming.
_DIGEST_LOCK = 0x6E6F7469


class NoEmailAddress(Exception):
    """The recipient has no email address (an administrator can add one; retries go on)."""


def retry_delay(attempts: int) -> timedelta:
    """Back-off after `attempts` failures: 1, 2, 4 … minutes, at most 4 hours."""
    return timedelta(minutes=min(2 ** (attempts - 1), 240))


def queue_emails(notification_ids: list[int]) -> None:
    """After commit: send these now (a Celery task; inline when Celery runs eagerly)."""
    if notification_ids:
        from .tasks import send_notification_emails

        send_notification_emails.delay(notification_ids)


# --- what is sent ---------------------------------------------------------------------------


def _one_line(text: str) -> str:
    """Text fit for a subject or a list item: a header with a line break would be refused."""
    return " ".join(text.split())


def _link(url: str) -> str:
    """An address on this service for a stored path; anything else is left out."""
    if not url.startswith("/") or url.startswith("//"):
        return ""
    return f"{settings.SITE_URL.rstrip('/')}{url}"


def _footer() -> str:
    settings_link = _link(reverse("frontend:notification-settings"))
    return (
        "You are receiving this because of your role in a safeguarding partnership. "
        f"Choose which emails you get: {settings_link}"
    )


def email_text(notification: Notification) -> tuple[str, str]:
    """Subject and body of the email for one notification: its title and link only."""
    title = _one_line(notification.title)
    link = _link(notification.url)
    opening = f"Open it in {settings.SERVICE_NAME}: {link}" if link else ""
    body = "\n\n".join(part for part in (title, opening, _footer()) if part)
    return f"{settings.SERVICE_NAME}: {title}", body


def digest_text(notifications: Sequence[Notification]) -> tuple[str, str]:
    """Subject and body of one person's daily digest: a title and a link per notification."""
    count = len(notifications)
    noun = "notification" if count == 1 else "notifications"
    items = []
    for notification in notifications:
        link = _link(notification.url)
        items.append(f"- {_one_line(notification.title)}" + (f"\n  {link}" if link else ""))
    body = "\n\n".join(
        (
            f"Your daily summary from {settings.SERVICE_NAME}: {count} {noun}.",
            "\n".join(items),
            _footer(),
        )
    )
    return f"{settings.SERVICE_NAME}: daily summary, {count} {noun}", body


# --- claiming rows ---------------------------------------------------------------------------

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

# A digest row waits with no next attempt until the daily run; after a failed send it has one.
_DIGEST_DUE = {
    "daily": "(email_next_attempt_at IS NULL OR email_next_attempt_at <= %(now)s)",
    "retries": "email_next_attempt_at <= %(now)s",
}

_DIGEST_RECIPIENTS = """
    SELECT DISTINCT recipient_id FROM notifications_notification
    WHERE email_status = 'digest' AND {due}
"""

_CLAIM_DIGEST = """
    UPDATE notifications_notification SET email_next_attempt_at = %(lease)s
    WHERE email_status = 'digest' AND recipient_id = %(recipient)s AND {due}
    RETURNING id
"""


def _claim(*, ids: list[int] | None, limit: int) -> list[int]:
    now = timezone.now()
    only = "AND id = ANY(%s)" if ids is not None else ""
    params: list[Any] = [now + CLAIM_LEASE, now, *([ids] if ids is not None else []), limit]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM.format(only=only), params)
        return [row[0] for row in cursor.fetchall()]


def _claim_digest(*, recipient_id: int, due: str, now: datetime) -> list[int]:
    """All of one recipient's due digest rows, or none when another sender holds them: the
    advisory lock keeps one person's rows together, so nobody gets their digest in pieces."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_DIGEST_LOCK, recipient_id])
        if not cursor.fetchone()[0]:
            return []
        cursor.execute(
            _CLAIM_DIGEST.format(due=due),
            {"lease": now + CLAIM_LEASE, "recipient": recipient_id, "now": now},
        )
        return [row[0] for row in cursor.fetchall()]


# --- sending ---------------------------------------------------------------------------------


def send_due_emails(*, ids: list[int] | None = None, limit: int = 500) -> int:
    """Send pending emails that are due (only `ids` when given). Returns how many were sent."""
    claimed = Notification.objects.filter(pk__in=_claim(ids=ids, limit=limit))
    return sum(
        _send([n], *email_text(n)) for n in claimed.select_related("recipient").order_by("id")
    )


def send_digests(*, retries_only: bool = False) -> int:
    """Send each person one email listing their digest notifications not yet emailed.

    The daily run (07:00) takes every waiting row; the retry job (`retries_only`) takes only
    rows of a failed digest whose back-off has passed. Returns how many digests were sent.
    """
    now = timezone.now()
    due = _DIGEST_DUE["retries" if retries_only else "daily"]
    with connection.cursor() as cursor:
        cursor.execute(_DIGEST_RECIPIENTS.format(due=due), {"now": now})
        recipient_ids = [row[0] for row in cursor.fetchall()]
    claimed: list[int] = []
    for recipient_id in recipient_ids:
        claimed += _claim_digest(recipient_id=recipient_id, due=due, now=now)
    by_recipient: dict[int, list[Notification]] = defaultdict(list)
    for notification in (
        Notification.objects.filter(pk__in=claimed).select_related("recipient").order_by("id")
    ):
        by_recipient[notification.recipient_id].append(notification)
    return sum(_send(rows, *digest_text(rows)) for rows in by_recipient.values())


def _send(notifications: list[Notification], subject: str, body: str) -> int:
    """Email one recipient about these claimed rows and record the outcome on every one.
    Returns 1 when sent, else 0."""
    recipient = notifications[0].recipient
    ids = [n.pk for n in notifications]
    attempts = max(n.email_attempts for n in notifications) + 1
    rows = Notification.objects.filter(pk__in=ids)
    if not recipient.is_active:
        # Someone who has left is not emailed about casework, however late the send.
        rows.update(email_status=EmailStatus.NOT_SENT, email_next_attempt_at=None)
        return 0
    try:
        if not recipient.email:
            raise NoEmailAddress(f"user {recipient.pk} has no email address")
        send_mail(
            subject=subject,
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[recipient.email],
        )
    except Exception as exc:
        _record_failure(rows, ids=ids, attempts=attempts, exc=exc)
        return 0
    rows.update(
        email_attempts=attempts,
        email_status=EmailStatus.SENT,
        email_sent_at=timezone.now(),
        email_next_attempt_at=None,
        email_error="",
    )
    return 1


def _record_failure(
    rows: QuerySet[Notification], *, ids: list[int], attempts: int, exc: Exception
) -> None:
    failed = attempts >= MAX_ATTEMPTS
    update: dict[str, Any] = {
        "email_attempts": attempts,
        "email_error": f"{type(exc).__name__}: {exc}"[:1000],
        "email_next_attempt_at": None if failed else timezone.now() + retry_delay(attempts),
    }
    if failed:
        update["email_status"] = EmailStatus.FAILED
    rows.update(**update)
    if failed:
        logger.error(
            "email for notifications %s failed %s times; giving up: %s", ids, attempts, exc
        )
    else:
        logger.warning(
            "email for notifications %s failed (attempt %s), retrying: %s", ids, attempts, exc
        )
