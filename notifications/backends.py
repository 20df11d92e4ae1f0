"""An email backend that sends through GOV.UK Notify instead of SMTP.

Notify sends from one template; the template's subject is ((subject)) and its message is
((body)), so each Django email is passed whole as those two personalisation fields. An API
error (refused request, Notify unavailable) is raised like an SMTP error, so the outbox on the
notification row records it and retries with back-off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient


class NotifyEmailBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.api_key: str = settings.GOVUK_NOTIFY_API_KEY
        self.template_id: str = settings.GOVUK_NOTIFY_TEMPLATE_ID
        if not self.api_key or not self.template_id:
            raise ImproperlyConfigured(
                "GOVUK_NOTIFY_API_KEY and GOVUK_NOTIFY_TEMPLATE_ID must both be set"
            )
        self.client: NotificationsAPIClient | None = None

    def open(self) -> bool:
        if self.client is not None:
            return False
        self.client = NotificationsAPIClient(self.api_key, timeout=settings.EMAIL_TIMEOUT or 30)
        return True

    def close(self) -> None:
        if self.client is not None:
            self.client.request_session.close()
            self.client = None

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        opened = self.open()
        client = cast(NotificationsAPIClient, self.client)
        sent = 0
        try:
            for message in email_messages:
                sent += self._send(client, message)
        finally:
            if opened:
                self.close()
        return sent

    def _send(self, client: NotificationsAPIClient, message: EmailMessage) -> int:
        personalisation = {"subject": message.subject, "body": message.body}
        try:
            for address in message.recipients():
                client.send_email_notification(
                    email_address=address,
                    template_id=self.template_id,
                    personalisation=personalisation,
                )
        except APIError:
            if not self.fail_silently:
                raise
            return 0
        return 1
