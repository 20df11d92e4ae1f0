from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Role
from audit.models import AuditAction, AuditEvent
from bench import micro
from bench.generate import ensure_cast, generate_referrals
from bench.runner import _session_cookie
from bench.scenarios import SCENARIOS
from tests.factories import member, raise_referral


@pytest.mark.django_db
def test_audit_write_measures_real_audit_events() -> None:
    practitioner = member(Role.PRACTITIONER)
    referral = raise_referral(practitioner, submit=True)
    before = AuditEvent.objects.filter(action=AuditAction.VIEW).count()
    result = micro.audit_write(actor=practitioner, target=referral, count=5)
    assert result.requests == 5 and result.errors == 0
    assert result.p50_ms is not None and result.p50_ms > 0
    written = AuditEvent.objects.filter(action=AuditAction.VIEW).count() - before
    assert written == 5 + micro.WARMUP


@pytest.mark.django_db
def test_a_page_is_measured_in_process_as_the_signed_in_coordinator(settings: Any) -> None:
    settings.TWO_FACTOR_REQUIRED = False  # as under the bench settings
    generate_referrals(300, seed=1)
    cast = ensure_cast()
    with _session_cookie(cast.coordinator) as cookie:
        result = micro.page(scenario=SCENARIOS["triage_queue_page"], cookie=cookie, count=3)
        outsider = micro.page(scenario=SCENARIOS["triage_queue_page"], cookie="", count=2)
    assert (result.name, result.requests, result.errors) == ("triage_queue_page_in_process", 3, 0)
    assert result.p95_ms is not None
    assert (outsider.errors, outsider.p50_ms) == (2, None)  # signed out: not timed as answers
