"""The backend (audit/database): BEGIN sent with a transaction's first statement, audit inserts
with the statement after them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import psycopg2.extensions
import pytest
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    ProgrammingError,
    connection,
    connections,
    transaction,
)
from django.db.backends.postgresql.psycopg_any import IsolationLevel
from django.test.utils import CaptureQueriesContext

from agencies.models import Area
from audit.database import base
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


OWN = "own"


@pytest.fixture
def own() -> Iterator[base.DatabaseWrapper]:
    """A connection of the test's own, beside the test's transaction, so that its outermost
    transactions (`transaction.atomic(using=OWN)`) really begin and end. It writes only to a
    temporary table, gone with it."""
    wrapper = base.DatabaseWrapper(dict(connection.settings_dict), alias=OWN)
    connections[OWN] = wrapper
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE written (what text)")
        yield wrapper
    finally:
        wrapper.close()
        del connections[OWN]


def _write(wrapper: base.DatabaseWrapper, what: str) -> None:
    with wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO written (what) VALUES (%s)", [what])


def _record_on(wrapper: base.DatabaseWrapper, what: str) -> None:
    """What `audit_record` does on the default connection: an insert sent with what follows."""
    wrapper.audit_send("INSERT INTO written (what) VALUES (%s)", (what,))


def _written(wrapper: base.DatabaseWrapper) -> list[str]:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT what FROM written ORDER BY what")
        return [row[0] for row in cursor.fetchall()]


def _server_transaction_status(wrapper: base.DatabaseWrapper) -> int:
    return wrapper.connection.get_transaction_status()


@pytest.fixture
def messages(own: base.DatabaseWrapper, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message the backend's cursors send to the server, as text, from here on."""
    sent: list[str] = []
    send = base._Cursor.send

    def counted(cursor: base._Cursor, query: Any, vars: Any = None) -> None:
        sent.append(query.decode() if isinstance(query, bytes) else str(query))
        send(cursor, query, vars)

    monkeypatch.setattr(base._Cursor, "send", counted)
    return sent


def test_an_audited_step_sends_no_more_messages_than_the_same_step_unaudited(
    own: base.DatabaseWrapper, messages: list[str]
) -> None:
    def step(*, audited: bool) -> list[str]:
        messages.clear()
        with transaction.atomic(using=OWN):
            if audited:
                _record_on(own, "before")
            _write(own, "step")
            if audited:
                _record_on(own, "after")
        return [message.split(" ")[0] for message in messages]

    assert step(audited=False) == ["BEGIN;INSERT", "COMMIT"]
    assert step(audited=True) == ["BEGIN;INSERT", "INSERT"]
    assert messages[0].count("INSERT") == 2  # the first record went with the step's insert
    assert messages[1].endswith(";COMMIT")  # and the last with the commit
    assert _server_transaction_status(own) == psycopg2.extensions.TRANSACTION_STATUS_IDLE
    assert _written(own) == ["after", "before", "step", "step"]  # committed: none rolled back


def test_a_transaction_that_sends_nothing_sends_no_begin_and_no_commit(
    messages: list[str],
) -> None:
    with transaction.atomic(using=OWN):
        pass
    assert messages == []


def test_a_statement_refused_before_it_was_sent_leaves_the_transaction_to_begin(
    own: base.DatabaseWrapper,
) -> None:
    with transaction.atomic(using=OWN):
        with pytest.raises(IndexError), own.cursor() as cursor:
            cursor.execute("SELECT %s, %s", [1])  # the transaction's first statement
        assert _server_transaction_status(own) == psycopg2.extensions.TRANSACTION_STATUS_IDLE
        _write(own, "rolled back")  # must begin the transaction: not be committed alone
        assert _server_transaction_status(own) == psycopg2.extensions.TRANSACTION_STATUS_INTRANS
        transaction.set_rollback(True, using=OWN)
    assert _written(own) == []


def test_a_commit_that_fails_loses_the_events_with_it_and_leaves_the_connection_usable(
    own: base.DatabaseWrapper,
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(using=OWN):
        _write(own, "lost")
        with own.cursor() as cursor:  # foreign keys are checked at commit
            cursor.execute("INSERT INTO agencies_user_groups (user_id, group_id) VALUES (-1, -1)")
        _record_on(own, "lost too")  # waits, and goes with the COMMIT that fails
    assert _written(own) == []
    _record_on(own, "kept")  # outside a transaction: sent at once
    assert _written(own) == ["kept"]


def test_autocommit_cannot_be_turned_on_while_the_server_holds_a_transaction_open(
    own: base.DatabaseWrapper,
) -> None:
    own.set_autocommit(False)
    _written(own)
    with pytest.raises(ProgrammingError):
        own.set_autocommit(True)
    own.rollback()
    own.set_autocommit(True)
    assert _server_transaction_status(own) == psycopg2.extensions.TRANSACTION_STATUS_IDLE


def test_an_isolation_level_set_in_the_options_begins_every_transaction() -> None:
    settings_dict = dict(connection.settings_dict)
    settings_dict["OPTIONS"] = {
        **settings_dict["OPTIONS"],
        "isolation_level": IsolationLevel.SERIALIZABLE,
    }
    other = base.DatabaseWrapper(settings_dict, alias="serializable")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SHOW transaction_isolation")
            assert cursor.fetchone() == ("serializable",)
        other.rollback()
    finally:
        other.close()
