"""Reads of the audit trail and of field-level history. Callers check who may read them; these
only scope by what they are given."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import capfirst

from agencies.models import Agency, Area, Membership, Role
from agencies.selectors import active_memberships

from . import anchors
from .chain import EVENT_FIELDS, GENESIS_HASH, same_hash, seal_hash
from .models import HISTORY_MODELS, AuditAction, AuditEvent, AuditSeal


def audit_events_for_object(*, target: models.Model) -> QuerySet[AuditEvent]:
    """Who has seen or changed `target`, newest first, with the agency each acted for."""
    return (
        AuditEvent.objects.filter(object_type=target._meta.label_lower, object_id=str(target.pk))
        .select_related("actor", "membership__agency", "detail")
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
    return events.select_related("actor", "membership", "area", "detail").order_by(
        "-created_at", "-id"
    )


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
    "content",
    "hash",
]


def records_in_words(events: Iterable[AuditEvent]) -> dict[int, str]:
    """What each event was about, in words, by event id: "Referral R26-000123", "Sam Okafor
    (sam.okafor)", an agency's or an area's name, "Coordinator role of Sam Okafor"; any other
    record by its kind and number ("Young person 906"), never by its content, which an
    administrator does not see. One query for each kind of record named."""
    events = list(events)
    ids: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.object_type and event.object_id:
            ids[event.object_type].add(event.object_id)
    names: dict[tuple[str, str], str] = {}
    for object_type, pks in ids.items():
        try:
            model = apps.get_model(object_type)
        except (LookupError, ValueError):
            continue
        kind = capfirst(str(model._meta.verbose_name))
        named = _names(model, kind, [pk for pk in pks if pk.isdigit()])
        for pk in pks:
            names[(object_type, pk)] = named.get(pk, f"{kind} {pk}")
    return {e.pk: names.get((e.object_type, e.object_id), "") for e in events}


def _person(user: Any) -> str:
    return f"{user.get_full_name() or user.get_username()} ({user.get_username()})"


def _names(model: type[models.Model], kind: str, pks: list[str]) -> dict[str, str]:
    """The words for records that have a name an administrator may see."""
    rows = model._default_manager.filter(pk__in=pks)
    if model is get_user_model():
        return {str(user.pk): _person(user) for user in rows}
    if model is Membership:
        memberships = rows.select_related("user")
        return {
            str(m.pk): f"{m.get_role_display()} role of {_person(m.user)}"  # type: ignore[attr-defined]
            for m in memberships
        }
    if model in (Area, Agency):
        return {str(row.pk): row.name for row in rows}  # type: ignore[attr-defined]
    if any(field.name == "reference" for field in model._meta.get_fields()):
        return {str(pk): f"{kind} {ref}" for pk, ref in rows.values_list("pk", "reference")}
    return {}


REDACTED = "(recorded; shown to the area's coordinators)"


def content_areas(*, user: Any) -> frozenset[int]:
    """The areas whose events' erasable content (reasons, content about a case) `user` may
    read: those they coordinate, as the coordinators are entitled to every case of their
    area. An area administrator reads the trail, never case content."""
    return frozenset(
        m.area_id
        for m in active_memberships(user=user)
        if m.role == Role.COORDINATOR and m.area_id is not None
    )


def shown_reason(event: AuditEvent, *, entitled: Collection[int]) -> str:
    """A reason is free text about a case (emergency access, a correction, a rating changed, a
    link alert naming people), so those not entitled to the area's cases see only that one
    exists: the kind of event, who and when tell them what they need."""
    reason = event.given_reason()
    if reason and event.area_id not in entitled:
        return REDACTED
    return reason


def shown_content(event: AuditEvent, *, entitled: Collection[int]) -> str:
    """The content about a case the event recorded (AuditDetail.content), as JSON, on the
    same terms as its reason."""
    content = event.content()
    if not content:
        return ""
    return json.dumps(content, sort_keys=True) if event.area_id in entitled else REDACTED


def audit_csv_rows(
    queryset: QuerySet[AuditEvent], *, entitled: Collection[int]
) -> Iterator[list[str]]:
    """The header, then one row per event, streamed. Cells that a spreadsheet would run as a
    formula are prefixed with an apostrophe. A reason and the content about a case are shown
    for the areas in `entitled` (content_areas), else only said to exist."""
    yield CSV_HEADER
    events = queryset.select_related(
        "actor",
        "membership__user",
        "membership__agency",
        "membership__area",
        "area",
        "seal",
        "detail",
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
                shown_reason(event, entitled=entitled),
                json.dumps(event.details, sort_keys=True) if event.details else "",
                shown_content(event, entitled=entitled),
                _seal_hash_of(event),
            )
        ]


def _seal_hash_of(event: AuditEvent) -> str:
    """Empty for an event not sealed yet (the sealer chains events within seconds)."""
    try:
        return event.seal.hash
    except AuditSeal.DoesNotExist:
        return ""


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@dataclass(frozen=True)
class ChainVerification:
    count: int  # seals verified
    broken_at: int | None = None  # the seal number where the chain is broken
    problem: str = ""
    checkpoints: int = 0  # checkpoints outside the database that matched
    unsealed: int = 0  # events not sealed yet

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def audit_chain_verify(*, chunk_size: int = 2000) -> ChainVerification:
    """Walk the seals in order, recomputing every keyed hash from the event as stored, and
    compare the chain with every checkpoint kept outside the database.

    Finds an event or seal changed, removed or added anywhere in the chain (its hash or the
    next one's link no longer match, or its number is missing), and newest seals removed (a
    checkpoint names a seal the chain no longer reaches, or one with another hash).
    """
    anchored: dict[int, list[anchors.Checkpoint]] = defaultdict(list)
    try:
        for checkpoint in _signed_checkpoints():
            anchored[checkpoint.seq].append(checkpoint)
    except ValueError as error:
        return ChainVerification(0, 0, str(error))
    expected_seq, previous_hash, matched = 1, GENESIS_HASH, 0
    # An inner join: a seal whose event was removed shows as a missing number.
    rows = AuditSeal.objects.order_by("seq").values(
        "seq", "previous_hash", "sealed_at", "hash", *(f"event__{name}" for name in EVENT_FIELDS)
    )
    for row in rows.iterator(chunk_size=chunk_size):
        seq = row["seq"]
        if seq != expected_seq:
            return ChainVerification(expected_seq - 1, expected_seq, _missing(expected_seq))
        if row["previous_hash"] != previous_hash:
            return ChainVerification(
                seq - 1, seq, f"its previous_hash does not match seal {seq - 1}"
            )
        event = {name: row[f"event__{name}"] for name in EVENT_FIELDS}
        expected = seal_hash(
            event, seq=seq, previous_hash=previous_hash, sealed_at=row["sealed_at"]
        )
        if not same_hash(expected, row["hash"]):
            return ChainVerification(
                seq - 1, seq, f"event {event['id']} or its seal does not match the seal's hash"
            )
        for checkpoint in anchored.get(seq, []):
            if not same_hash(checkpoint.head_hash, row["hash"]):
                return ChainVerification(
                    seq - 1, seq, f"the checkpoint of {checkpoint.written_at} names another hash"
                )
            matched += 1
        expected_seq, previous_hash = seq + 1, row["hash"]
    count = expected_seq - 1
    beyond = [checkpoint for seq, found in anchored.items() if seq > count for checkpoint in found]
    if beyond:
        newest = max(beyond, key=lambda checkpoint: checkpoint.seq)
        return ChainVerification(
            count,
            count + 1,
            f"the chain ends at seal {count}, but the checkpoint of {newest.written_at} "
            f"names seal {newest.seq}: newer seals were removed",
        )
    unsealed = AuditEvent.objects.filter(seal__isnull=True).count()
    return ChainVerification(count, checkpoints=matched, unsealed=unsealed)


def _signed_checkpoints() -> Iterator[anchors.Checkpoint]:
    for checkpoint in anchors.checkpoints():
        if not checkpoint.signed:
            raise ValueError(
                f"the checkpoint of seal {checkpoint.seq} is not signed with the chain key"
            )
        yield checkpoint


def _missing(seq: int) -> str:
    if AuditSeal.objects.filter(seq=seq).exists():
        return f"the event of seal {seq} was removed"
    return f"seal {seq} was removed"


class FieldChange(NamedTuple):
    field: str
    old: Any
    new: Any


def field_history(*, target: models.Model) -> list[dict[str, Any]]:
    """Each change to `target`, newest first: when, who (the user from the pghistory context,
    or None), the request URL if any, and its FieldChanges. Creation is not a change; a
    deletion lists every field's old value."""
    return field_histories(model=type(target), pks=[target.pk])


def field_histories(*, model: type[models.Model], pks: Iterable[Any]) -> list[dict[str, Any]]:
    """field_history of every `model` row in `pks` at once (one query for the snapshots, one
    for the people), newest first; each change also names its row ("obj_id")."""
    concrete = model._meta.concrete_model or model
    history_model = HISTORY_MODELS.get(concrete)
    if history_model is None:
        raise ValueError(f"{model._meta.label} has no field history")
    fields = [f for f in concrete._meta.concrete_fields if not f.primary_key]
    snapshots: list[Any] = list(
        history_model._default_manager.filter(pgh_obj_id__in=list(pks))
        .select_related("pgh_context")
        .order_by("pgh_obj_id", "pgh_id")
    )
    changes: list[dict[str, Any]] = []
    previous = None
    for snapshot in snapshots:
        if previous is not None and previous.pgh_obj_id != snapshot.pgh_obj_id:
            previous = None
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
                    "obj_id": snapshot.pgh_obj_id,
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
    # Newest first; changes made in one transaction share `when`, and keep their order.
    changes.reverse()
    changes.sort(key=lambda change: change["when"], reverse=True)
    return changes


def names_behind_changes(
    *, changes: Iterable[tuple[type[models.Model], FieldChange]]
) -> dict[type[models.Model], dict[Any, str]]:
    """The names of the records the ids in field changes point at, by the related model and
    id: a person by their full name, any other record as it names itself. One query for each
    kind of record pointed at. An id missing from the answer is a record since removed."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for model, change in changes:
        field = model._meta.get_field(change.field)
        if field.is_relation and field.related_model is not None:
            related: Any = field.related_model
            wanted[related].update(v for v in (change.old, change.new) if v is not None)
    user_model = get_user_model()
    names: dict[type[models.Model], dict[Any, str]] = {}
    for related, ids in wanted.items():
        rows = related._default_manager.in_bulk(ids)
        if related is user_model:
            names[related] = {pk: u.get_full_name() or u.get_username() for pk, u in rows.items()}
        else:
            names[related] = {pk: str(row) for pk, row in rows.items()}
    return names


def signed_in_from(*, username: str, ip_address: str | None, since: datetime) -> bool:
    """Whether the account `username` completed signing in from `ip_address` since `since`."""
    if ip_address is None:
        return False
    return AuditEvent.objects.filter(
        action=AuditAction.SIGN_IN,
        actor__username=username,
        ip_address=ip_address,
        created_at__gte=since,
    ).exists()
