"""Django's PostgreSQL backend, sending fewer messages: a transaction's BEGIN goes with its
first statement, and audit events with the statement after them.

Each message to the database and back costs a busy web process more than a short statement
does (docs/audit.md, "Writing"), so this backend joins what must be sent anyway:
- psycopg2 would send BEGIN as a message of its own before a transaction's first statement.
  Here the driver stays in autocommit and the backend begins the transaction itself, in the
  same message as that first statement (or as the savepoint, bulk statement or commit that
  comes first). A transaction that sends nothing sends no BEGIN and no COMMIT;
- an audit event recorded inside a transaction is not sent at once: it waits on the connection
  and goes in the same message as the transaction's next statement, or as its COMMIT, so
  recording a view or a step costs no message of its own.

What is recorded stays what commits:
- a statement, a savepoint or the commit sends the waiting events first, in order, so they
  are in the transaction before anything that follows them, and a failure of either fails both;
- events recorded since a savepoint are dropped when it is rolled back, as their rows would be;
  those recorded before it were sent with the SAVEPOINT statement itself;
- a rollback, or a connection closed or lost, drops them with the transaction.
Outside a transaction an event is sent at once, in a transaction of its own (autocommit).

Whether a transaction has begun is read from the server's answer to each message (libpq keeps
it; no round trip), so a statement refused before it was sent leaves the transaction still to
begin, and one that failed in the server leaves it begun, to be rolled back.
"""

from __future__ import annotations

from typing import Any

import psycopg2.extensions
from django.conf import settings
from django.db.backends.postgresql import base
from django.db.backends.utils import debug_transaction  # type: ignore[attr-defined]

Statement = tuple[str, tuple[Any, ...]]

_IDLE = psycopg2.extensions.TRANSACTION_STATUS_IDLE


class _Cursor(psycopg2.extensions.cursor):
    """A cursor that sends, with its own statement, what its connection has yet to send."""

    owner: DatabaseWrapper

    def execute(self, query: Any, vars: Any = None) -> None:
        if not (self.owner.audit_waiting or self.owner.begin_due):
            return self.send(query, vars)
        # One message: BEGIN if due, the waiting inserts, then the statement, as the server
        # will run them. The statement is built first: if its parameters do not fit, nothing
        # is taken.
        statement = self.mogrify(query, vars)
        return self.send(b";".join([*self._take_pending(), statement]))

    def executemany(self, query: Any, vars_list: Any) -> None:
        self.send_pending()
        return super().executemany(query, vars_list)

    def callproc(self, procname: Any, parameters: Any = None) -> Any:
        self.send_pending()
        return super().callproc(procname, parameters)

    def copy_expert(self, sql: Any, file: Any, size: int = 8192) -> None:
        self.send_pending()
        return super().copy_expert(sql, file, size)

    def send_pending(self) -> None:
        """Send, in a message of their own, BEGIN if due and the waiting inserts."""
        pending = self._take_pending()
        if pending:
            self.send(b";".join(pending))

    def finish(self, command: bytes) -> None:
        """End the transaction with COMMIT or ROLLBACK, after what waits (for a commit)."""
        if command == b"COMMIT" and self.owner.audit_waiting:  # with BEGIN, if nothing was sent
            self.send(b";".join([*self._take_pending(), command]))
        elif self.owner.began:
            self.send(command)

    def send(self, query: Any, vars: Any = None) -> None:
        """The one way statements leave: afterwards, whether a transaction is open is what the
        server said (a statement refused before it was sent leaves it as it was)."""
        try:
            super().execute(query, vars)
        finally:
            self.owner.began = self.connection.get_transaction_status() != _IDLE

    def _take_pending(self) -> list[bytes]:
        # Taken before they are sent: if the message fails, the transaction (or the savepoint
        # they were recorded under) is lost with them, and they must not be sent again.
        owner = self.owner
        statements = [owner.begin_sql] if owner.begin_due else []
        statements += [self.mogrify(sql, params) for sql, params in owner.audit_waiting]
        owner.audit_waiting.clear()
        return statements


class DatabaseWrapper(base.DatabaseWrapper):
    """Begins its transactions itself, and holds the audit inserts waiting for the
    transaction's next statement."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audit_waiting: list[Statement] = []
        self.began = False  # the server has an open transaction on this connection
        self.begin_sql = b"BEGIN"

    @property
    def begin_due(self) -> bool:
        """Django is in a transaction that has sent nothing yet."""
        return not self.began and not self.get_autocommit()

    def audit_send(self, sql: str, params: tuple[Any, ...]) -> None:
        """Send an audit insert with the transaction's next statement, or now outside one."""
        if self.in_atomic_block:
            self.audit_waiting.append((sql, params))
            return
        with self.cursor() as cursor:
            cursor.execute(sql, params)

    def create_cursor(self, name: str | None = None) -> Any:
        if name:  # a server-side cursor sends DECLARE: nothing may be joined to it
            self._send_pending()
            return super().create_cursor(name)
        return self._cursor_of_ours()

    def _cursor_of_ours(self) -> _Cursor:
        cursor = self.connection.cursor(cursor_factory=_Cursor)
        cursor.owner = self
        cursor.tzinfo_factory = self.tzinfo_factory if settings.USE_TZ else None  # type: ignore[attr-defined]
        return cursor

    def _send_pending(self) -> None:
        if self.audit_waiting or self.begin_due:
            with self._cursor_of_ours() as cursor, self.wrap_database_errors:
                cursor.send_pending()

    def _set_autocommit(self, autocommit: bool) -> None:
        # The driver stays in autocommit: Django's flag alone says whether a transaction is
        # wanted, and the next statement begins it. As psycopg2 does, refuse to leave a
        # transaction the server still holds open.
        if autocommit and self.began:
            with self.wrap_database_errors:
                raise psycopg2.ProgrammingError("set_session cannot be used inside a transaction")

    def _commit(self) -> None:
        self._finish(b"COMMIT")

    def _rollback(self) -> None:
        self.audit_waiting.clear()
        self._finish(b"ROLLBACK")

    def _finish(self, command: bytes) -> None:
        if self.connection is not None:
            with (
                debug_transaction(self, command.decode()),
                self.wrap_database_errors,
                self._cursor_of_ours() as cursor,
            ):
                cursor.finish(command)

    def _savepoint_rollback(self, sid: str) -> None:
        # What waits was recorded after the savepoint: the SAVEPOINT statement sent the rest.
        self.audit_waiting.clear()
        super()._savepoint_rollback(sid)  # type: ignore[misc]

    def _close(self) -> None:
        self.audit_waiting.clear()
        self.began = False
        super()._close()  # type: ignore[misc]

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        self.audit_waiting.clear()
        self.began = False
        connection = super().get_new_connection(conn_params)
        connection.autocommit = True
        if "isolation_level" in self.settings_dict["OPTIONS"]:
            level = self.isolation_level.name.replace("_", " ")  # type: ignore[attr-defined]
            self.begin_sql = f"BEGIN ISOLATION LEVEL {level}".encode()
        return connection
