"""Audit writes that lock nothing and a sealer that reads only what is new (docs/audit.md).

The audit tables' foreign keys lose their database constraints, whose checks at commit lock
the person, membership and area each event names, and each event its seal; a seal's
previous hash is no longer unique (a fork already fails verification). Two indexes no query
uses go: on the membership and on the date alone (searches are by area or person).

The sealer finds unsealed events by the transaction that inserted them: each event records its transaction (set by the insert trigger, like its date), and each seal
the oldest transaction still running when its batch was chosen; the next run looks only at
events of that transaction or later. Events recorded before this migration have no
transaction: the first run after it has no bound either, and seals them all. The index is
built without blocking writers, so the migration runs outside a transaction, and the table
analysed, so the planner reads the new events through it from the first run.
"""

import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

FORWARD = """
CREATE OR REPLACE FUNCTION audit_event_dated_by_database() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_at := clock_timestamp();
    NEW.transaction_id := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END;
$$;
"""

REVERSE = """
CREATE OR REPLACE FUNCTION audit_event_dated_by_database() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_at := clock_timestamp();
    RETURN NEW;
END;
$$;
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("agencies", "0004_area_escalation_settings"),
        ("audit", "0017_history_dates_in_range"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                help_text="Empty for anonymous events such as a failed sign-in",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="area",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="agencies.area",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="membership",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="agencies.membership",
            ),
        ),
        migrations.AlterField(
            model_name="auditseal",
            name="event",
            field=models.OneToOneField(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="seal",
                to="audit.auditevent",
            ),
        ),
        migrations.AlterField(
            model_name="auditseal",
            name="previous_hash",
            field=models.CharField(max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="transaction_id",
            field=models.BigIntegerField(
                editable=False,
                help_text="The inserting transaction (pg_current_xact_id)",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="auditseal",
            name="snapshot_xmin",
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunSQL(FORWARD, REVERSE),
        RemoveIndexConcurrently(model_name="auditevent", name="audit_event_created_at"),
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(fields=["transaction_id"], name="audit_event_transaction"),
        ),
        # Until statistics know the new column, the planner guesses a third of the table is
        # above the bound and reads all of both tables on every run.
        migrations.RunSQL("ANALYZE audit_auditevent", migrations.RunSQL.noop),
    ]
