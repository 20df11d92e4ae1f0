"""The backend's audit inserts, sent with the next statement (audit/database)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from agencies.models import Area
from audit.models import AuditAction, AuditDetail, AuditEvent
from audit.services import audit_record
from tests.factories import AreaFactory, waiting_audit_statements

pytestmark = pytest.mark.django_db


def _record(username: str, **kwargs: Any) -> None:
    audit_record(action=AuditAction.SIGN_IN_FAILED, details={"username": username}, **kwargs)


def _recorded() -> list[str]:
    return [
        event.details["username"]
        for event in AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).order_by("id")
    ]


def test_an_event_goes_with_the_next_statement_which_sees_it() -> None:
    with CaptureQueriesContext(connection) as queries:
        _record("a")
        _record("b")
        assert _recorded() == ["a", "b"]
    assert len(queries.captured_queries) == 1
    assert waiting_audit_statements() == []


def test_percent_signs_and_parameters_on_either_side_arrive_as_written() -> None:
    _record("100% sure %s %(name)s", reason="50%")
    area = AreaFactory.create(name="Less than 10% %s")
    assert Area.objects.filter(name__contains="10% %").get() == area  # sent with parameters
    assert _recorded() == ["100% sure %s %(name)s"]
    assert AuditDetail.objects.get().reason == "50%"
    _record("c")
    with connection.cursor() as cursor:
        cursor.execute("SELECT '5%'")  # sent without parameters
        assert cursor.fetchone() == ("5%",)
    assert _recorded()[-1] == "c"


def test_a_statement_whose_parameters_do_not_fit_takes_nothing_with_it() -> None:
    _record("kept")
    with pytest.raises(IndexError), connection.cursor() as cursor:
        cursor.execute("SELECT %s, %s", [1])
    assert _recorded() == ["kept"]


def test_events_recorded_in_a_savepoint_rolled_back_go_with_it_and_no_others() -> None:
    _record("before")
    with pytest.raises(RuntimeError), transaction.atomic():
        _record("inside")
        raise RuntimeError("the step failed")
    _record("after")
    assert _recorded() == ["before", "after"]


def test_a_failing_statement_in_a_savepoint_loses_only_what_was_recorded_in_it() -> None:
    area = AreaFactory.create()
    _record("before")
    with pytest.raises(IntegrityError), transaction.atomic():
        _record("inside")
        AreaFactory.create(name=area.name)  # unique: the message carrying the insert fails
    assert _recorded() == ["before"]


def test_bulk_statements_copies_and_server_side_cursors_send_what_waits_first() -> None:
    _record("a")
    with connection.cursor() as cursor:
        cursor.executemany("SELECT %s", [(1,), (2,)])
    _record("b")
    with connection.cursor() as cursor:
        cursor.copy_expert("COPY (SELECT 1) TO STDOUT", io.StringIO())
    _record("c")
    connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = False
    try:
        names = [
            e.details["username"] for e in AuditEvent.objects.order_by("id").iterator(chunk_size=10)
        ]
    finally:
        connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True
    assert names == ["a", "b", "c"]


def _committed() -> list[str]:
    """What another connection sees: what was committed."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT details->>'username' FROM audit_auditevent WHERE action = %s ORDER BY id",
                [AuditAction.SIGN_IN_FAILED.value],
            )
            return [row[0] for row in cursor.fetchall()]
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)  # what commits is read from a connection of its own
def test_what_waits_is_sent_before_the_commit_and_dropped_with_a_rollback() -> None:
    with transaction.atomic():
        Area.objects.count()
        _record("committed")  # the transaction's last statement: it goes with the commit
    with transaction.atomic():
        _record("rolled back")
        transaction.set_rollback(True)
    assert _committed() == ["committed"]
    assert waiting_audit_statements() == []


@pytest.mark.django_db(transaction=True)  # what commits is read from a connection of its own
def test_outside_a_transaction_an_event_is_committed_at_once() -> None:
    _record("alone")
    assert waiting_audit_statements() == []
    assert _committed() == ["alone"]
