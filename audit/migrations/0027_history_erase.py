"""Erasure reaches the field-level history, through one narrow door.

The history tables stay append-only: their triggers refuse UPDATE and DELETE whoever asks, and
the application's role may only SELECT and INSERT. `audit_history_erase` runs as this owner
(SECURITY DEFINER, with a fixed search_path) and does one of two things for one tracked table's
history and a list of its rows:

- with `columns`, copies those columns' current values from each live row into every snapshot
  of it: erasure has just cleared them, so the snapshots lose exactly what was cleared and keep
  every state, date and decision;
- without, deletes the snapshots of rows that no longer exist (a deleted record).

It refuses any table but a field history (the name ends in "history" in the audit app) whose
tracked table's own trigger writes into it, so it opens no other table. It gets past the
append-only triggers only for its own statements: it names them in `pgtrigger.ignore`, whose
prior value the function's SET clause restores on exit. The application's role is granted
EXECUTE by `manage.py grant_app_role` (audit.roles).
"""

from django.db import migrations

FUNCTION = """
CREATE FUNCTION audit_history_erase(
    history_table text, tracked_table text, object_ids text[], columns text[]
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = {schema}, pg_temp
SET pgtrigger.ignore = '{{}}'
AS $$
DECLARE
    history regclass;
    tracked regclass;
    pk name;
    id_type text;
    guards text[];
    targets text;
    sources text;
    touched bigint;
BEGIN
    IF history_table !~ '^audit_[a-z0-9_]+history$' THEN
        RAISE EXCEPTION '% is not a field history table', history_table
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    history := to_regclass(format('%I.%I', current_schema(), history_table));
    tracked := to_regclass(format('%I.%I', current_schema(), tracked_table));
    IF history IS NULL OR tracked IS NULL OR NOT EXISTS (
        SELECT FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
        WHERE t.tgrelid = tracked AND t.tgname LIKE 'pgtrigger\\_%'
          AND strpos(p.prosrc, 'INSERT INTO "' || history_table || '" (') > 0
    ) THEN
        RAISE EXCEPTION '% is not the field history of %', history_table, tracked_table
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT a.attname INTO pk FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
        WHERE i.indrelid = tracked AND i.indisprimary;
    SELECT format_type(a.atttypid, a.atttypmod) INTO id_type FROM pg_attribute a
        WHERE a.attrelid = history AND a.attname = 'pgh_obj_id' AND NOT a.attisdropped;
    SELECT array_agg(t.tgname::text) INTO guards FROM pg_trigger t
        WHERE t.tgrelid = history AND t.tgname LIKE 'pgtrigger\\_append\\_only\\_%';
    -- Local to the transaction, and the SET clause above restores the caller's value on exit.
    PERFORM set_config('pgtrigger.ignore', coalesce(guards, '{{}}')::text, true);
    IF columns IS NULL THEN
        EXECUTE format(
            'DELETE FROM %s h WHERE h.pgh_obj_id = ANY ($1::%s[]) '
            'AND NOT EXISTS (SELECT FROM %s t WHERE t.%I = h.pgh_obj_id)',
            history, id_type, tracked, pk
        ) USING object_ids;
    ELSE
        IF cardinality(columns) = 0 OR EXISTS (
            SELECT FROM unnest(columns) c
            WHERE c LIKE 'pgh\\_%' OR c = pk
               OR NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = history
                              AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped)
               OR NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = tracked
                              AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped)
        ) THEN
            RAISE EXCEPTION 'columns % are not all tracked columns of %', columns, tracked_table
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        SELECT string_agg(format('%I', c), ', '), string_agg(format('t.%I', c), ', ')
            INTO targets, sources FROM unnest(columns) c;
        EXECUTE format(
            'UPDATE %s h SET (%s) = ROW (%s) FROM %s t '
            'WHERE t.%I = h.pgh_obj_id AND h.pgh_obj_id = ANY ($1::%s[]) '
            'AND ROW (%s) IS DISTINCT FROM ROW (%s)',
            history, targets, sources, tracked, pk, id_type,
            (SELECT string_agg(format('h.%I', c), ', ') FROM unnest(columns) c), sources
        ) USING object_ids;
    END IF;
    GET DIAGNOSTICS touched = ROW_COUNT;
    RETURN touched;
END;
$$;
REVOKE ALL ON FUNCTION audit_history_erase(text, text, text[], text[]) FROM PUBLIC;
"""

DROP = "DROP FUNCTION audit_history_erase(text, text, text[], text[]);"


def create(apps, schema_editor):  # noqa: ANN001, ARG001
    """In the schema the migration runs in, which the function then fixes as its search_path."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
        cursor.execute(FUNCTION.format(schema=schema_editor.quote_name(schema)))


def drop(apps, schema_editor):  # noqa: ANN001, ARG001
    schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0026_audit_detail")]

    operations = [migrations.RunPython(create, drop)]
