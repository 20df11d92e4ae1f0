"""Django's PostgreSQL backend, with audit events that travel with the next statement.

An audit event recorded inside a transaction is not sent at once: it waits on the connection
and goes in the same message as the transaction's next statement, or just before its commit
(docs/audit.md, "Writing"). Recording a view or a step then costs no round trip of its own,
which is what an audited request otherwise pays most for. What is recorded stays what commits:
- a statement, a savepoint or the commit sends the waiting events first, in order, so they
  are in the transaction before anything that follows them, and a failure of either fails both;
- events recorded since a savepoint are dropped when it is rolled back, as their rows would be;
  those recorded before it were sent with the SAVEPOINT statement itself;
- a rollback, or a connection closed or lost, drops them with the transaction.
Outside a transaction an event is sent at once, in a transaction of its own (autocommit).
"""

from __future__ import annotations

from typing import Any

import psycopg2.extensions
from django.conf import settings
from django.db.backends.postgresql import base

Statement = tuple[str, tuple[Any, ...]]


class _Cursor(psycopg2.extensions.cursor):
    """A cursor that sends its connection's waiting audit statements before its own."""

    waiting: list[Statement]  # the connection's list, shared by every cursor of it

    def execute(self, query: Any, vars: Any = None) -> None:
        if not self.waiting:
            return super().execute(query, vars)
        # One message: the waiting inserts, then the statement, as the server will run them.
        # The statement is built first: if its parameters do not fit, nothing is taken.
        statement = self.mogrify(query, vars)
        return super().execute(b";".join([*self._take_waiting(), statement]))

    def executemany(self, query: Any, vars_list: Any) -> None:
        self.send_waiting()
        return super().executemany(query, vars_list)

    def callproc(self, procname: Any, parameters: Any = None) -> Any:
        self.send_waiting()
        return super().callproc(procname, parameters)

    def copy_expert(self, sql: Any, file: Any, size: int = 8192) -> None:
        self.send_waiting()
        return super().copy_expert(sql, file, size)

    def send_waiting(self) -> None:
        if self.waiting:
            super().execute(b";".join(self._take_waiting()))

    def _take_waiting(self) -> list[bytes]:
        # Taken before they are sent: if the message fails, the transaction (or the savepoint
        # they were recorded under) is lost with them, and they must not be sent again.
        statements = [self.mogrify(sql, params) for sql, params in self.waiting]
        self.waiting.clear()
        return statements


class DatabaseWrapper(base.DatabaseWrapper):
    """Holds the audit inserts waiting for the transaction's next statement."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audit_waiting: list[Statement] = []

    def audit_send(self, sql: str, params: tuple[Any, ...]) -> None:
        """Send an audit insert with the transaction's next statement, or now outside one."""
        if self.in_atomic_block:
            self.audit_waiting.append((sql, params))
            return
        with self.cursor() as cursor:
            cursor.execute(sql, params)

    def create_cursor(self, name: str | None = None) -> Any:
        if name:  # a server-side cursor sends DECLARE: nothing may be joined to it
            self._send_waiting()
            return super().create_cursor(name)
        cursor = self.connection.cursor(cursor_factory=_Cursor)
        cursor.waiting = self.audit_waiting
        cursor.tzinfo_factory = self.tzinfo_factory if settings.USE_TZ else None  # type: ignore[attr-defined]
        return cursor

    def _send_waiting(self) -> None:
        if self.audit_waiting:
            with self.cursor() as cursor, self.wrap_database_errors:
                cursor.cursor.send_waiting()

    def _commit(self) -> None:
        self._send_waiting()
        super()._commit()  # type: ignore[misc]

    def _rollback(self) -> None:
        self.audit_waiting.clear()
        super()._rollback()  # type: ignore[misc]

    def _savepoint_rollback(self, sid: str) -> None:
        # What waits was recorded after the savepoint: the SAVEPOINT statement sent the rest.
        self.audit_waiting.clear()
        super()._savepoint_rollback(sid)  # type: ignore[misc]

    def _close(self) -> None:
        self.audit_waiting.clear()
        super()._close()  # type: ignore[misc]

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        self.audit_waiting.clear()
        return super().get_new_connection(conn_params)
