"""Triggers that mark an area's day stale in the same transaction as the change that makes its
rollups out of date (reports.rollups recounts it). A change cannot commit without its mark, so
no path (a service, the admin, a bulk load, SQL by hand) can leave a rollup wrong unnoticed."""

from django.db import migrations

FUNCTIONS = """
CREATE FUNCTION reports_mark_day(area bigint, day date) RETURNS void AS $$
BEGIN
    IF area IS NOT NULL AND day IS NOT NULL THEN
        INSERT INTO reports_staleday (area_id, day) VALUES (area, day) ON CONFLICT DO NOTHING;
    END IF;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION reports_mark(area bigint, moment timestamptz) RETURNS void AS $$
BEGIN
    PERFORM reports_mark_day(area, (moment AT TIME ZONE 'Europe/London')::date);
END $$ LANGUAGE plpgsql;

-- The days a referral counts on, and the days of the same young person's referrals that may
-- start or stop being repeats because of it.
CREATE FUNCTION reports_mark_referral(r referrals_referral) RETURNS void AS $$
BEGIN
    PERFORM reports_mark(r.area_id, r.submitted_at);
    PERFORM reports_mark(r.area_id, GREATEST(r.submitted_at, r.created_at));
    PERFORM reports_mark(r.area_id, r.decided_at);
    PERFORM reports_mark(r.area_id, r.closed_at);
    INSERT INTO reports_staleday (area_id, day)
    SELECT p.area_id, (p.submitted_at AT TIME ZONE 'Europe/London')::date
    FROM referrals_referral p
    WHERE p.young_person_id = r.young_person_id AND p.submitted_at > r.submitted_at
    ON CONFLICT DO NOTHING;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION reports_mark_missing(m referrals_missingepisode) RETURNS void AS $$
DECLARE area bigint := (SELECT area_id FROM referrals_referral WHERE id = m.referral_id);
BEGIN
    PERFORM reports_mark(area, m.started_at);
    PERFORM reports_mark(area, m.ended_at);
END $$ LANGUAGE plpgsql;

CREATE FUNCTION reports_mark_action(a referrals_protectiveaction) RETURNS void AS $$
BEGIN
    PERFORM reports_mark_day(
        (SELECT area_id FROM referrals_referral WHERE id = a.referral_id), a.due_on);
END $$ LANGUAGE plpgsql;

CREATE FUNCTION reports_mark_disruption(d disruption_disruptionactivity) RETURNS void AS $$
BEGIN
    PERFORM reports_mark_day(d.area_id, COALESCE(
        d.served_on, d.issued_on, (d.created_at AT TIME ZONE 'Europe/London')::date));
END $$ LANGUAGE plpgsql;

-- A changed row marks the days it counted on and those it counts on now, through the
-- reports_mark_* function its trigger names.
CREATE FUNCTION reports_row_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN EXECUTE format('SELECT %I($1)', TG_ARGV[0]) USING OLD; END IF;
    IF TG_OP <> 'DELETE' THEN EXECUTE format('SELECT %I($1)', TG_ARGV[0]) USING NEW; END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

-- A young person or agency counted differently marks the day of every concern submitted with
-- it; the trigger names the referral's column that points at the row.
CREATE FUNCTION reports_submissions_changed() RETURNS trigger AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO reports_staleday (area_id, day)'
        ' SELECT area_id, (submitted_at AT TIME ZONE ''Europe/London'')::date'
        ' FROM referrals_referral WHERE %I = $1 AND submitted_at IS NOT NULL'
        ' ON CONFLICT DO NOTHING',
        TG_ARGV[0]
    ) USING NEW.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

REFERRAL_COLUMNS = (
    "area_id, young_person_id, raised_by_agency_id, state, exploitation_type, "
    "exploitation_models, submitted_at, created_at, decided_at, decision, triage_due_at, "
    "risk_level, outcome, closed_at, transferred_from_id"
)

TRIGGERS = f"""
CREATE TRIGGER reports_stale_referral
AFTER INSERT OR DELETE OR UPDATE OF {REFERRAL_COLUMNS} ON referrals_referral
FOR EACH ROW EXECUTE FUNCTION reports_row_changed('reports_mark_referral');

CREATE TRIGGER reports_stale_young_person
AFTER UPDATE OF sex, ethnicity, date_of_birth, estimated_age ON referrals_youngperson
FOR EACH ROW EXECUTE FUNCTION reports_submissions_changed('young_person_id');

CREATE TRIGGER reports_stale_agency
AFTER UPDATE OF agency_type ON agencies_agency
FOR EACH ROW EXECUTE FUNCTION reports_submissions_changed('raised_by_agency_id');

CREATE TRIGGER reports_stale_missing
AFTER INSERT OR DELETE OR UPDATE OF referral_id, started_at, ended_at, interview, interview_on,
    interview_due_at ON referrals_missingepisode
FOR EACH ROW EXECUTE FUNCTION reports_row_changed('reports_mark_missing');

CREATE TRIGGER reports_stale_action
AFTER INSERT OR DELETE OR UPDATE OF referral_id, due_on, status, completed_at
    ON referrals_protectiveaction
FOR EACH ROW EXECUTE FUNCTION reports_row_changed('reports_mark_action');

CREATE TRIGGER reports_stale_disruption
AFTER INSERT OR DELETE OR UPDATE OF area_id, tactic_id, status, served_on, issued_on, created_at
    ON disruption_disruptionactivity
FOR EACH ROW EXECUTE FUNCTION reports_row_changed('reports_mark_disruption');
"""

DROP = """
DROP TRIGGER reports_stale_referral ON referrals_referral;
DROP TRIGGER reports_stale_young_person ON referrals_youngperson;
DROP TRIGGER reports_stale_agency ON agencies_agency;
DROP TRIGGER reports_stale_missing ON referrals_missingepisode;
DROP TRIGGER reports_stale_action ON referrals_protectiveaction;
DROP TRIGGER reports_stale_disruption ON disruption_disruptionactivity;
DROP FUNCTION reports_row_changed(), reports_submissions_changed();
DROP FUNCTION reports_mark_referral(referrals_referral),
    reports_mark_missing(referrals_missingepisode), reports_mark_action(referrals_protectiveaction),
    reports_mark_disruption(disruption_disruptionactivity);
DROP FUNCTION reports_mark(bigint, timestamptz);
DROP FUNCTION reports_mark_day(bigint, date);
"""

# The recount reads referrals by area and each of its dates.
INDEXES = """
CREATE INDEX reports_referral_submitted ON referrals_referral (area_id, submitted_at);
CREATE INDEX reports_referral_decided ON referrals_referral (area_id, decided_at)
    INCLUDE (submitted_at, created_at, triage_due_at, decision, state);
CREATE INDEX reports_referral_closed ON referrals_referral (area_id, closed_at);
CREATE INDEX reports_referral_arrived ON referrals_referral
    (area_id, GREATEST(submitted_at, created_at));
CREATE INDEX reports_referral_young_person ON referrals_referral (young_person_id, submitted_at);
CREATE INDEX reports_missing_started ON referrals_missingepisode (started_at);
CREATE INDEX reports_missing_ended ON referrals_missingepisode (ended_at);
CREATE INDEX reports_action_due ON referrals_protectiveaction (due_on);
"""

DROP_INDEXES = """
DROP INDEX reports_referral_submitted, reports_referral_decided, reports_referral_closed,
    reports_referral_arrived, reports_referral_young_person, reports_missing_started,
    reports_missing_ended, reports_action_due;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_rollups"),
        ("referrals", "0012_referral_exploitation_type"),
        ("disruption", "0005_person_name_signatures"),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS + TRIGGERS, DROP),
        migrations.RunSQL(INDEXES, DROP_INDEXES),
    ]
