"""Drill: the database connection drops in the middle of a workflow step, as when PostgreSQL
restarts under a request. The step is taken or not, never half; the client's retry with the
same Idempotency-Key takes it exactly once, and a further retry gets the first answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models.signals import post_save
from rest_framework.test import APIClient

from agencies.models import Role
from api.models import IdempotencyKey
from audit.models import AuditAction, AuditEvent
from referrals.models import Referral, ReferralEvent, ReferralEventType, ReferralState
from tests.factories import AreaFactory, member, raise_referral, sign_in

# The step's own connection is killed: nothing of it may be the test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def _drop_the_connection(sender: Any, created: bool, **kwargs: Any) -> None:
    """Once the step has written its timeline event, the server ends this session (what a
    restart does to every session), so the rest of the step cannot reach the database."""
    if created:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


def _written(referral: Referral) -> tuple[str, int, int]:
    """The referral's state, its triage-started events and the audit records of starting it."""
    return (
        Referral.objects.get(pk=referral.pk).state,
        ReferralEvent.objects.filter(
            referral=referral, event_type=ReferralEventType.TRIAGE_STARTED
        ).count(),
        AuditEvent.objects.filter(
            action=AuditAction.TRANSITION,
            object_id=str(referral.pk),
            details__transition="start_triage",
        ).count(),
    )


def test_a_step_cut_off_by_the_database_is_taken_once_when_retried() -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    client = APIClient(raise_request_exception=False)
    sign_in(client, coordinator)
    url = f"/api/v1/referrals/{referral.reference}/transitions/start_triage/"

    post_save.connect(_drop_the_connection, sender=ReferralEvent)
    try:
        cut = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="triage-1")
    finally:
        post_save.disconnect(_drop_the_connection, sender=ReferralEvent)
    assert cut.status_code == 500
    assert _written(referral) == (ReferralState.SUBMITTED, 0, 0)  # nothing half done
    assert not IdempotencyKey.objects.exists()  # the key went with the rest

    retried = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="triage-1")
    assert retried.status_code == 200, retried.content
    assert retried.json()["state"] == ReferralState.IN_TRIAGE
    assert _written(referral) == (ReferralState.IN_TRIAGE, 1, 1)

    again = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="triage-1")
    assert (again.status_code, again["Idempotent-Replayed"]) == (200, "true")
    assert again.json() == retried.json()
    assert _written(referral) == (ReferralState.IN_TRIAGE, 1, 1)
