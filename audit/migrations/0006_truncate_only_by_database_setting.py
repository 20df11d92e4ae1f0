"""TRUNCATE of the audit table only where the database itself allows it.

A session-level `SET audit.allow_truncate = 'on'` is open to any role, so it must not be
enough: the trigger now looks for the setting among the database's own stored settings
(`ALTER DATABASE … SET`), which only its owner or a superuser can change. The test suite sets
it on its throwaway test database, because Django empties tables between transactional tests.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND EXISTS (
        SELECT 1
        FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
        WHERE d.datname = current_database()
          AND s.setrole = 0
          AND 'audit.allow_truncate=on' = ANY (s.setconfig)
    ) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""

REVERSE = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('audit.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_young_person_nhs_number")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
