"""Events inserted freely and sealed into a keyed chain afterwards (docs/audit.md).

The unkeyed chain columns go; every event already recorded is sealed, in id order, by the first
run of the sealer (verify the old chain with the release before this one first). The database
dates each event itself, and the seals are append-only as the events are.
"""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

FORWARD = """
CREATE FUNCTION audit_event_dated_by_database() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_at := clock_timestamp();
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_event_dated_by_database
    BEFORE INSERT ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_dated_by_database();
"""

REVERSE = """
DROP TRIGGER audit_event_dated_by_database ON audit_auditevent;
DROP FUNCTION audit_event_dated_by_database();
"""

SEALS_APPEND_ONLY = """
CREATE TRIGGER audit_seal_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_auditseal
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_seal_no_truncate
    BEFORE TRUNCATE ON audit_auditseal
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0004_area_escalation_settings"),
        ("audit", "0015_referral_exploitation_type"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(FORWARD, REVERSE),
        migrations.CreateModel(
            name="AuditSeal",
            fields=[
                ("seq", models.BigIntegerField(primary_key=True, serialize=False)),
                ("previous_hash", models.CharField(max_length=64, unique=True)),
                ("sealed_at", models.DateTimeField()),
                ("hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.RemoveConstraint(
            model_name="auditevent",
            name="audit_chain_no_fork",
        ),
        migrations.RemoveField(
            model_name="auditevent",
            name="hash",
        ),
        migrations.RemoveField(
            model_name="auditevent",
            name="previous_hash",
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="created_at",
            field=models.DateTimeField(
                db_default=django.db.models.functions.datetime.Now(),
                help_text="Database clock at insert",
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["created_at"], name="audit_event_created_at"),
        ),
        migrations.AddField(
            model_name="auditseal",
            name="event",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="seal",
                to="audit.auditevent",
            ),
        ),
        migrations.RunSQL(SEALS_APPEND_ONLY, migrations.RunSQL.noop),
    ]
