"""Monthly rollups, filled from the daily rollups already kept (reports.rollups keeps them
equal from here on)."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
INSERT INTO reports_monthlyrollup (area_id, month, measure, key, count)
SELECT area_id, date_trunc('month', day)::date, measure, key, sum(count)
FROM reports_rollup GROUP BY 1, 2, 3, 4
"""


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0004_area_escalation_settings"),
        ("reports", "0005_link_graph_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="MonthlyRollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(help_text="The month's first day.")),
                ("measure", models.CharField(max_length=40)),
                ("key", models.CharField(blank=True, max_length=60)),
                ("count", models.IntegerField()),
            ],
        ),
        migrations.AddIndex(
            model_name="rollup",
            index=models.Index(fields=["area", "day"], name="rollup_area_day"),
        ),
        migrations.AddField(
            model_name="monthlyrollup",
            name="area",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="agencies.area"
            ),
        ),
        migrations.AddConstraint(
            model_name="monthlyrollup",
            constraint=models.UniqueConstraint(
                fields=("area", "month", "measure", "key"), name="monthly_rollup_one_row_per_cell"
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
