"""Writes to the audit trail. The only code that appends AuditEvent and AuditSeal rows.

Call the recorders inside the transaction that does (or reads) what is being recorded, so the
record and the work commit or roll back together; called outside any transaction they open
their own. Recording is a plain INSERT: it takes no lock, so it may come anywhere in a
transaction. The sealer (audit_seal, run every few seconds) then chains committed events in
AuditSeal rows, one sealer at a time; audit_checkpoint anchors the chain's head outside the
database. See docs/audit.md.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.http import HttpRequest

from agencies.models import Area, Membership
from agencies.selectors import acting_membership

from . import anchors
from .chain import (
    EVENT_FIELDS,
    GENESIS_HASH,
    USER_AGENT_MAX_LENGTH,
    clean_text,
    normalise_details,
    normalise_ip,
    seal_hash,
)
from .models import AuditAction, AuditEvent, AuditSeal

PATH_MAX_LENGTH = 500  # a denied path is evidence, not a place to store a client's payload
# Taken by sealers only, never by a request: one sealer at a time extends the chain.
SEAL_LOCK_KEY = int.from_bytes(b"auditsea", "big")
SEAL_BATCH_SIZE = 5000
_SEAL_COLUMNS = "(seq, event_id, previous_hash, sealed_at, hash)"
_INSERT_SEALS = f"INSERT INTO {AuditSeal._meta.db_table} {_SEAL_COLUMNS} VALUES {{rows}}"  # noqa: S608


def audit_record(
    *,
    action: AuditAction | str,
    actor: Any = None,
    membership: Membership | None = None,
    target: models.Model | None = None,
    area: Area | None = None,
    request: HttpRequest | None = None,
    reason: str = "",
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. `actor` is None (or anonymous) for e.g. a failed sign-in; put the
    attempted username in `details`. The area defaults to the target's (or the membership's).

    Raises ValueError for an unknown action, a break-glass event without a reason, or a
    membership that is not the actor's.
    """
    action = AuditAction(action)
    if action == AuditAction.BREAK_GLASS and not reason.strip():
        raise ValueError("a break-glass event needs the reason given for it")
    ip_address, user_agent = _client(request)
    event = _event(
        action=action,
        actor=actor,
        membership=membership,
        target=target,
        area=area,
        ip_address=ip_address,
        user_agent=user_agent,
        reason=reason,
        details=normalise_details(details),
    )
    return _append([event])[0]


def audit_record_views(
    *,
    actor: Any,
    membership: Membership | None,
    targets: Sequence[models.Model],
    request: HttpRequest | None = None,
    area: Area | None = None,
) -> list[AuditEvent]:
    """Append one VIEW event per object shown (a page of 50 referrals writes 50 events), in
    one insert under one lock acquisition."""
    ip_address, user_agent = _client(request)
    events = [
        _event(
            action=AuditAction.VIEW,
            actor=actor,
            membership=membership,
            target=target,
            area=area,
            ip_address=ip_address,
            user_agent=user_agent,
            reason="",
            details={},
        )
        for target in targets
    ]
    return _append(events) if events else []


def audit_permission_denied(*, request: HttpRequest) -> AuditEvent | None:
    """Record a 403 answered to a signed-in user, from a page or the API. Anonymous requests
    are not denials (they are sent to sign in) and are not recorded; nor are 404s."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return audit_record(
        action=AuditAction.PERMISSION_DENIED,
        actor=user,
        membership=acting_membership(user=user),
        request=request,
        details={"path": request.path[:PATH_MAX_LENGTH], "method": request.method},
    )


def _event(
    *,
    action: AuditAction,
    actor: Any,
    membership: Membership | None,
    target: models.Model | None,
    area: Area | None,
    ip_address: str | None,
    user_agent: str,
    reason: str,
    details: dict[str, Any],
) -> AuditEvent:
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    if membership is not None and membership.user_id != actor_id:
        raise ValueError("an event is recorded through one of the actor's own memberships")
    object_type, object_id = "", ""
    if target is not None:
        if target.pk is None:
            raise ValueError("the target must be saved before it is audited")
        object_type, object_id = target._meta.label_lower, str(target.pk)
    return AuditEvent(
        actor_id=actor_id,
        membership=membership,
        action=action.value,
        object_type=object_type,
        object_id=clean_text(object_id),
        area_id=_area_id(target=target, area=area, membership=membership),
        ip_address=ip_address,
        user_agent=user_agent,
        reason=clean_text(reason),
        details=details,
    )


def _area_id(
    *, target: models.Model | None, area: Area | None, membership: Membership | None
) -> int | None:
    """The area an administrator would search under: given, else the target's own."""
    if area is not None:
        return area.pk
    if isinstance(target, Area):
        return target.pk
    target_area_id = getattr(target, "area_id", None)
    if isinstance(target_area_id, int):
        return target_area_id
    return membership.area_id if membership is not None else None


def client_address(request: HttpRequest) -> str | None:
    """The client's address. X-Forwarded-For is trusted only when our own reverse proxy sets
    it (AUDIT_TRUST_X_FORWARDED_FOR); its last entry is the address that proxy saw, where
    earlier entries are whatever the client chose to send. The sign-in lockout keys on it too
    (AXES_CLIENT_IP_CALLABLE), so a client cannot pick the address it is counted under."""
    address = request.META.get("REMOTE_ADDR")
    if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if forwarded:
            address = forwarded[-1]
    return normalise_ip(address)


def _client(request: HttpRequest | None) -> tuple[str | None, str]:
    """The client's address and user agent."""
    if request is None:
        return None, ""
    user_agent = clean_text(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_MAX_LENGTH]
    return client_address(request), user_agent


# Every column a writer fills, in order: the database numbers and dates each event itself.
INSERTED_COLUMNS = (
    "actor_id",
    "membership_id",
    "action",
    "object_type",
    "object_id",
    "area_id",
    "ip_address",
    "user_agent",
    "reason",
    "details",
)


@functools.lru_cache(maxsize=64)  # one statement per number of rows
def _insert_sql(rows: int) -> str:
    row = "(" + ", ".join(["%s"] * len(INSERTED_COLUMNS)) + ")"
    values = ", ".join([row] * rows)
    table, columns = AuditEvent._meta.db_table, ", ".join(INSERTED_COLUMNS)
    return f"INSERT INTO {table} ({columns}) VALUES {values} RETURNING id, created_at"  # noqa: S608


def _row(event: AuditEvent) -> tuple[Any, ...]:
    # `details` is plain JSON already (normalise_details), so it is sent as text.
    return (
        event.actor_id,
        event.membership_id,
        event.action,
        event.object_type,
        event.object_id,
        event.area_id,
        event.ip_address,
        event.user_agent,
        event.reason,
        json.dumps(event.details),
    )


def _append(events: list[AuditEvent]) -> list[AuditEvent]:
    """Insert `events` in one statement. Nothing is locked, so writers never wait for each
    other; the sealer chains what they commit. Written by hand rather than by bulk_create,
    which costs several times the CPU on a path every audited request takes."""
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(len(events)), [value for e in events for value in _row(e)])
        for event, (event_id, created_at) in zip(events, cursor.fetchall(), strict=True):
            event.id, event.created_at = event_id, created_at
            event._state.adding = False
    return events


def audit_seal(*, batch_size: int = SEAL_BATCH_SIZE, everything: bool = False) -> int:
    """Chain every committed, unsealed event after the newest seal, in id order; returns how
    many were sealed (0 at once when another sealer holds the lock).

    An event commits after it was inserted, so one with a lower id may commit after the sealer
    has passed it: it is sealed on the next run, later in the chain than its id. Only events
    inserted within AUDIT_SEAL_LOOKBACK_SECONDS of the newest seal are looked for, which keeps
    each run small; `everything` looks at the whole table (audit_verify does), for an event
    whose transaction stayed open longer than that.
    """
    since = None if everything else _seal_window_start()
    sealed = 0
    while True:
        count = _seal_batch(batch_size=batch_size, since=since)
        sealed += count
        if count < batch_size:
            return sealed


def _seal_window_start() -> datetime | None:
    newest = AuditSeal.objects.order_by("-seq").values_list("sealed_at", flat=True).first()
    if newest is None:
        return None
    return newest - timedelta(seconds=settings.AUDIT_SEAL_LOOKBACK_SECONDS)


def _seal_batch(*, batch_size: int, since: datetime | None) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s), clock_timestamp()", [SEAL_LOCK_KEY])
        locked, sealed_at = cursor.fetchone()
        if not locked:
            return 0
        # Read after the lock, in a new statement: the newest seal any sealer committed.
        head = AuditSeal.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, previous_hash = head or (0, GENESIS_HASH)
        pending = AuditEvent.objects.filter(seal__isnull=True)
        if since is not None:
            pending = pending.filter(created_at__gte=since)
        seals = []
        for event in pending.order_by("id").values(*EVENT_FIELDS)[:batch_size]:
            seq += 1
            hashed = seal_hash(event, seq=seq, previous_hash=previous_hash, sealed_at=sealed_at)
            seals.append((seq, event["id"], previous_hash, sealed_at, hashed))
            previous_hash = hashed
        if seals:
            # By hand rather than by bulk_create, which costs more than the hashing.
            rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(seals))
            cursor.execute(_INSERT_SEALS.format(rows=rows), [v for seal in seals for v in seal])
        return len(seals)


def audit_checkpoint() -> anchors.Checkpoint | None:
    """Seal what is waiting, then append a signed checkpoint of the chain's head to the
    store outside the database, unless the last one already names it. None when there is
    nothing sealed yet."""
    audit_seal()
    head = AuditSeal.objects.order_by("-seq").values_list("seq", "hash").first()
    if head is None:
        return None
    last = anchors.last_checkpoint()
    if last is not None and (last.seq, last.head_hash) == head:
        return last
    return anchors.append_checkpoint(seq=head[0], head_hash=head[1])
