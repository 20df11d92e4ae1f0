"""Writes: telling people (`notify`), and marking what they have read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from psycopg2.extras import execute_values

from agencies.selectors import acting_membership
from audit.models import AuditAction
from audit.services import audit_record
from referrals.restriction import told_despite_restriction

from . import live
from .models import (
    ALWAYS_URGENT,
    Delivery,
    EmailStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from .selectors import deliveries_of, notification_preferences


def _email_statuses(recipient_ids: list[int], kind: str, urgent: bool) -> dict[int, str]:
    """Each recipient's email state for a new notification of `kind`, from their preferences."""
    if urgent:
        return dict.fromkeys(recipient_ids, EmailStatus.PENDING)
    by_delivery: dict[str, str] = {
        Delivery.IMMEDIATE: EmailStatus.PENDING,
        Delivery.DIGEST: EmailStatus.DIGEST,
        Delivery.OFF: EmailStatus.NOT_SENT,
    }
    deliveries = deliveries_of(user_ids=recipient_ids, kind=kind)
    return {pk: by_delivery[delivery] for pk, delivery in deliveries.items()}


_INSERT = """
    INSERT INTO notifications_notification
        (recipient_id, kind, urgent, event_key, title, body, url, area_id, referral_id,
         created_at, email_status, email_attempts, email_next_attempt_at, email_error)
    VALUES %s
    ON CONFLICT (recipient_id, event_key) DO NOTHING
    RETURNING id
"""


def notify(
    *,
    recipients: Iterable[Any],
    kind: NotificationKind,
    event_key: str,
    title: str,
    body: str = "",
    url: str = "",
    urgent: bool = False,
    area_id: int | None = None,
    referral_id: int | None = None,
) -> list[int]:
    """Record one notification per recipient not yet told of `event_key`; deliver on commit.

    Runs inside the caller's transaction, so the notification commits or rolls back with the
    change it announces. Telling someone twice is impossible: the insert skips any recipient
    who already has `event_key` (a unique constraint), also when two workers race. Returns the
    ids of the notifications created. Callers choose recipients through the access rules and
    write `title` and `body` without a young person's personal details.
    """
    recipient_ids = sorted({u.pk for u in recipients if u.is_active})
    if referral_id is not None:  # a restricted record is told of to its coordinators alone
        recipient_ids = told_despite_restriction(user_ids=recipient_ids, referral_id=referral_id)
    if not recipient_ids:
        return []
    urgent = urgent or kind in ALWAYS_URGENT
    now = timezone.now()
    statuses = _email_statuses(recipient_ids, kind, urgent)
    rows = [
        (
            pk,
            kind,
            urgent,
            event_key,
            title[:200],
            body,
            url,
            area_id,
            referral_id,
            now,
            statuses[pk],
            0,
            now if statuses[pk] == EmailStatus.PENDING else None,
            "",
        )
        for pk in recipient_ids
    ]
    with connection.cursor() as cursor:
        created = [row[0] for row in execute_values(cursor, _INSERT, rows, fetch=True)]
    if created:
        # Robust: the change has committed, so a failing push or email queue (a broker that is
        # down) is logged, not raised at whoever made the change. The rows stay: the page
        # catches up, and the email job sends what is still pending.
        transaction.on_commit(lambda: deliver(created), robust=True)
    return created


def deliver(notification_ids: list[int]) -> None:
    """After commit: push each new notification to its recipient's open pages, then email."""
    from .email import queue_emails

    notifications = list(Notification.objects.filter(pk__in=notification_ids))
    unread = _unread_counts({n.recipient_id for n in notifications})
    live.send_each(
        [
            (
                live.user_group(notification.recipient_id),
                {
                    "type": "notification.new",
                    "notification": payload(notification),
                    "unread": unread.get(notification.recipient_id, 0),
                },
            )
            for notification in notifications
        ]
    )
    queue_emails([n.pk for n in notifications if n.email_status == EmailStatus.PENDING])


def _unread_counts(recipient_ids: set[int]) -> dict[int, int]:
    return dict(
        Notification.objects.filter(recipient_id__in=recipient_ids, read_at__isnull=True)
        .values_list("recipient_id")
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )


def payload(notification: Notification) -> dict[str, Any]:
    """What a page is sent about one notification (its recipient's own data only)."""
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "kind_label": notification.get_kind_display(),
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "urgent": notification.urgent,
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }


def notifications_mark_read(*, actor: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notifications read (all unread ones when `ids` is None)."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    marked = unread.update(read_at=timezone.now())
    if marked:
        count = Notification.objects.filter(recipient=actor, read_at__isnull=True).count()
        transaction.on_commit(
            lambda: live.send(
                live.user_group(actor.pk), {"type": "unread.changed", "unread": count}
            )
        )
    return marked


def referral_changed(*, referral_id: int, area_id: int, actor_id: int | None) -> None:
    """After commit: nudge the open pages of this referral and its area's triage queue."""
    nudge = {"referral_id": referral_id, "actor_id": actor_id}
    live.send_each(
        [
            (live.referral_group(referral_id), {"type": "referral.changed", **nudge}),
            (live.triage_group(area_id), {"type": "triage.changed", **nudge}),
        ]
    )


def notification_preferences_update(*, actor: Any, changes: dict[str, str]) -> dict[str, str]:
    """Set how the actor is emailed about each kind in `changes` (kind -> delivery).

    All or nothing: an unknown kind or delivery, or an always-urgent kind set to anything but
    immediate, refuses the whole change with a ValidationError naming each bad kind. Returns
    the kinds whose delivery changed, with their new delivery.
    """
    errors = {kind: _preference_error(kind, delivery) for kind, delivery in changes.items()}
    errors = {kind: message for kind, message in errors.items() if message}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        current = notification_preferences(user=actor)
        changed = {k: v for k, v in changes.items() if current[k] != v}
        NotificationPreference.objects.bulk_create(
            [NotificationPreference(user=actor, kind=k, delivery=v) for k, v in changed.items()],
            update_conflicts=True,
            unique_fields=["user", "kind"],
            update_fields=["delivery"],
        )
        if changed:
            audit_record(
                action=AuditAction.CHANGE,
                actor=actor,
                membership=acting_membership(user=actor),
                target=actor,
                details={"notification_preferences": changed},
            )
    return changed


def _preference_error(kind: str, delivery: str) -> str:
    if kind not in NotificationKind.values:
        return "This is not a kind of notification."
    if delivery not in Delivery.values:
        return "Choose straight away, daily digest or off."
    if kind in ALWAYS_URGENT and delivery != Delivery.IMMEDIATE:
        label = NotificationKind(kind).label
        return f"{label} is urgent: it is always emailed straight away and cannot be changed."
    return ""


def sessions_ended(*, user_id: int) -> None:
    """After commit: close the user's open websockets (signed out everywhere, deactivated)."""
    live.send(live.user_group(user_id), {"type": "session.ended"})
