"""Search for young people (referrals.search): the folding functions, the columns they fill and
their indexes.

unaccent is only STABLE (its dictionary could change), so the folding is wrapped in IMMUTABLE
functions that name the dictionary: an index may then be built on them. The query side calls
the same functions, so what is indexed and what is asked are folded alike.
"""

from django.db import migrations

FUNCTIONS = r"""
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

-- Lower case, no accents, apostrophes dropped (O'Brien is obrien), any other punctuation a
-- space (Smith-Jones is two words).
CREATE FUNCTION search_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
AS $$
  SELECT btrim(regexp_replace(
    regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, value)),
                   '[''`’]', '', 'g'),
    '[^[:alnum:]]+', ' ', 'g'))
$$;

-- Every name a young person is known by, folded: given and family names and aliases.
CREATE FUNCTION young_person_names(given text, family text, aliases varchar[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT search_fold(concat_ws(' ', given, family, array_to_string(aliases, ' ')))
$$;

-- How each word sounds (Double Metaphone): Smith and Smyth, Mohammed and Muhammad agree.
CREATE FUNCTION name_sounds(names text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT coalesce(array_agg(DISTINCT code), '{}')
  FROM (SELECT dmetaphone(word) AS code FROM unnest(string_to_array(names, ' ')) AS word) AS s
  WHERE code <> ''
$$;

-- A postcode as "LS1 4AB" however it was typed; an outward code alone ("LS1") is kept.
CREATE FUNCTION postcode_key(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
AS $$
  SELECT CASE WHEN length(p) > 4 THEN left(p, -3) || ' ' || right(p, 3) ELSE p END
  FROM (SELECT upper(regexp_replace(value, '[^[:alnum:]]', '', 'g')) AS p) AS s
$$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION postcode_key(text);
DROP FUNCTION name_sounds(text);
DROP FUNCTION young_person_names(text, text, varchar[]);
DROP FUNCTION search_fold(text);
"""

# What search reads, kept beside each row by a trigger so that no query folds names row by row:
# the folded names and school, and how each name word sounds. Not model fields: the pages and
# the API never show them, and referrals.search reads them by name.

# Written for a whole table (the backfill here, the benchmark's bulk load), as the trigger does
# for one row.
FILL = (
    "search_names = young_person_names(given_name, family_name, aliases), "
    "search_sounds = name_sounds(young_person_names(given_name, family_name, aliases)), "
    "search_school = coalesce(search_fold(school), '')"
)

COLUMNS = r"""
ALTER TABLE referrals_youngperson
  ADD COLUMN search_names text NOT NULL DEFAULT '',
  ADD COLUMN search_sounds text[] NOT NULL DEFAULT '{}',
  ADD COLUMN search_school text NOT NULL DEFAULT '';

CREATE FUNCTION young_person_search_columns() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_names := young_person_names(NEW.given_name, NEW.family_name, NEW.aliases);
  NEW.search_sounds := name_sounds(NEW.search_names);
  NEW.search_school := coalesce(search_fold(NEW.school), '');
  RETURN NEW;
END
$$;

CREATE TRIGGER young_person_search_columns
  BEFORE INSERT OR UPDATE OF given_name, family_name, aliases, school
  ON referrals_youngperson FOR EACH ROW EXECUTE FUNCTION young_person_search_columns();
"""

# The rows already there, filled without their history or rollup triggers: nothing a person
# wrote changes.
BACKFILL = (
    "ALTER TABLE referrals_youngperson DISABLE TRIGGER USER",
    f"UPDATE referrals_youngperson SET {FILL}",  # noqa: S608 - no input in the text
    "ALTER TABLE referrals_youngperson ENABLE TRIGGER USER",
)

DROP_COLUMNS = """
DROP TRIGGER young_person_search_columns ON referrals_youngperson;
DROP FUNCTION young_person_search_columns();
ALTER TABLE referrals_youngperson
  DROP COLUMN search_names, DROP COLUMN search_sounds, DROP COLUMN search_school;
"""

INDEXES = """
CREATE INDEX young_person_name_words ON referrals_youngperson
  USING gin (to_tsvector('simple'::regconfig, search_names));
CREATE INDEX young_person_name_sounds ON referrals_youngperson USING gin (search_sounds);
CREATE INDEX young_person_name_trigrams ON referrals_youngperson
  USING gin (search_names gin_trgm_ops);
CREATE INDEX young_person_school_words ON referrals_youngperson
  USING gin (to_tsvector('simple'::regconfig, search_school));
CREATE INDEX young_person_postcode_key ON referrals_youngperson
  (postcode_key(postcode) text_pattern_ops) WHERE postcode <> '';
CREATE INDEX young_person_nhs_number ON referrals_youngperson (nhs_number)
  WHERE nhs_number <> '';
CREATE INDEX young_person_date_of_birth ON referrals_youngperson (date_of_birth)
  WHERE date_of_birth IS NOT NULL;
"""

DROP_INDEXES = """
DROP INDEX young_person_name_words;
DROP INDEX young_person_name_sounds;
DROP INDEX young_person_name_trigrams;
DROP INDEX young_person_school_words;
DROP INDEX young_person_postcode_key;
DROP INDEX young_person_nhs_number;
DROP INDEX young_person_date_of_birth;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0012_referral_exploitation_type"),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(COLUMNS, DROP_COLUMNS),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.RunSQL(INDEXES, DROP_INDEXES),
    ]
