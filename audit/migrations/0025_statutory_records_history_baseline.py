"""A "baseline" history snapshot of every strategy discussion, section 47 enquiry and NRM
referral that exists before their tracking starts, so the first change to each still shows the
old values (as 0020 did for the casework records)."""

from django.db import migrations

TRACKED = [
    ("referrals", "StrategyDiscussion", "StrategyDiscussionHistory"),
    ("referrals", "Section47Enquiry", "Section47EnquiryHistory"),
    ("referrals", "NRMReferral", "NRMReferralHistory"),
]


def snapshot_existing_rows(apps, schema_editor):
    quote = schema_editor.quote_name
    for app_label, tracked_name, history_name in TRACKED:
        tracked = apps.get_model(app_label, tracked_name)
        history = apps.get_model("audit", history_name)
        tracked_columns = {f.column for f in tracked._meta.concrete_fields}
        columns = [
            f.column
            for f in history._meta.concrete_fields
            if not f.name.startswith("pgh_") and f.column in tracked_columns
        ]
        column_list = ", ".join(quote(c) for c in columns)
        # Every name comes from the models, none from input.
        history_table, tracked_table = (quote(m._meta.db_table) for m in (history, tracked))
        schema_editor.execute(
            f"INSERT INTO {history_table} (pgh_created_at, pgh_label, pgh_obj_id, {column_list}) "  # noqa: S608
            f"SELECT now(), 'baseline', id, {column_list} FROM {tracked_table}"
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0024_statutory_records_history")]

    operations = [migrations.RunPython(snapshot_existing_rows, migrations.RunPython.noop)]
