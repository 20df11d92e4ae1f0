from __future__ import annotations

import pytest

from agencies.models import Role
from audit.models import AuditAction, AuditEvent
from bench import micro
from tests.factories import member, raise_referral


@pytest.mark.django_db(transaction=True)
def test_audit_write_measures_real_audit_events() -> None:
    practitioner = member(Role.PRACTITIONER)
    referral = raise_referral(practitioner, submit=True)
    before = AuditEvent.objects.filter(action=AuditAction.VIEW).count()
    result = micro.audit_write(actor=practitioner, target=referral, count=5)
    assert result.requests == 5 and result.errors == 0
    assert result.p50_ms is not None and result.p50_ms > 0
    written = AuditEvent.objects.filter(action=AuditAction.VIEW).count() - before
    assert written == 5 + micro.WARMUP
