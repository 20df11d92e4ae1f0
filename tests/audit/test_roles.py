"""The application's database role (manage.py grant_app_role): it does the service's work, and
cannot change, remove or unprotect an audit row. Each test creates a role of its own, which
rolls back with it, and acts as that role with SET LOCAL ROLE."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from agencies.models import Area, Role
from audit.models import AuditAction, AuditEvent, AuditSeal
from audit.roles import audit_tables
from audit.services import audit_record, audit_seal
from tests.factories import AreaFactory, member, raise_referral, recorded

pytestmark = pytest.mark.django_db

EVENTS = AuditEvent._meta.db_table


@pytest.fixture
def app_role() -> Iterator[str]:
    """A role granted as production grants it, acted as for the rest of the test."""
    role = f"hub_app_{uuid.uuid4().hex[:12]}"
    out = StringIO()
    call_command("grant_app_role", role, stdout=out)
    assert out.getvalue().startswith(f"{role}: ordinary rights, and only SELECT and INSERT")
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (role,)
    yield role


def refused(sql: str, match: str) -> None:
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def test_the_app_role_does_the_services_work_and_records_it(app_role: str) -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    audit_record(action=AuditAction.VIEW, actor=coordinator, target=referral)
    assert audit_seal() == AuditEvent.objects.count() > 0
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred checks pass as this role
    assert Area.objects.filter(pk=area.pk).update(name="Renamed") == 1


def test_the_app_role_cannot_change_or_remove_audit_rows(app_role: str) -> None:
    event = recorded(action=AuditAction.VIEW, reason="seen")
    audit_seal()
    for table in (EVENTS, AuditSeal._meta.db_table):
        refused(f"UPDATE {table} SET {'reason' if table == EVENTS else 'hash'} = 'x'",  # noqa: S608
                "permission denied")  # fmt: skip
        refused(f"DELETE FROM {table}", "permission denied")  # noqa: S608
        refused(f"TRUNCATE {table}", "permission denied")
    assert AuditEvent.objects.get(pk=event.pk).given_reason() == "seen"


def test_the_app_role_cannot_turn_the_triggers_off(app_role: str) -> None:
    refused(f"ALTER TABLE {EVENTS} DISABLE TRIGGER USER", "must be owner")
    refused(f"ALTER TABLE {EVENTS} DISABLE TRIGGER ALL", "must be owner")
    refused("SET session_replication_role = replica", "permission denied")


def test_every_audit_table_is_insert_and_select_only(app_role: str) -> None:
    tables = audit_tables()
    assert {EVENTS, AuditSeal._meta.db_table, "audit_referralhistory"} <= set(tables)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) "
            "FROM information_schema.role_table_grants WHERE grantee = %s "
            "AND table_name = ANY(%s) GROUP BY table_name",
            [app_role, tables],
        )
        assert dict(cursor.fetchall()) == dict.fromkeys(tables, "INSERT,SELECT")


def test_a_superuser_or_the_owner_is_refused() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
    with pytest.raises(CommandError, match="could rewrite it"):
        call_command("grant_app_role", owner)
