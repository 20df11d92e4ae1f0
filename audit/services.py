"""Writes to the audit trail. The only code that appends AuditEvent and AuditSeal rows.

Call the recorders inside the transaction that does (or reads) what is being recorded, so the
record and the work commit or roll back together; called outside any transaction they open
their own. Recording is a plain INSERT: it takes no lock, so it may come anywhere in a
transaction, and inside one it is sent with the transaction's next statement (audit.database).
The sealer (audit_seal, run every few seconds) then chains committed events in
AuditSeal rows, one sealer at a time; audit_checkpoint anchors the chain's head outside the
database. See docs/audit.md.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from agencies.models import Area, Membership
from agencies.selectors import acting_membership

from . import anchors
from .chain import (
    EVENT_FIELDS,
    GENESIS_HASH,
    USER_AGENT_MAX_LENGTH,
    clean_text,
    details_json,
    normalise_ip,
    seal_hash,
)
from .database import send_with_next_statement
from .models import HISTORY_MODELS, AuditAction, AuditDetail, AuditEvent, AuditSeal

PATH_MAX_LENGTH = 500  # a denied path is evidence, not a place to store a client's payload
# Taken by sealers only, never by a request: one sealer at a time extends the chain.
SEAL_LOCK_KEY = int.from_bytes(b"auditsea", "big")
SEAL_BATCH_SIZE = 5000
# The sealer reads and writes by hand rather than through the ORM, whose per-row work costs
# more than the hashing: it runs beside the requests, on the same machine, all day.
_UNSEALED = (
    f"SELECT {', '.join(f'e.{name}' for name in EVENT_FIELDS)} "  # noqa: S608
    f"FROM {AuditEvent._meta.db_table} e WHERE NOT EXISTS "
    f"(SELECT FROM {AuditSeal._meta.db_table} s WHERE s.event_id = e.id) {{bound}} "
    "ORDER BY e.id LIMIT %s"
)
_COPY_SEALS = (
    f"COPY {AuditSeal._meta.db_table} "
    "(seq, event_id, previous_hash, sealed_at, hash, snapshot_xmin) FROM STDIN"
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
    content: Mapping[str, Any] | None = None,
) -> None:
    """Append one event. `actor` is None (or anonymous) for e.g. a failed sign-in; put the
    attempted username in `details`. The area defaults to the target's (or the membership's).

    `details` holds ids, kinds, codes and counts, sealed into the chain with the event. The
    `reason` (free text) and `content` (anything else about a case, such as a document's
    name) go to the event's AuditDetail, outside the chain, so that erasing a record can
    blank them and the chain still verifies (docs/records-management.md).

    Raises ValueError for an unknown action, a break-glass event without a reason, or a
    membership that is not the actor's.
    """
    action = AuditAction(action)
    if action == AuditAction.BREAK_GLASS and not reason.strip():
        raise ValueError("a break-glass event needs the reason given for it")
    ip_address, user_agent = _client(request)
    row = _row(
        action=action,
        actor=actor,
        membership=membership,
        target=target,
        area=area,
        ip_address=ip_address,
        user_agent=user_agent,
        reason="",
        details=details_json(details),
    )
    if reason or content:
        _append_with_detail(row, reason=clean_text(reason), content=details_json(content))
    else:
        _append([row])


def audit_details_erase(*, events: models.QuerySet[AuditEvent]) -> int:
    """Blank the erasable part (reason and content) of `events`, when the records they are
    about are erased; returns how many details were blanked. The events, and so the hash
    chain, are untouched: `manage.py audit_verify` still passes."""
    return AuditDetail.objects.filter(event__in=events, erased_at__isnull=True).update(
        reason="", content={}, erased_at=timezone.now()
    )


def audit_history_erase(
    *, model: type[models.Model], ids: Sequence[Any], fields: Sequence[str] | None = None
) -> int:
    """Erase from the field-level history of `model` what erasure took from the rows `ids`,
    in the caller's transaction; returns how many snapshots changed or went.

    With `fields` (just cleared on those rows), every snapshot of each row takes the row's
    current values of those fields, and keeps the rest: states, dates, decisions. Without,
    the snapshots of rows that no longer exist are deleted. The history tables stay
    append-only to everyone else: this goes through the owner's function (migration 0027),
    the only way the application's role may change them. A model without history: 0."""
    history = HISTORY_MODELS.get(model)
    if history is None or not ids:
        return 0
    if fields is not None and not fields:
        raise ValueError("name the fields erasure cleared, or none to delete snapshots")
    column = {field.name: field.column for field in model._meta.concrete_fields}
    columns = None if fields is None else [column[name] for name in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT audit_history_erase(%s, %s, %s::text[], %s::text[])",
            [history._meta.db_table, model._meta.db_table, [str(pk) for pk in ids], columns],
        )
        (touched,) = cursor.fetchone()
    return int(touched)


def audit_record_views(
    *,
    actor: Any,
    membership: Membership | None,
    targets: Sequence[models.Model],
    request: HttpRequest | None = None,
    area: Area | None = None,
) -> None:
    """Append one VIEW event per object shown (a page of 50 referrals writes 50 events), in
    one insert."""
    ip_address, user_agent = _client(request)
    rows = [
        _row(
            action=AuditAction.VIEW,
            actor=actor,
            membership=membership,
            target=target,
            area=area,
            ip_address=ip_address,
            user_agent=user_agent,
            reason="",
            details="{}",
        )
        for target in targets
    ]
    if rows:
        _append(rows)


def audit_permission_denied(*, request: HttpRequest) -> None:
    """Record a 403 answered to a signed-in user, from a page or the API. Anonymous requests
    are not denials (they are sent to sign in) and are not recorded; nor are 404s."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    audit_record(
        action=AuditAction.PERMISSION_DENIED,
        actor=user,
        membership=acting_membership(user=user),
        request=request,
        details={"path": request.path[:PATH_MAX_LENGTH], "method": request.method},
    )


def _row(
    *,
    action: AuditAction,
    actor: Any,
    membership: Membership | None,
    target: models.Model | None,
    area: Area | None,
    ip_address: str | None,
    user_agent: str,
    reason: str,
    details: str,
) -> tuple[Any, ...]:
    """An event's values in the order of INSERTED_COLUMNS; `details` is its JSON text."""
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    if membership is not None and membership.user_id != actor_id:
        raise ValueError("an event is recorded through one of the actor's own memberships")
    object_type, object_id = "", ""
    if target is not None:
        if target.pk is None:
            raise ValueError("the target must be saved before it is audited")
        object_type, object_id = target._meta.label_lower, str(target.pk)
    return (
        actor_id,
        membership.pk if membership is not None else None,
        action.value,
        object_type,
        clean_text(object_id),
        _area_id(target=target, area=area, membership=membership),
        ip_address,
        user_agent,
        clean_text(reason),
        details,
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
    return f"INSERT INTO {table} ({columns}) VALUES {values}"  # noqa: S608


# An event and its erasable detail in one statement: the detail needs the event's number.
_DETAIL_TABLE = AuditDetail._meta.db_table
_INSERT_WITH_DETAIL = (
    f"WITH event AS ({_insert_sql(1)} RETURNING id) "  # noqa: S608
    f"INSERT INTO {_DETAIL_TABLE} (event_id, reason, content) SELECT id, %s, %s FROM event"
)


def _append(rows: list[tuple[Any, ...]]) -> None:
    """Insert `rows` in one statement, sent with the transaction's next one. Nothing is
    locked, so writers never wait for each other; the sealer chains what they commit. Written
    by hand rather than by bulk_create: this is on the path of every audited request, and many
    requests share a process's interpreter."""
    send_with_next_statement(_insert_sql(len(rows)), tuple(v for row in rows for v in row))


def _append_with_detail(row: tuple[Any, ...], *, reason: str, content: str) -> None:
    send_with_next_statement(_INSERT_WITH_DETAIL, (*row, reason, content))


def audit_seal(*, batch_size: int = SEAL_BATCH_SIZE, everything: bool = False) -> int:
    """Chain every committed, unsealed event after the newest seal, in id order; returns how
    many were sealed (0 at once when another sealer holds the lock).

    An event commits after it was inserted, so one with a lower id may commit after the sealer
    has passed it: it is sealed on the next run, later in the chain than its id. Such an event
    belongs to a transaction that was still running when the last batch was chosen, so only
    events of that transaction or later are looked at (the newest seal's snapshot_xmin): each
    run reads what is new, whatever the size of the table. `everything` looks at the whole
    table (audit_verify does).
    """
    lowest = None if everything else _oldest_running_at_last_seal()
    sealed = 0
    while True:
        count = _seal_batch(batch_size=batch_size, lowest_transaction=lowest)
        sealed += count
        if count < batch_size:
            return sealed


def _oldest_running_at_last_seal() -> int | None:
    """None when nothing is sealed yet, or the newest seal predates recording it (so may its
    events): then every event is looked at."""
    return AuditSeal.objects.order_by("-seq").values_list("snapshot_xmin", flat=True).first()


def _seal_batch(*, batch_size: int, lowest_transaction: int | None) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        # The snapshot's xmin is taken before the events are read, so it is no later than the
        # read's own: every event the read cannot see yet is of that transaction or later.
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s), clock_timestamp(), "
            "pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
            [SEAL_LOCK_KEY],
        )
        locked, sealed_at, snapshot_xmin = cursor.fetchone()
        if not locked:
            return 0
        # Read after the lock, in a new statement: the newest seal any sealer committed.
        head = AuditSeal.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, previous_hash = head or (0, GENESIS_HASH)
        bound, params = "", [batch_size]
        if lowest_transaction is not None:
            bound, params = "AND e.transaction_id >= %s", [lowest_transaction, batch_size]
        cursor.execute(_UNSEALED.format(bound=bound), params)
        seals = []
        for values in cursor.fetchall():
            event = dict(zip(EVENT_FIELDS, values, strict=True))
            event["details"] = json.loads(event["details"])  # jsonb arrives as text
            seq += 1
            hashed = seal_hash(event, seq=seq, previous_hash=previous_hash, sealed_at=sealed_at)
            seal = (seq, event["id"], previous_hash, sealed_at.isoformat(), hashed, snapshot_xmin)
            seals.append("\t".join(map(str, seal)) + "\n")  # a line of COPY's text format
            previous_hash = hashed
        if seals:
            cursor.cursor.copy_expert(_COPY_SEALS, io.StringIO("".join(seals)))
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
