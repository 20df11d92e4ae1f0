"""Writes for board reports: the audit record of each read of an area's figures."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from agencies.models import Area
from audit.models import AuditAction
from audit.services import audit_record

from .periods import Period
from .selectors import report_membership


def report_viewed(
    *, actor: Any, area: Area, period: Period, request: HttpRequest | None = None, report: str
) -> None:
    """One VIEW record for a reading of `area`'s `report` for `period` (a page, or an API
    read), filed under the membership that opens the area's reports."""
    with transaction.atomic(durable=True):
        audit_record(
            action=AuditAction.VIEW,
            actor=actor,
            membership=report_membership(user=actor, area=area),
            area=area,
            request=request,
            details={
                "report": report,
                "period": {
                    "kind": period.kind.value,
                    "start": period.start.isoformat(),
                    "end": period.end.isoformat(),
                },
            },
        )
