"""Writes for board reports: each read or download of an area's figures leaves an audit
record, in its own transaction, filed under the membership that opens the area's reports."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from agencies.models import Area
from audit.models import AuditAction
from audit.services import audit_record

from .periods import Period
from .selectors import report_membership


def _report_record(
    *,
    action: AuditAction,
    actor: Any,
    area: Area,
    period: Period,
    request: HttpRequest | None,
    details: dict[str, Any],
) -> None:
    with transaction.atomic(durable=True):
        audit_record(
            action=action,
            actor=actor,
            membership=report_membership(user=actor, area=area),
            area=area,
            request=request,
            details={
                **details,
                "period": {
                    "kind": period.kind.value,
                    "start": period.start.isoformat(),
                    "end": period.end.isoformat(),
                },
            },
        )


def report_viewed(
    *, actor: Any, area: Area, period: Period, request: HttpRequest | None = None, report: str
) -> None:
    """A reading of `area`'s `report` for `period` (a page, or an API read)."""
    _report_record(
        action=AuditAction.VIEW,
        actor=actor,
        area=area,
        period=period,
        request=request,
        details={"report": report},
    )


def report_exported(
    *,
    actor: Any,
    area: Area,
    period: Period,
    fmt: str,
    chart: str = "",
    request: HttpRequest | None = None,
) -> None:
    """A download of the area's dashboard (or of one table's `chart`) for `period` as `fmt`."""
    _report_record(
        action=AuditAction.EXPORT,
        actor=actor,
        area=area,
        period=period,
        request=request,
        details={
            "report": "area_dashboard",
            "format": fmt,
            **({"chart": chart} if chart else {}),
        },
    )
