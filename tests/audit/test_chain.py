"""The hash chain: canonical hashing, verification and the audit_verify command."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO
from itertools import pairwise
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from agencies.models import Role
from audit.chain import GENESIS_HASH, HASHED_FIELDS, canonical_json, event_hash
from audit.models import AuditAction, AuditEvent
from audit.selectors import audit_chain_verify
from audit.services import audit_record, audit_record_views
from tests.factories import AreaFactory, YoungPersonFactory, member

pytestmark = pytest.mark.django_db


def verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue().strip()


def tamper(event: AuditEvent, **changes: Any) -> None:
    """Change a stored event as a database superuser could, behind the triggers' back."""
    table = AuditEvent._meta.db_table
    assignments = ", ".join(f"{column} = %s" for column in changes)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred check
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(
            f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608
            [*changes.values(), event.pk],
        )
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def test_an_empty_trail_is_intact() -> None:
    assert verify() == "audit chain intact: 0 events"


def test_the_chain_verifies_after_many_inserts() -> None:
    user = member(Role.COORDINATOR)
    people = YoungPersonFactory.create_batch(10)
    for i in range(120):
        audit_record(
            action=AuditAction.CHANGE,
            actor=user,
            target=people[i % 10],
            details={"step": i, "ratio": i / 7, "tags": ["a", {"b": None}]},
        )
    audit_record_views(actor=user, membership=None, targets=people)
    assert verify() == "audit chain intact: 130 events"

    events = list(AuditEvent.objects.order_by("id"))
    assert events[0].previous_hash == GENESIS_HASH
    assert all(later.previous_hash == earlier.hash for earlier, later in pairwise(events))


def test_each_stored_event_hashes_to_its_hash() -> None:
    event = audit_record(action=AuditAction.EXPORT, details={"rows": 3})
    stored = AuditEvent.objects.values(*HASHED_FIELDS, "hash").get(pk=event.pk)
    assert event_hash(stored) == stored["hash"] == event.hash


def test_a_rolled_back_writer_leaves_a_gap_but_no_break() -> None:
    first = audit_record(action=AuditAction.SIGN_IN_FAILED, details={"username": "a"})
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action=AuditAction.SIGN_IN_FAILED, details={"username": "b"})
        raise RuntimeError("the request failed")
    last = audit_record(action=AuditAction.SIGN_IN_FAILED, details={"username": "c"})
    assert last.pk > first.pk + 1
    assert last.previous_hash == first.hash
    assert verify() == "audit chain intact: 2 events"


def test_tampering_behind_the_triggers_is_found_at_that_event() -> None:
    events = [audit_record(action=AuditAction.VIEW, reason=f"r{i}") for i in range(5)]
    tamper(events[2], reason="nothing to see")
    with pytest.raises(CommandError) as raised:
        verify()
    assert str(raised.value) == (
        f"audit chain broken at event {events[2].pk}: its contents do not match its hash"
    )


def test_a_rehashed_forgery_breaks_the_next_link() -> None:
    events = [audit_record(action=AuditAction.VIEW) for _ in range(3)]
    forged = AuditEvent.objects.values(*HASHED_FIELDS).get(pk=events[1].pk)
    forged["reason"] = "forged"
    tamper(events[1], reason="forged", hash=event_hash(forged))
    result = audit_chain_verify()
    assert (result.broken_at, result.count) == (events[2].pk, 2)
    assert result.problem == f"its previous_hash does not match event {events[1].pk}"


def test_removing_the_first_events_is_found() -> None:
    events = [audit_record(action=AuditAction.VIEW) for _ in range(3)]
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [events[0].pk])  # noqa: S608
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    with pytest.raises(CommandError, match=f"at event {events[1].pk}: .*start of the chain"):
        verify()


def test_numbers_hash_alike_whichever_way_jsonb_returns_them() -> None:
    # jsonb gives back the floats 1e16 and 2.0 as integers and -0.0 as 0.
    assert canonical_json({"n": 1e16}) == canonical_json({"n": 10**16}) == '{"n":10000000000000000}'
    assert canonical_json([2.0, -0.0, 0.1, 1e-7, True, None]) == "[2,0,0.1,1E-7,true,null]"
    assert canonical_json({"b": [1, {"y": 1.5}], "a": "é"}) == '{"a":"\\u00e9","b":[1,{"y":1.5}]}'
    assert canonical_json({"b": [1, {"y": 2}], "a": "é"}) == '{"a":"\\u00e9","b":[1,{"y":2}]}'
    event = audit_record(
        action=AuditAction.EXPORT,
        details={"big": 1e16, "tiny": 1e-7, "neg": -0.0, "two": 2.0, "x": [2.5, {"y": 1e300}]},
    )
    assert AuditEvent.objects.get(pk=event.pk).details["big"] == 10**16
    assert audit_chain_verify().intact


def test_every_hashed_field_counts() -> None:
    area = AreaFactory.create()
    event = audit_record(action=AuditAction.VIEW, target=area, details={"k": "v"})
    fields = {name: getattr(event, name) for name in HASHED_FIELDS}
    changed = {
        "id": event.pk + 1,
        "previous_hash": "f" * 64,
        "created_at": datetime(2020, 1, 1, tzinfo=UTC),
        "actor_id": 1,
        "membership_id": 1,
        "action": "change",
        "object_type": "agencies.agency",
        "object_id": "999",
        "area_id": None,
        "ip_address": "10.0.0.1",
        "user_agent": "curl",
        "reason": "x",
        "details": {"k": "w"},
    }
    assert set(changed) == set(HASHED_FIELDS)
    for name, value in changed.items():
        assert event_hash({**fields, name: value}) != event.hash, name
