from django.db import migrations


class Migration(migrations.Migration):
    """A database sequence gives every referral a unique reference without a race."""

    dependencies = [("referrals", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE referral_reference_seq START 1",
            reverse_sql="DROP SEQUENCE referral_reference_seq",
        )
    ]
