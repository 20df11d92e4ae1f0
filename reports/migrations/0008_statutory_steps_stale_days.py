"""Triggers that mark stale the days a strategy discussion, a section 47 enquiry or an NRM
referral counts on, in the change's own transaction (as migration 0002 does for the others)."""

from django.db import migrations

FUNCTIONS = """
CREATE FUNCTION reports_mark_strategy_discussion(d referrals_strategydiscussion)
RETURNS void AS $$
BEGIN
    PERFORM reports_mark_day(
        (SELECT area_id FROM referrals_referral WHERE id = d.referral_id), d.held_on);
END $$ LANGUAGE plpgsql;

CREATE FUNCTION reports_mark_section_47(e referrals_section47enquiry) RETURNS void AS $$
BEGIN
    PERFORM reports_mark_day(
        (SELECT area_id FROM referrals_referral WHERE id = e.referral_id), e.started_on);
END $$ LANGUAGE plpgsql;

CREATE FUNCTION reports_mark_nrm(n referrals_nrmreferral) RETURNS void AS $$
DECLARE area bigint := (SELECT area_id FROM referrals_referral WHERE id = n.referral_id);
BEGIN
    PERFORM reports_mark_day(area, n.referred_on);
    PERFORM reports_mark_day(area, n.reasonable_grounds_on);
    PERFORM reports_mark_day(area, n.conclusive_grounds_on);
END $$ LANGUAGE plpgsql;

CREATE TRIGGER reports_stale_strategy_discussion
AFTER INSERT OR DELETE OR UPDATE OF referral_id, held_on, section_47
    ON referrals_strategydiscussion
FOR EACH ROW EXECUTE FUNCTION reports_row_changed('reports_mark_strategy_discussion');

CREATE TRIGGER reports_stale_section_47
AFTER INSERT OR DELETE OR UPDATE OF referral_id, started_on, outcome
    ON referrals_section47enquiry
FOR EACH ROW EXECUTE FUNCTION reports_row_changed('reports_mark_section_47');

CREATE TRIGGER reports_stale_nrm
AFTER INSERT OR DELETE OR UPDATE OF referral_id, referred_on, reasonable_grounds,
    reasonable_grounds_on, conclusive_grounds, conclusive_grounds_on ON referrals_nrmreferral
FOR EACH ROW EXECUTE FUNCTION reports_row_changed('reports_mark_nrm');
"""

DROP = """
DROP TRIGGER reports_stale_strategy_discussion ON referrals_strategydiscussion;
DROP TRIGGER reports_stale_section_47 ON referrals_section47enquiry;
DROP TRIGGER reports_stale_nrm ON referrals_nrmreferral;
DROP FUNCTION reports_mark_strategy_discussion(referrals_strategydiscussion),
    reports_mark_section_47(referrals_section47enquiry), reports_mark_nrm(referrals_nrmreferral);
"""

# The recount reads the decisions by their dates too (the referral date has its own index).
INDEXES = """
CREATE INDEX reports_nrm_reasonable ON referrals_nrmreferral (reasonable_grounds_on);
CREATE INDEX reports_nrm_conclusive ON referrals_nrmreferral (conclusive_grounds_on);
"""

DROP_INDEXES = "DROP INDEX reports_nrm_reasonable, reports_nrm_conclusive;"


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0007_dates_in_range"),
        ("referrals", "0019_strategy_discussions_section_47_nrm_referrals"),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS, DROP),
        migrations.RunSQL(INDEXES, DROP_INDEXES),
    ]
