"""The keyed chain: sealing, verification, checkpoints and the audit_verify command. Tampering
is done as the database owner could, with raw SQL behind the triggers' back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.test import override_settings

from agencies.models import Role
from audit import anchors
from audit.chain import EVENT_FIELDS, GENESIS_HASH, canonical_json, seal_hash
from audit.models import AuditAction, AuditEvent, AuditSeal
from audit.selectors import audit_chain_verify
from audit.services import audit_checkpoint, audit_record, audit_record_views, audit_seal
from tests.factories import AreaFactory, YoungPersonFactory, member, recorded

pytestmark = pytest.mark.django_db

EVENTS = AuditEvent._meta.db_table
SEALS = AuditSeal._meta.db_table


def verify(*args: str) -> str:
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue().strip()


def as_owner(sql: str, params: list[Any] | None = None) -> None:
    """Run `sql` with the audit tables' triggers off, as their owner could."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred check
        for table in (EVENTS, SEALS):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql, params or [])
        for table in (EVENTS, SEALS):
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def sealed_events(count: int, **fields: Any) -> list[AuditEvent]:
    events = [recorded(action=AuditAction.VIEW, reason=f"r{i}", **fields) for i in range(count)]
    audit_seal()
    return events


def stored(event: AuditEvent) -> dict[str, Any]:
    return AuditEvent.objects.values(*EVENT_FIELDS).get(pk=event.pk)


def test_an_empty_trail_is_intact() -> None:
    assert verify() == "audit chain intact: 0 events sealed, 0 checkpoints matched, 0 waiting"


def test_events_wait_unsealed_until_the_sealer_chains_them_in_id_order() -> None:
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
    assert not AuditSeal.objects.exists()
    assert verify("--no-seal") == (
        "audit chain intact: 0 events sealed, 0 checkpoints matched, 130 waiting"
    )

    assert audit_seal(batch_size=50) == 130
    seals = list(AuditSeal.objects.order_by("seq"))
    assert [seal.seq for seal in seals] == list(range(1, 131))
    assert [seal.event_id for seal in seals] == sorted(seal.event_id for seal in seals)
    assert seals[0].previous_hash == GENESIS_HASH
    assert all(later.previous_hash == earlier.hash for earlier, later in pairwise(seals))
    assert audit_seal() == 0
    assert verify() == "audit chain intact: 130 events sealed, 0 checkpoints matched, 0 waiting"


def test_each_seal_is_the_keyed_hash_of_its_event_as_stored() -> None:
    event = recorded(action=AuditAction.EXPORT, details={"rows": 3})
    audit_seal()
    seal = AuditSeal.objects.get(event=event)
    expected = seal_hash(stored(event), seq=1, previous_hash=GENESIS_HASH, sealed_at=seal.sealed_at)
    assert seal.hash == expected


def test_the_chain_does_not_verify_under_another_key(settings: Any) -> None:
    sealed_events(2)
    settings.AUDIT_CHAIN_KEY = "another-key-entirely-another-key-entirely"
    result = audit_chain_verify()
    assert (result.broken_at, result.count) == (1, 0)


def test_the_database_dates_every_event_itself() -> None:
    before = datetime.now(UTC)
    event = AuditEvent.objects.create(action="view", created_at=datetime(2001, 1, 1, tzinfo=UTC))
    assert AuditEvent.objects.get(pk=event.pk).created_at >= before - timedelta(seconds=5)


def test_a_rolled_back_writer_leaves_a_gap_but_no_break() -> None:
    first = recorded(action=AuditAction.SIGN_IN_FAILED, details={"username": "a"})
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action=AuditAction.SIGN_IN_FAILED, details={"username": "b"})
        assert AuditEvent.objects.count() == 2  # the next statement took the insert with it
        raise RuntimeError("the request failed")
    last = recorded(action=AuditAction.SIGN_IN_FAILED, details={"username": "c"})
    assert last.pk > first.pk + 1
    assert verify().startswith("audit chain intact: 2 events sealed")


@pytest.mark.django_db(transaction=True)  # a second connection holds its transaction open
def test_an_event_committed_after_a_later_one_was_sealed_is_sealed_by_the_next_run() -> None:
    long = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        long.set_autocommit(False)
        with long.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {EVENTS} (action, object_type, object_id, user_agent, reason, "  # noqa: S608
                "details) VALUES ('view', '', '', '', 'the long one', '{}') RETURNING id"
            )
            (early,) = cursor.fetchone()
        later = recorded(action=AuditAction.VIEW, reason="committed first")
        assert audit_seal() == 1
        long.commit()
        assert audit_seal() == 1
    finally:
        long.close()
    assert AuditSeal.objects.get(event=later).seq == 1
    assert AuditSeal.objects.get(event_id=early).seq == 2
    assert verify() == "audit chain intact: 2 events sealed, 0 checkpoints matched, 0 waiting"


def test_an_event_below_the_sealers_bound_is_sealed_by_audit_verify() -> None:
    sealed_events(1)
    late = recorded(action=AuditAction.VIEW)
    # No transaction leaves one there; an owner could, by rewriting its transaction.
    as_owner(f"UPDATE {EVENTS} SET transaction_id = 0 WHERE id = %s", [late.pk])  # noqa: S608
    assert audit_seal() == 0
    assert verify() == "audit chain intact: 2 events sealed, 0 checkpoints matched, 0 waiting"
    assert AuditSeal.objects.get(event=late).seq == 2


# Tampering ---------------------------------------------------------------------------------


def test_an_edited_event_is_found_at_its_seal() -> None:
    events = sealed_events(5)
    as_owner(f"UPDATE {EVENTS} SET reason = 'nothing to see' WHERE id = %s", [events[2].pk])  # noqa: S608
    with pytest.raises(CommandError) as raised:
        verify()
    assert str(raised.value) == (
        f"audit chain broken at seal 3: event {events[2].pk} or its seal does not match "
        "the seal's hash"
    )


def test_an_edited_event_rehashed_without_the_key_is_found() -> None:
    events = sealed_events(3)
    forged = {**stored(events[1]), "reason": "forged"}
    seal = AuditSeal.objects.get(event=events[1])
    with override_settings(AUDIT_CHAIN_KEY="a-guess-at-the-key-a-guess-at-the-key"):
        rehashed = seal_hash(
            forged, seq=seal.seq, previous_hash=seal.previous_hash, sealed_at=seal.sealed_at
        )
    as_owner(f"UPDATE {EVENTS} SET reason = 'forged' WHERE id = %s", [events[1].pk])  # noqa: S608
    as_owner(f"UPDATE {SEALS} SET hash = %s WHERE seq = 2", [rehashed])  # noqa: S608
    result = audit_chain_verify()
    assert (result.broken_at, result.count) == (2, 1)


def test_a_deleted_event_is_found() -> None:
    events = sealed_events(4)
    as_owner(f"DELETE FROM {SEALS} WHERE seq = 2")  # noqa: S608
    as_owner(f"DELETE FROM {EVENTS} WHERE id = %s", [events[1].pk])  # noqa: S608
    with pytest.raises(CommandError, match="broken at seal 2: seal 2 was removed"):
        verify("--no-seal")


def test_a_deleted_event_whose_seal_is_kept_is_found() -> None:
    events = sealed_events(3)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {EVENTS} DISABLE TRIGGER ALL")
        cursor.execute(f"DELETE FROM {EVENTS} WHERE id = %s", [events[0].pk])  # noqa: S608
        cursor.execute(f"ALTER TABLE {EVENTS} ENABLE TRIGGER ALL")
    with pytest.raises(CommandError, match="broken at seal 1: the event of seal 1 was removed"):
        verify("--no-seal")


def test_an_inserted_event_is_found() -> None:
    sealed_events(2)
    forged = recorded(action=AuditAction.VIEW, reason="I was never here")
    head = AuditSeal.objects.get(seq=2)
    as_owner(
        f"INSERT INTO {SEALS} (seq, event_id, previous_hash, sealed_at, hash) "  # noqa: S608
        "VALUES (3, %s, %s, now(), %s)",
        [forged.pk, head.hash, "f" * 64],
    )
    with pytest.raises(CommandError, match=f"broken at seal 3: event {forged.pk} or its seal"):
        verify("--no-seal")


def test_newest_events_removed_after_a_checkpoint_are_found(checkpoint_store: Path) -> None:
    events = sealed_events(5)
    assert audit_checkpoint() == anchors.last_checkpoint()
    as_owner(f"DELETE FROM {SEALS} WHERE seq > 3")  # noqa: S608
    as_owner(f"DELETE FROM {EVENTS} WHERE id IN (%s, %s)", [events[3].pk, events[4].pk])  # noqa: S608
    with pytest.raises(CommandError) as raised:
        verify()
    assert "broken at seal 4: the chain ends at seal 3, but the checkpoint of" in str(raised.value)
    assert "names seal 5: newer seals were removed" in str(raised.value)


def test_checkpoints_match_the_chain_they_anchor(checkpoint_store: Path) -> None:
    sealed_events(2)
    first = audit_checkpoint()
    assert audit_checkpoint() == first  # the head has not moved: nothing appended
    sealed_events(3)
    second = audit_checkpoint()
    assert (first and first.seq, second and second.seq) == (2, 5)
    assert len(checkpoint_store.read_text().splitlines()) == 2
    assert verify() == "audit chain intact: 5 events sealed, 2 checkpoints matched, 0 waiting"


def test_a_rewritten_checkpoint_is_found(checkpoint_store: Path) -> None:
    sealed_events(2)
    audit_checkpoint()
    line = json.loads(checkpoint_store.read_text())
    checkpoint_store.write_text(json.dumps({**line, "seq": 1}) + "\n")
    with pytest.raises(CommandError, match="checkpoint of seal 1 is not signed with the chain key"):
        verify()


def test_the_seal_command_seals_and_anchors(checkpoint_store: Path) -> None:
    audit_record(action=AuditAction.VIEW)
    out = StringIO()
    call_command("audit_seal", "--checkpoint", stdout=out)
    assert out.getvalue().split("\n")[:2] == ["checkpoint at seal 1", "sealed 1 events"]
    assert anchors.last_checkpoint() is not None


# Canonical hashing ------------------------------------------------------------------------


def test_numbers_hash_alike_whichever_way_jsonb_returns_them() -> None:
    # jsonb gives back the floats 1e16 and 2.0 as integers and -0.0 as 0.
    assert canonical_json({"n": 1e16}) == canonical_json({"n": 10**16}) == '{"n":10000000000000000}'
    assert canonical_json([2.0, -0.0, 0.1, 1e-7, True, None]) == "[2,0,0.1,1E-7,true,null]"
    assert canonical_json({"b": [1, {"y": 1.5}], "a": "é"}) == '{"a":"\\u00e9","b":[1,{"y":1.5}]}'
    assert canonical_json({"b": [1, {"y": 2}], "a": "é"}) == '{"a":"\\u00e9","b":[1,{"y":2}]}'
    event = recorded(
        action=AuditAction.EXPORT,
        details={"big": 1e16, "tiny": 1e-7, "neg": -0.0, "two": 2.0, "x": [2.5, {"y": 1e300}]},
    )
    assert AuditEvent.objects.get(pk=event.pk).details["big"] == 10**16
    audit_seal()
    assert audit_chain_verify().intact


def test_every_hashed_field_counts() -> None:
    area = AreaFactory.create()
    event = recorded(action=AuditAction.VIEW, target=area, details={"k": "v"})
    fields = stored(event)
    sealed_at = datetime(2030, 1, 1, tzinfo=UTC)
    original = seal_hash(fields, seq=1, previous_hash=GENESIS_HASH, sealed_at=sealed_at)
    changed = {
        "id": event.pk + 1,
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
    assert set(changed) == set(EVENT_FIELDS)
    for name, value in changed.items():
        assert (
            seal_hash(
                {**fields, name: value}, seq=1, previous_hash=GENESIS_HASH, sealed_at=sealed_at
            )
            != original
        ), name
    for seq, previous_hash, at in (
        (2, GENESIS_HASH, sealed_at),
        (1, "f" * 64, sealed_at),
        (1, GENESIS_HASH, sealed_at + timedelta(seconds=1)),
    ):
        assert seal_hash(fields, seq=seq, previous_hash=previous_hash, sealed_at=at) != original


def test_the_schedule_seals_within_seconds_and_anchors_every_minute(
    settings: Any, checkpoint_store: Path
) -> None:
    from audit.tasks import checkpoint, seal

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert (schedule["audit-seal"]["task"], schedule["audit-seal"]["schedule"]) == (
        "audit.seal",
        2.0,
    )
    assert schedule["audit-checkpoint"]["task"] == "audit.checkpoint"
    audit_record(action=AuditAction.VIEW)
    assert seal.delay().get() == 1
    audit_record(action=AuditAction.VIEW)
    assert checkpoint.delay().get() == 2
    assert verify() == "audit chain intact: 2 events sealed, 1 checkpoints matched, 0 waiting"
