"""The application's database role: owns nothing, and may only insert and read the audit trail.

Migrations run as the owner of the schema, which then grants the application's role what it
needs (`manage.py grant_app_role`, after every migrate). The owner keeps the rights nobody on
the request path should have: ALTER TABLE (so turning the audit triggers off), UPDATE, DELETE
and TRUNCATE of audit rows. Erasure reaches the field-level history only through a function the
owner's migration defines (audit_history_erase, migration 0027). See docs/audit.md.
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection, transaction

from .models import ERASABLE_MODELS, AuditEvent

# Every other table: the ordinary writes of the service.
_TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
_AUDIT_RIGHTS = "SELECT, INSERT"
# The one way the role changes field-level history: erasure's (migration 0027).
HISTORY_ERASE_FUNCTION = "audit_history_erase(text, text, text[], text[])"
# Whether the role could rewrite the trail whatever it is granted; no row: no such role.
_UNSAFE = (
    "SELECT rolsuper OR rolbypassrls OR rolname = current_user "
    "OR rolname = (SELECT tableowner FROM pg_tables WHERE tablename = %s) "
    "FROM pg_roles WHERE rolname = %s"
)


class UnsafeRole(ValueError):
    """A role that could rewrite the audit trail whatever it is granted."""


def audit_tables() -> list[str]:
    """The audit app's append-only tables: events, seals and field-level history. The events'
    erasable details (ERASABLE_MODELS) are not among them: erasure blanks them."""
    return sorted(
        model._meta.db_table
        for model in apps.get_app_config("audit").get_models()
        if model not in ERASABLE_MODELS
    )


def app_role_grant(*, role: str, password: str = "") -> None:
    """Create `role` if it does not exist (with `password`, to log in with), then grant it
    the service's ordinary rights on every table and sequence of the schema, now and for
    tables created later by this owner, and only SELECT and INSERT on the audit tables, plus
    EXECUTE on the function through which erasure reaches the field-level history.

    Raises UnsafeRole for a superuser, the role running this or the audit tables' owner."""
    name = connection.ops.quote_name(role)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_UNSAFE, [AuditEvent._meta.db_table, role])
        found = cursor.fetchone()
        if found is None:
            cursor.execute(f"CREATE ROLE {name} LOGIN")
        elif found[0]:
            raise UnsafeRole(f"{role} is a superuser or owns the audit trail: it could rewrite it")
        if password:
            cursor.execute(f"ALTER ROLE {name} PASSWORD %s", [password])
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = (connection.ops.quote_name(value) for value in cursor.fetchone())
        defaults = f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT"
        for statement in (
            f"GRANT CONNECT ON DATABASE {database} TO {name}",
            f"GRANT USAGE ON SCHEMA {schema} TO {name}",
            f"GRANT {_TABLE_RIGHTS} ON ALL TABLES IN SCHEMA {schema} TO {name}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {name}",
            # Tables later migrations create get the ordinary rights; run again after each
            # migrate so that new audit tables lose UPDATE and DELETE.
            f"{defaults} {_TABLE_RIGHTS} ON TABLES TO {name}",
            f"{defaults} USAGE, SELECT ON SEQUENCES TO {name}",
        ):
            cursor.execute(statement)
        for table in audit_tables():
            cursor.execute(f"REVOKE ALL ON {connection.ops.quote_name(table)} FROM {name}")
            cursor.execute(f"GRANT {_AUDIT_RIGHTS} ON {connection.ops.quote_name(table)} TO {name}")
        cursor.execute(f"GRANT EXECUTE ON FUNCTION {HISTORY_ERASE_FUNCTION} TO {name}")
