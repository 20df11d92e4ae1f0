"""Writes for board reports: each read or download of an area's figures leaves an audit
record, in its own transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from agencies.models import Area
from agencies.selectors import active_memberships
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record

from .periods import Period
from .selectors import REPORT_ROLES


def report_exported(
    *,
    actor: Any,
    area: Area,
    period: Period,
    fmt: str,
    chart: str = "",
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Record that `actor` downloaded the area's dashboard (or one table's `chart`) for
    `period` as `fmt`, naming the role in that area that let them."""
    membership = next(
        (
            m
            for m in active_memberships(user=actor)
            if m.area_id == area.pk and m.role in REPORT_ROLES
        ),
        None,
    )
    with transaction.atomic(durable=True):
        return audit_record(
            action=AuditAction.EXPORT,
            actor=actor,
            membership=membership,
            target=area,
            area=area,
            request=request,
            details={
                "report": "area_dashboard",
                "format": fmt,
                "period": {
                    "kind": period.kind.value,
                    "start": period.start.isoformat(),
                    "end": period.end.isoformat(),
                },
                **({"chart": chart} if chart else {}),
            },
        )
