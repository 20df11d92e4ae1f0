"""The daily digest: one email per person at 07:00 London time, each notification once."""

from __future__ import annotations

import copy
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail

from agencies.models import Role
from config.celery import app
from notifications import tasks
from notifications.email import MAX_ATTEMPTS, send_digests
from notifications.models import (
    Delivery,
    EmailStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from tests.factories import member

from .conftest import BROKEN, SLOW, make_due, run_at_once, tell

pytestmark = pytest.mark.django_db

CONCERN = NotificationKind.CONCERN_SUBMITTED
LINK_ALERT = NotificationKind.LINK_ALERT


def digest_reader(*kinds: str) -> Any:
    person = member(Role.COORDINATOR)
    for kind in kinds or (CONCERN,):
        NotificationPreference.objects.create(user=person, kind=kind, delivery=Delivery.DIGEST)
    return person


def statuses(person: Any) -> dict[str, str]:
    return dict(
        Notification.objects.filter(recipient=person).values_list("event_key", "email_status")
    )


def test_each_person_gets_one_digest_of_titles_and_links_then_nothing_twice() -> None:
    alice = digest_reader(CONCERN, LINK_ALERT)
    bob = digest_reader()
    member(Role.COORDINATOR)  # nothing in a digest: no email
    for key in ("R26-000301", "R26-000302"):
        tell(alice, key, body="About Zephyrine Quillfeather")
    tell(alice, "L-7", kind=LINK_ALERT, title="Link alert on R26-000303", url="/alerts/7/")
    tell(alice, "R26-000304", kind=NotificationKind.LEAD_ASSIGNED)  # straight away, not here
    tell(bob, "R26-000301")

    assert send_digests() == 2

    by_person = {message.to[0]: message for message in mail.outbox}
    assert set(by_person) == {alice.email, bob.email}
    digest = by_person[alice.email]
    assert digest.subject == "Safeguard Hub: daily summary, 3 notifications"
    assert digest.body.index("Concern R26-000301 submitted") < digest.body.index(
        "Concern R26-000302 submitted"
    )
    assert "- Link alert on R26-000303\n  http://testserver/alerts/7/" in digest.body
    assert "http://testserver/referrals/R26-000302/" in digest.body
    assert "R26-000304" not in digest.body
    assert "Zephyrine" not in digest.body and "Quillfeather" not in digest.body
    assert by_person[bob.email].subject == "Safeguard Hub: daily summary, 1 notification"
    assert statuses(alice) == {
        "R26-000301": EmailStatus.SENT,
        "R26-000302": EmailStatus.SENT,
        "L-7": EmailStatus.SENT,
        "R26-000304": EmailStatus.PENDING,
    }

    assert send_digests() == 0
    assert tasks.send_digests.apply().get() == 0
    assert len(mail.outbox) == 2


def test_a_failed_digest_is_retried_by_the_retry_job_without_what_arrived_since(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.EMAIL_BACKEND = BROKEN
    alice = digest_reader()
    first = tell(alice, "R26-000311") + tell(alice, "R26-000312")
    caplog.set_level(logging.WARNING, logger="notifications.email")

    assert send_digests() == 0
    rows = Notification.objects.filter(pk__in=first)
    assert {(r.email_status, r.email_attempts) for r in rows} == {(EmailStatus.DIGEST, 1)}
    assert all(r.email_error.startswith("SMTPServerDisconnected") for r in rows)
    assert all(r.email_next_attempt_at is not None for r in rows)
    assert "retrying" in caplog.records[-1].getMessage()
    tell(alice, "R26-000313")  # arrives after the failure: tomorrow's digest

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_digests(retries_only=True) == 0  # the back-off has not passed
    make_due(*first)
    assert tasks.send_due_emails.apply().get() == 1

    (message,) = mail.outbox
    assert "R26-000311" in message.body and "R26-000312" in message.body
    assert "R26-000313" not in message.body
    assert statuses(alice) == {
        "R26-000311": EmailStatus.SENT,
        "R26-000312": EmailStatus.SENT,
        "R26-000313": EmailStatus.DIGEST,
    }


def test_a_digest_that_never_goes_is_failed_and_logged_as_an_error(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.EMAIL_BACKEND = BROKEN
    alice = digest_reader()
    ids = tell(alice, "R26-000321")
    caplog.set_level(logging.WARNING, logger="notifications.email")

    send_digests()
    for _ in range(MAX_ATTEMPTS - 1):
        make_due(*ids)
        send_digests(retries_only=True)

    row = Notification.objects.get(pk=ids[0])
    assert (row.email_status, row.email_attempts) == (EmailStatus.FAILED, MAX_ATTEMPTS)
    assert row.email_next_attempt_at is None
    assert [r.levelno for r in caplog.records].count(logging.ERROR) == 1
    make_due(*ids)
    assert send_digests() == 0 and send_digests(retries_only=True) == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_person_one_whole_digest(settings: Any) -> None:
    settings.EMAIL_BACKEND = SLOW
    people = [digest_reader() for _ in range(5)]
    for person in people:
        for number in range(3):
            tell(person, f"R26-00040{number}")

    sent = run_at_once(send_digests, send_digests)

    assert sum(sent) == 5
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert all(m.subject.endswith("3 notifications") for m in mail.outbox)
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}


@pytest.mark.parametrize(
    ("now", "last_run", "due"),
    [
        # Summer: 07:00 in London is 06:00 UTC.
        (
            datetime(2026, 7, 1, 5, 59, tzinfo=UTC),
            datetime(2026, 6, 30, 6, 0, 5, tzinfo=UTC),
            False,
        ),
        (
            datetime(2026, 7, 1, 6, 0, 1, tzinfo=UTC),
            datetime(2026, 6, 30, 6, 0, 5, tzinfo=UTC),
            True,
        ),
        # Winter: 07:00 in London is 07:00 UTC.
        (
            datetime(2026, 12, 1, 6, 59, tzinfo=UTC),
            datetime(2026, 11, 30, 7, 0, 5, tzinfo=UTC),
            False,
        ),
        (
            datetime(2026, 12, 1, 7, 0, 1, tzinfo=UTC),
            datetime(2026, 11, 30, 7, 0, 5, tzinfo=UTC),
            True,
        ),
    ],
)
def test_the_digest_runs_at_seven_in_the_morning_london_time(
    now: datetime, last_run: datetime, due: bool
) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-daily-digest"]
    assert entry["task"] in app.tasks
    schedule = copy.copy(entry["schedule"])
    assert isinstance(schedule, crontab)
    schedule.nowfun = lambda: now  # type: ignore[attr-defined]
    assert schedule.is_due(last_run).is_due is due
