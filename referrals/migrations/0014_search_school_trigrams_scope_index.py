"""Search (referrals.search), measured at a million referrals: a school is found by part of its
name through trigrams, and whether the searcher may see one of a young person's referrals is
read off one index alone (referrals.selectors.referral_visible_q's columns)."""

from django.db import migrations

FORWARD = """
DROP INDEX young_person_school_words;
CREATE INDEX young_person_school_trigrams ON referrals_youngperson
  USING gin (search_school gin_trgm_ops);
CREATE INDEX referral_young_person_scope ON referrals_referral (young_person_id)
  INCLUDE (id, area_id, raised_by_id, state, transfer_to_area_id, submitted_at);
"""

BACKWARD = """
DROP INDEX referral_young_person_scope;
DROP INDEX young_person_school_trigrams;
CREATE INDEX young_person_school_words ON referrals_youngperson
  USING gin (to_tsvector('simple'::regconfig, search_school));
"""


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0013_search_indexes"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
