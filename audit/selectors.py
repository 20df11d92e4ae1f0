"""Reads of the audit trail and of field-level history. Callers check who may read them; these
only scope by what they are given."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from agencies.models import Area

from .chain import GENESIS_HASH, HASHED_FIELDS, event_hash
from .models import HISTORY_MODELS, AuditAction, AuditEvent


def audit_events_for_object(*, target: models.Model) -> QuerySet[AuditEvent]:
    """Who has seen or changed `target`, newest first."""
    return (
        AuditEvent.objects.filter(object_type=target._meta.label_lower, object_id=str(target.pk))
        .select_related("actor", "membership")
        .order_by("-id")
    )


def audit_search(
    *,
    area: Area,
    user: Any = None,
    object_type: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
    date_from: date | datetime | None = None,
    date_to: date | datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Events in `area`, newest first. A date (not a datetime) is a whole local day: `date_to`
    includes all of that day."""
    events = AuditEvent.objects.filter(area=area)
    if user is not None:
        events = events.filter(actor=user)
    if object_type:
        events = events.filter(object_type=object_type.lower())
    if object_id:
        events = events.filter(object_id=object_id)
    if action:
        events = events.filter(action=action)
    if date_from is not None:
        events = events.filter(created_at__gte=_start_of(date_from))
    if date_to is not None:
        if isinstance(date_to, datetime):
            events = events.filter(created_at__lte=date_to)
        else:
            events = events.filter(created_at__lt=_start_of(date_to + timedelta(days=1)))
    return events.select_related("actor", "membership", "area").order_by("-created_at", "-id")


def _start_of(day: date | datetime) -> datetime:
    if isinstance(day, datetime):
        return day
    return timezone.make_aware(datetime.combine(day, time.min))


CSV_HEADER = [
    "id",
    "when",
    "action",
    "user",
    "membership",
    "object type",
    "object id",
    "area",
    "ip address",
    "user agent",
    "reason",
    "details",
    "hash",
]


REDACTED_REASON = "(recorded; shown to the area's coordinators)"


def shown_reason(event: AuditEvent, redact_case_reasons: bool) -> str:
    """An emergency-access reason describes the case, so administrators see that one exists."""
    if redact_case_reasons and event.action == AuditAction.BREAK_GLASS:
        return REDACTED_REASON
    return event.reason


def audit_csv_rows(
    queryset: QuerySet[AuditEvent], *, redact_case_reasons: bool = False
) -> Iterator[list[str]]:
    """The header, then one row per event, streamed. Cells that a spreadsheet would run as a
    formula are prefixed with an apostrophe. With `redact_case_reasons` (for administrators,
    who see no case content) the free-text reason of an emergency access is left out."""
    yield CSV_HEADER
    events = queryset.select_related(
        "actor", "membership__user", "membership__agency", "membership__area", "area"
    )
    for event in events.iterator(chunk_size=2000):
        yield [
            _cell(value)
            for value in (
                str(event.pk),
                event.created_at.isoformat(),
                event.action,
                event.actor.get_username() if event.actor else "",
                str(event.membership) if event.membership else "",
                event.object_type,
                event.object_id,
                event.area.name if event.area else "",
                event.ip_address or "",
                event.user_agent,
                shown_reason(event, redact_case_reasons),
                json.dumps(event.details, sort_keys=True) if event.details else "",
                event.hash,
            )
        ]


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@dataclass(frozen=True)
class ChainVerification:
    count: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def audit_chain_verify(*, chunk_size: int = 2000) -> ChainVerification:
    """Walk the chain in id order, recomputing every hash. Gaps in ids (rolled-back writers)
    are fine: only each event's link to the one before it counts."""
    expected_previous, previous_id, count = GENESIS_HASH, None, 0
    rows = AuditEvent.objects.order_by("id").values(*HASHED_FIELDS, "hash")
    for row in rows.iterator(chunk_size=chunk_size):
        if row["previous_hash"] != expected_previous:
            after = f"event {previous_id}" if previous_id is not None else "the start of the chain"
            return ChainVerification(count, row["id"], f"its previous_hash does not match {after}")
        if event_hash(row) != row["hash"]:
            return ChainVerification(count, row["id"], "its contents do not match its hash")
        expected_previous, previous_id, count = row["hash"], row["id"], count + 1
    return ChainVerification(count)


class FieldChange(NamedTuple):
    field: str
    old: Any
    new: Any


def field_history(*, target: models.Model) -> list[dict[str, Any]]:
    """Each change to `target`, newest first: when, who (the user from the pghistory context,
    or None), the request URL if any, and its FieldChanges. Creation is not a change; a
    deletion lists every field's old value."""
    history_model = HISTORY_MODELS.get(target._meta.concrete_model or type(target))
    if history_model is None:
        raise ValueError(f"{target._meta.label} has no field history")
    fields = [f for f in target._meta.concrete_fields if not f.primary_key]
    snapshots: list[Any] = list(
        history_model._default_manager.filter(pgh_obj_id=target.pk)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )
    changes: list[dict[str, Any]] = []
    previous = None
    for snapshot in snapshots:
        if snapshot.pgh_label == "update" and previous is not None:
            diff = [
                FieldChange(f.name, getattr(previous, f.attname), getattr(snapshot, f.attname))
                for f in fields
                if getattr(previous, f.attname) != getattr(snapshot, f.attname)
            ]
        elif snapshot.pgh_label == "delete":
            diff = [FieldChange(f.name, getattr(snapshot, f.attname), None) for f in fields]
        else:
            diff = []
        if diff:
            context = snapshot.pgh_context.metadata if snapshot.pgh_context else {}
            changes.append(
                {
                    "when": snapshot.pgh_created_at,
                    "who_id": context.get("user"),
                    "url": context.get("url", ""),
                    "label": snapshot.pgh_label,
                    "changes": diff,
                }
            )
        previous = snapshot
    users = get_user_model().objects.in_bulk({c["who_id"] for c in changes if c["who_id"]})
    for change in changes:
        change["who"] = users.get(change["who_id"])
    changes.reverse()
    return changes
