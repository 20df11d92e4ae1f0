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

CREATE FUNCTION reports_referral_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM reports_mark_referral(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM reports_mark_referral(NEW); END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION reports_young_person_changed() RETURNS trigger AS $$
BEGIN
    INSERT INTO reports_staleday (area_id, day)
    SELECT r.area_id, (r.submitted_at AT TIME ZONE 'Europe/London')::date
    FROM referrals_referral r
    WHERE r.young_person_id = NEW.id AND r.submitted_at IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION reports_agency_changed() RETURNS trigger AS $$
BEGIN
    INSERT INTO reports_staleday (area_id, day)
    SELECT r.area_id, (r.submitted_at AT TIME ZONE 'Europe/London')::date
    FROM referrals_referral r
    WHERE r.raised_by_agency_id = NEW.id AND r.submitted_at IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION reports_missing_changed() RETURNS trigger AS $$
DECLARE area bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        SELECT area_id INTO area FROM referrals_referral WHERE id = OLD.referral_id;
        PERFORM reports_mark(area, OLD.started_at);
        PERFORM reports_mark(area, OLD.ended_at);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT area_id INTO area FROM referrals_referral WHERE id = NEW.referral_id;
        PERFORM reports_mark(area, NEW.started_at);
        PERFORM reports_mark(area, NEW.ended_at);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION reports_action_changed() RETURNS trigger AS $$
DECLARE area bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        SELECT area_id INTO area FROM referrals_referral WHERE id = OLD.referral_id;
        PERFORM reports_mark_day(area, OLD.due_on);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT area_id INTO area FROM referrals_referral WHERE id = NEW.referral_id;
        PERFORM reports_mark_day(area, NEW.due_on);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION reports_disruption_day(d disruption_disruptionactivity) RETURNS date AS $$
    SELECT COALESCE(d.served_on, d.issued_on, (d.created_at AT TIME ZONE 'Europe/London')::date)
$$ LANGUAGE sql IMMUTABLE;

CREATE FUNCTION reports_disruption_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM reports_mark_day(OLD.area_id, reports_disruption_day(OLD)); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM reports_mark_day(NEW.area_id, reports_disruption_day(NEW)); END IF;
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
FOR EACH ROW EXECUTE FUNCTION reports_referral_changed();

CREATE TRIGGER reports_stale_young_person
AFTER UPDATE OF sex, ethnicity, date_of_birth, estimated_age ON referrals_youngperson
FOR EACH ROW EXECUTE FUNCTION reports_young_person_changed();

CREATE TRIGGER reports_stale_agency
AFTER UPDATE OF agency_type ON agencies_agency
FOR EACH ROW EXECUTE FUNCTION reports_agency_changed();

CREATE TRIGGER reports_stale_missing
AFTER INSERT OR DELETE OR UPDATE OF referral_id, started_at, ended_at, interview, interview_on,
    interview_due_at ON referrals_missingepisode
FOR EACH ROW EXECUTE FUNCTION reports_missing_changed();

CREATE TRIGGER reports_stale_action
AFTER INSERT OR DELETE OR UPDATE OF referral_id, due_on, status, completed_at
    ON referrals_protectiveaction
FOR EACH ROW EXECUTE FUNCTION reports_action_changed();

CREATE TRIGGER reports_stale_disruption
AFTER INSERT OR DELETE OR UPDATE OF area_id, tactic_id, status, served_on, issued_on, created_at
    ON disruption_disruptionactivity
FOR EACH ROW EXECUTE FUNCTION reports_disruption_changed();
"""

DROP = """
DROP TRIGGER reports_stale_referral ON referrals_referral;
DROP TRIGGER reports_stale_young_person ON referrals_youngperson;
DROP TRIGGER reports_stale_agency ON agencies_agency;
DROP TRIGGER reports_stale_missing ON referrals_missingepisode;
DROP TRIGGER reports_stale_action ON referrals_protectiveaction;
DROP TRIGGER reports_stale_disruption ON disruption_disruptionactivity;
DROP FUNCTION reports_referral_changed(), reports_young_person_changed(),
    reports_agency_changed(), reports_missing_changed(), reports_action_changed(),
    reports_disruption_changed();
DROP FUNCTION reports_disruption_day(disruption_disruptionactivity);
DROP FUNCTION reports_mark_referral(referrals_referral);
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
