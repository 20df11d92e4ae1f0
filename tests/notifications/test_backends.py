"""The GOV.UK Notify email backend, with the client's HTTP calls intercepted (no network)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection, send_mail

from agencies.models import Role
from notifications.email import send_due_emails
from notifications.models import EmailStatus, Notification
from tests.config.test_settings import manage
from tests.factories import member

from .conftest import make_due, tell

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"hub_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
BACKEND = "notifications.backends.NotifyEmailBackend"
NOTIFY_EMAIL = "https://api.notifications.service.gov.uk/v2/notifications/email"


class FakeNotify:
    """Stands in for Notify's API: records each request and answers with `status`."""

    def __init__(self) -> None:
        self.requests: list[requests.PreparedRequest] = []
        self.status = 201

    def answer(self, request: requests.PreparedRequest) -> requests.Response:
        self.requests.append(request)
        response = requests.Response()
        response.status_code = self.status
        response.url = request.url or ""
        response.request = request
        body = (
            {"id": "740e5834-3a29-46b4-9a6f-16142fde533a"}
            if self.status < 400
            else {
                "errors": [{"error": "BadRequestError", "message": "Can't send to this recipient"}]
            }
        )
        response._content = json.dumps(body).encode()
        return response

    def sent(self) -> list[dict[str, Any]]:
        return [json.loads(str(request.body)) for request in self.requests]


@pytest.fixture
def notify_api(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[FakeNotify]:
    settings.EMAIL_BACKEND = BACKEND
    settings.GOVUK_NOTIFY_API_KEY = API_KEY
    settings.GOVUK_NOTIFY_TEMPLATE_ID = TEMPLATE_ID
    fake = FakeNotify()
    monkeypatch.setattr(
        requests.adapters.HTTPAdapter, "send", lambda adapter, request, **kw: fake.answer(request)
    )
    yield fake


def test_each_message_goes_to_the_template_with_subject_and_body(notify_api: FakeNotify) -> None:
    sent = send_mail(
        subject="Safeguard Hub: Concern R26-000601 submitted",
        message="Concern R26-000601 submitted\n\nOpen it: http://testserver/referrals/R26-000601/",
        from_email=None,
        recipient_list=["coordinator@example.invalid"],
    )

    assert sent == 1
    (request,) = notify_api.requests
    assert request.method == "POST" and request.url == NOTIFY_EMAIL
    assert str(request.headers["Authorization"]).startswith("Bearer ey")  # a signed token
    assert notify_api.sent() == [
        {
            "email_address": "coordinator@example.invalid",
            "template_id": TEMPLATE_ID,
            "personalisation": {
                "subject": "Safeguard Hub: Concern R26-000601 submitted",
                "body": "Concern R26-000601 submitted\n\n"
                "Open it: http://testserver/referrals/R26-000601/",
            },
        }
    ]


@pytest.mark.django_db
def test_a_notify_error_is_recorded_and_the_outbox_retries_it(notify_api: FakeNotify) -> None:
    coordinator = member(Role.COORDINATOR)
    (pk,) = tell(coordinator, "R26-000602")
    notify_api.status = 400

    assert send_due_emails() == 0
    row = Notification.objects.get(pk=pk)
    assert (row.email_status, row.email_attempts) == (EmailStatus.PENDING, 1)
    assert row.email_error == "HTTPError: 400 - [{'error': 'BadRequestError', " + (
        "'message': \"Can't send to this recipient\"}]"
    )

    notify_api.status = 201
    make_due(pk)
    assert send_due_emails() == 1
    assert Notification.objects.get(pk=pk).email_status == EmailStatus.SENT
    assert [m["email_address"] for m in notify_api.sent()] == [coordinator.email] * 2


def test_failing_silently_counts_nothing_sent(notify_api: FakeNotify) -> None:
    notify_api.status = 503
    connection = get_connection(BACKEND, fail_silently=True)
    message = EmailMessage("Subject", "Body", to=["someone@example.invalid"])
    assert connection.send_messages([message]) == 0


def test_the_backend_refuses_to_start_without_its_settings(settings: Any) -> None:
    settings.GOVUK_NOTIFY_TEMPLATE_ID = ""
    with pytest.raises(ImproperlyConfigured, match="GOVUK_NOTIFY_TEMPLATE_ID"):
        get_connection(BACKEND)


def test_production_sends_through_notify_when_both_settings_are_given() -> None:
    show = "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    through_notify = manage(
        "shell", "-c", show, GOVUK_NOTIFY_API_KEY=API_KEY, GOVUK_NOTIFY_TEMPLATE_ID=TEMPLATE_ID
    )
    assert through_notify.stdout.split()[-1] == BACKEND, through_notify.stderr
    through_smtp = manage("shell", "-c", show)
    assert through_smtp.stdout.split()[-1] == "django.core.mail.backends.smtp.EmailBackend"
    half = manage("check", GOVUK_NOTIFY_API_KEY=API_KEY)
    assert half.returncode != 0
    assert "must be set together" in half.stderr
