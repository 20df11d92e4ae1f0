"""The database backend the service runs on: Django's PostgreSQL backend, with audit inserts
sent together with the statement after them (see base.py). Settings name it as the engine."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections

from .base import DatabaseWrapper

ENGINE = "audit.database"


def send_with_next_statement(sql: str, params: tuple[Any, ...]) -> None:
    """Send an audit insert with the current transaction's next statement (or now, outside a
    transaction)."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    if not isinstance(wrapper, DatabaseWrapper):
        raise ImproperlyConfigured(f"DATABASES['default']['ENGINE'] must be {ENGINE!r}")
    wrapper.audit_send(sql, params)
