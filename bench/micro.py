"""In-process measurements of single operations, beside the HTTP scenarios.

The audit write is measured on its own because the issue bounds what it adds to a read
(under 2 ms at p50); over HTTP it is lost in the noise of the request around it.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import models, transaction

from audit.models import AuditAction
from audit.services import audit_record

from .stats import ScenarioResult, summarise

WARMUP = 20


def audit_write(*, actor: Any, target: models.Model, count: int) -> ScenarioResult:
    """`count` single audit events, each in its own transaction as a request would write it."""

    def one() -> float:
        started = time.perf_counter()
        with transaction.atomic():
            audit_record(
                action=AuditAction.VIEW, actor=actor, target=target, details={"bench": True}
            )
        return (time.perf_counter() - started) * 1000

    for _ in range(WARMUP):
        one()
    started = time.perf_counter()
    latencies = [one() for _ in range(count)]
    return summarise(
        name="audit_write",
        method="CALL",
        path="audit_record() in its own transaction, in-process",
        latencies_ms=latencies,
        errors=0,
        elapsed_s=time.perf_counter() - started,
        queries_per_request=None,
    )
