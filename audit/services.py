"""Writes to the audit trail. The only code that appends AuditEvent rows.

Call these inside the transaction that does (or reads) what is being recorded, so the record and
the work commit or roll back together; called outside any transaction they open their own.
Appending takes a transaction-level advisory lock that is held until that transaction ends, so
record as the last step of a transaction: every other transaction that records waits for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.http import HttpRequest

from agencies.models import Area, Membership
from agencies.selectors import acting_membership

from .chain import (
    GENESIS_HASH,
    HASHED_FIELDS,
    USER_AGENT_MAX_LENGTH,
    clean_text,
    event_hash,
    normalise_details,
    normalise_ip,
)
from .models import AuditAction, AuditEvent

PATH_MAX_LENGTH = 500  # a denied path is evidence, not a place to store a client's payload
# One fixed advisory lock id serialises every append to the chain.
CHAIN_LOCK_KEY = int.from_bytes(b"auditlog", "big")
_NEWEST_HASH_CLOCK_AND_IDS = (
    "SELECT (SELECT hash FROM audit_auditevent ORDER BY id DESC LIMIT 1), clock_timestamp(), "
    "ARRAY(SELECT nextval(pg_get_serial_sequence('audit_auditevent', 'id')) "
    "FROM generate_series(1, %s))"
)


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


def _append(events: list[AuditEvent]) -> list[AuditEvent]:
    """Chain `events` after the newest event and insert them.

    The lock is taken before the newest hash is read and before ids are drawn, and is held
    until commit; so the next writer reads this transaction's last hash, and id order is chain
    order. A rolled-back writer leaves only unused ids behind, which the verifier ignores.
    """
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        # A new statement, so under READ COMMITTED it sees every chain write committed so far.
        cursor.execute(_NEWEST_HASH_CLOCK_AND_IDS, [len(events)])
        previous_hash, now, ids = cursor.fetchone()
        previous_hash = previous_hash or GENESIS_HASH
        for event, event_id in zip(events, sorted(ids), strict=True):
            event.id = event_id
            event.created_at = now
            event.previous_hash = previous_hash
            event.hash = event_hash({name: getattr(event, name) for name in HASHED_FIELDS})
            previous_hash = event.hash
        AuditEvent.objects.bulk_create(events)
    return events
