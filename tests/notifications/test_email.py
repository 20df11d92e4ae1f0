"""Single emails: a reference and a link only; retried with back-off, failed loudly, sent once."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role
from notifications.email import MAX_ATTEMPTS, retry_delay, send_due_emails
from notifications.models import EmailStatus, Notification, NotificationKind
from tests.factories import member, raise_referral, sign_in

from .conftest import BROKEN, SLOW, make_due, run_at_once, tell

pytestmark = pytest.mark.django_db


def test_the_email_names_the_reference_and_a_link_and_nothing_about_the_young_person(
    django_capture_on_commit_callbacks: Any,
) -> None:
    practitioner = member(Role.PRACTITIONER)
    coordinator = member(Role.COORDINATOR)
    referral = raise_referral(
        practitioner,
        submit=True,
        given_name="Zephyrine",
        family_name="Quillfeather",
        date_of_birth=date(2011, 3, 14),
    )
    with django_capture_on_commit_callbacks(execute=True):
        # A careless body: the email must not carry it.
        tell(
            coordinator,
            referral.reference,
            body="About Zephyrine Quillfeather, born 14 March 2011.",
        )

    (message,) = mail.outbox
    assert message.to == [coordinator.email]
    assert referral.reference in message.subject
    assert f"http://testserver/referrals/{referral.reference}/" in message.body
    assert "http://testserver/notifications/settings/" in message.body
    for text in (message.subject, message.body):
        for detail in ("Zephyrine", "Quillfeather", "2011", "14 March"):
            assert detail not in text
    row = Notification.objects.get(recipient=coordinator)
    assert row.email_status == EmailStatus.SENT
    assert row.email_attempts == 1 and row.email_sent_at is not None


@pytest.mark.parametrize(
    "url", ["https://elsewhere.example/x", "//elsewhere.example/x", "javascript:alert(1)"]
)
def test_a_link_that_leaves_the_service_is_left_out(url: str) -> None:
    coordinator = member(Role.COORDINATOR)
    tell(coordinator, "R26-000001", url=url)
    send_due_emails()
    (message,) = mail.outbox
    assert "elsewhere" not in message.body and "javascript" not in message.body
    assert "Open it in" not in message.body


def test_a_title_over_several_lines_makes_a_one_line_subject() -> None:
    coordinator = member(Role.COORDINATOR)
    tell(coordinator, "R26-000002", title="Concern R26-000002\nsubmitted")
    assert send_due_emails() == 1
    assert mail.outbox[0].subject == "Safeguard Hub: Concern R26-000002 submitted"


def test_the_back_off_doubles_from_a_minute_up_to_four_hours() -> None:
    assert [retry_delay(n) for n in range(1, 11)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 64, 128, 240, 240)
    ]


def test_a_failing_email_is_retried_with_back_off_then_failed_and_logged(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.EMAIL_BACKEND = BROKEN
    coordinator = member(Role.COORDINATOR)
    (pk,) = tell(coordinator, "R26-000003")
    caplog.set_level(logging.WARNING, logger="notifications.email")

    for attempt in range(1, MAX_ATTEMPTS):
        before = timezone.now()
        assert send_due_emails() == 0
        row = Notification.objects.get(pk=pk)
        assert row.email_status == EmailStatus.PENDING
        assert row.email_attempts == attempt
        assert row.email_error == "SMTPServerDisconnected: Connection unexpectedly closed"
        assert row.email_next_attempt_at is not None
        waited = row.email_next_attempt_at - before
        assert retry_delay(attempt) <= waited < retry_delay(attempt) + timedelta(seconds=5)
        assert send_due_emails() == 0  # not due yet: nothing is tried
        assert Notification.objects.get(pk=pk).email_attempts == attempt
        make_due(pk)

    send_due_emails()
    row = Notification.objects.get(pk=pk)
    assert row.email_status == EmailStatus.FAILED
    assert row.email_attempts == MAX_ATTEMPTS and row.email_next_attempt_at is None
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and f"[{pk}]" in errors[0].getMessage()
    assert "giving up" in errors[0].getMessage()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == MAX_ATTEMPTS - 1
    make_due(pk)
    assert send_due_emails() == 0 and mail.outbox == []  # failed stays failed


def test_an_email_that_fails_once_goes_on_the_retry() -> None:
    coordinator = member(Role.COORDINATOR)
    (pk,) = tell(coordinator, "R26-000004")
    Notification.objects.filter(pk=pk).update(email_attempts=2, email_error="TimeoutError: x")
    assert send_due_emails() == 1
    row = Notification.objects.get(pk=pk)
    assert (row.email_status, row.email_attempts, row.email_error) == (EmailStatus.SENT, 3, "")


def test_a_person_with_no_address_is_retried_with_the_reason_recorded() -> None:
    coordinator = member(Role.COORDINATOR)
    coordinator.email = ""
    coordinator.save()
    (pk,) = tell(coordinator, "R26-000005")
    assert send_due_emails() == 0
    row = Notification.objects.get(pk=pk)
    assert row.email_status == EmailStatus.PENDING and row.email_attempts == 1
    assert row.email_error.startswith("NoEmailAddress")


def test_someone_deactivated_before_the_send_is_not_emailed() -> None:
    coordinator = member(Role.COORDINATOR)
    (pk,) = tell(coordinator, "R26-000006")
    coordinator.is_active = False
    coordinator.save()
    assert send_due_emails() == 0
    assert mail.outbox == []
    assert Notification.objects.get(pk=pk).email_status == EmailStatus.NOT_SENT


def test_only_the_ids_asked_for_are_sent_by_the_on_commit_send() -> None:
    coordinator = member(Role.COORDINATOR)
    (first,) = tell(coordinator, "R26-000007")
    (second,) = tell(coordinator, "R26-000008")
    assert send_due_emails(ids=[second]) == 1
    assert Notification.objects.get(pk=first).email_status == EmailStatus.PENDING
    assert Notification.objects.get(pk=second).email_status == EmailStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_email_once(settings: Any) -> None:
    settings.EMAIL_BACKEND = SLOW
    coordinators = [member(Role.COORDINATOR) for _ in range(10)]
    for index, coordinator in enumerate(coordinators):
        tell(coordinator, f"R26-00010{index}")
    # Sent on commit; due again, as if that send had been lost with its worker.
    Notification.objects.update(email_status=EmailStatus.PENDING)
    make_due(*Notification.objects.values_list("pk", flat=True))
    mail.outbox.clear()

    sent = run_at_once(send_due_emails, send_due_emails)

    assert sum(sent) == 10
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in coordinators)
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}


def test_area_administrators_see_emails_not_delivered_without_case_content(
    client: Client, settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.EMAIL_BACKEND = BROKEN
    administrator = member(Role.AREA_ADMINISTRATOR)
    area = administrator.memberships.get().area
    assert area is not None
    here = member(Role.COORDINATOR, area=area)
    elsewhere = member(Role.COORDINATOR)
    for person in (here, elsewhere):
        tell(person, "R26-000200", kind=NotificationKind.TRIAGE_DUE_SOON)
    tell(here, "R26-000201", kind=NotificationKind.LINK_ALERT)
    send_due_emails()
    Notification.objects.filter(recipient=here, kind=NotificationKind.LINK_ALERT).update(
        email_status=EmailStatus.FAILED
    )
    sign_in(client, administrator)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("frontend:admin-emails", args=[area.ons_code]))

    html = response.content.decode()
    assert response.status_code == 200
    assert here.email in html and elsewhere.email not in html
    assert "Triage decision due soon" in html and "Link alert" in html
    assert "Retrying" in html and "Failed" in html
    assert "SMTPServerDisconnected" in html
    assert "R26-000200" not in html and "R26-000201" not in html  # no case content
    assert 'aria-current="page">Emails not delivered' in html


def test_other_roles_cannot_see_emails_not_delivered(client: Client) -> None:
    coordinator = member(Role.COORDINATOR)
    sign_in(client, coordinator)
    area = coordinator.memberships.get().area
    assert area is not None
    response = client.get(reverse("frontend:admin-emails", args=[area.ons_code]))
    assert response.status_code == 403


def test_a_broker_that_is_down_loses_nothing_and_does_not_fail_the_change(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from notifications import email

    def broker_down(ids: list[int]) -> None:
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(email, "queue_emails", broker_down)
    person = member(Role.COORDINATOR)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        created = tell(person, "broker-down")  # delivery fails after commit, and does not raise
    row = Notification.objects.get(pk=created[0])
    assert row.email_status == EmailStatus.PENDING  # the email job will send it
    assert "broker unreachable" in caplog.text
