"""The audit tables refuse UPDATE, DELETE and TRUNCATE."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AuditAction, AuditEvent, AuditSeal
from audit.services import audit_seal
from tests.factories import recorded

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table
# The seals reference the events, so the two tables are only ever truncated together.
BOTH = f"{TABLE}, {AuditSeal._meta.db_table}"


@pytest.fixture
def event() -> AuditEvent:
    return recorded(action=AuditAction.VIEW, reason="seen")


def test_an_update_is_refused(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only: UPDATE refused"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.reason = "changed"
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).given_reason() == "seen"


def test_a_delete_is_refused(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only: DELETE refused"), transaction.atomic():
        event.delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_truncate_is_refused_even_when_the_session_asks_for_it(event: AuditEvent) -> None:
    """Only the database's own stored setting lets TRUNCATE through; any role can SET a
    session setting, so that is not enough (the catalogue change rolls back with the test)."""
    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    with (
        pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # else: "pending trigger events"
        cursor.execute(f"ALTER DATABASE {name} RESET audit.allow_truncate")
        cursor.execute("SET LOCAL audit.allow_truncate = 'on'")
        cursor.execute(f"TRUNCATE {BOTH}")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_flush_between_tests_empties_them_and_leaves_the_refusals_on(
    event: AuditEvent,
) -> None:
    """Django's flush after a transactional test empties the audit tables with their triggers
    off (`empty_tables` in tests/conftest.py), and turns them on again."""
    audit_seal()
    with pytest.raises(RuntimeError), transaction.atomic(), connection.cursor() as cursor:
        # The test's pending checks done, and the rest deferred: as in a flush of its own.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        call_command("flush", verbosity=0, interactive=False, reset_sequences=False)
        assert not AuditEvent.objects.exists() and not AuditSeal.objects.exists()
        again = recorded(action=AuditAction.VIEW, reason="seen again")
        refused = pytest.raises(DatabaseError, match="append-only: DELETE refused")
        with refused, transaction.atomic():
            again.delete()
        raise RuntimeError("roll the flush back")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_seals_refuse_update_and_delete(event: AuditEvent) -> None:
    audit_seal()
    seal = AuditSeal.objects.get(event=event)
    with pytest.raises(DatabaseError, match="append-only: UPDATE refused"), transaction.atomic():
        AuditSeal.objects.filter(pk=seal.pk).update(hash="0" * 64)
    with pytest.raises(DatabaseError, match="append-only: DELETE refused"), transaction.atomic():
        AuditSeal.objects.filter(pk=seal.pk).delete()
    assert AuditSeal.objects.get(pk=seal.pk).hash == seal.hash
