"""Search at scale: `python -m bench --scenario search --referrals 1000000`.

Builds an area of its own (so the other scenarios' figures stay as they were) with
`--referrals` referrals about half as many young people, in two INSERT … SELECT over
generate_series: names from lists wide enough that a full name has a handful of namesakes and a
family name a few thousand, some aliases and accented names, dates of birth over ten years,
NHS numbers from the range reserved for testing (999…), postcodes and schools. A tenth of the
referrals belong to a neighbouring area, out of the coordinator's scope.

Then it times, in this process, a realistic mix of searches a coordinator types (full names in
either order, starts of names, a family name with a date of birth, similar spellings, dates of
birth, NHS numbers, references, postcodes, schools) through:
- `selector`: referrals.search as the page and the API read it: the first page of young
  people found, their count, and the referrals shown with them;
- `page`: GET /search/?q= in-process, signed in, through every middleware, the view (which also
  records each result as seen) and the template.
Every result is checked to be in the coordinator's area: a search must not reach out of scope.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.core.paginator import Paginator
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import Area, Membership, Role
from referrals.models import Referral, YoungPerson
from referrals.search import (
    SOUNDS_FROM,
    parse,
    search_results,
    search_transaction,
    search_young_people,
)
from reports.rollups import rollups_rebuild

from .dashboard import page_client
from .generate import (
    COORDINATOR_AGENCY,
    OTHER_AREA_NAME,
    OTHER_AREA_ONS_CODE,
    PRACTITIONER_AGENCY,
    _history_triggers,
    _member,
    _user,
)
from .stats import ScenarioResult, percentile, summarise

NAME = "search"
AREA_ONS_CODE = "E99000902"  # never issued by the ONS
AREA_NAME = "Benchmark Search Partnership"
COORDINATOR_USERNAME = "bench-search-coordinator"
PRACTITIONER_USERNAME = "bench-search-practitioner"
PER_PAGE = 20  # as the search page
WARMUP = 20
OTHER_AREA_SHARE = 0.1

GIVEN_NAMES = (
    "Aaliyah", "Aaron", "Abdul", "Adam", "Aisha", "Alfie", "Amelia", "Amir", "Ava", "Bethany",
    "Bilal", "Brooke", "Caitlin", "Callum", "Charlie", "Chloé", "Connor", "Daniel", "Darren",
    "Declan", "Dylan", "Eleanor", "Ellie", "Emily", "Ethan", "Faith", "Finley", "Freya",
    "George", "Grace", "Hamza", "Hannah", "Harvey", "Ibrahim", "Isla", "Jack", "Jacob",
    "Jade", "Jayden", "José", "Kacper", "Kai", "Katie", "Kayla", "Kieran", "Layla", "Leah",
    "Leon", "Liam", "Lily", "Logan", "Łukasz", "Maisie", "Maryam", "Mason", "Megan", "Mia",
    "Mohammed", "Muhammad", "Nathan", "Niamh", "Noah", "Olivia", "Oscar", "Paige", "Riley",
    "Rhys", "Ruby", "Ryan", "Sadia", "Samuel", "Siobhán", "Sophie", "Tanisha", "Tyler",
    "Yusuf", "Zara", "Zoë", "Zofia", "Reece",
)  # fmt: skip
FAMILY_STEMS = (
    "Ash", "Black", "Brad", "Brook", "Carr", "Clay", "Cold", "Crom", "Dun", "Fair", "Fen",
    "Green", "Hal", "Hart", "Hay", "Holl", "Kirk", "Lang", "Lock", "Mar", "Mill", "Moor",
    "North", "Pen", "Rad", "Red", "Ship", "Stan", "Thorn", "West",
)  # fmt: skip
FAMILY_ENDINGS = (
    "ley", "ton", "field", "ford", "wood", "worth", "by", "ham", "more", "well", "stone",
)  # fmt: skip
FAMILY_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Khan", "Hussain", "Ahmed", "Begum", "Ali", "Kowalski", "Nowak", "O'Brien", "Murphy",
    "Núñez", "Müller", "Okafor", "Mensah", "Campbell", "Stewart", "McDonald", "Robinson",
    "Wright", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood", "Harris",
    "Lewis", "Martin", "Jackson", "Clarke", "Clark", "Turner", "Hill", "Scott", "Cooper",
    "Morris", "Ward", "Moore", "King", "Watson", "Baker",
    *(stem + ending for stem in FAMILY_STEMS for ending in FAMILY_ENDINGS),
)  # fmt: skip
NICKNAMES = ("Daz", "Tash", "Mo", "Jj", "Lil", "Bex", "Kaz", "Shaz", "Ty", "Zee", "Benji")
SCHOOL_PLACES = (
    "Hillside", "Riverside", "Oakwood", "Meadowbank", "St Mary's", "St John's", "Northfield",
    "Parkside", "Ashgrove", "Castle View", "Brookfield", "Beechwood", "Kingsway", "Westgate",
    "Holy Trinity", "Greenbank", "Moorside", "Fairfax", "Highcliffe", "Valley",
)  # fmt: skip
SCHOOL_KINDS = ("Academy", "High School", "Primary School", "College", "Catholic High School")
POSTCODE_AREAS = ("LS", "BD", "HX", "WF", "HD")
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# How a coordinator searches, and how often (weights).
QUERY_KINDS = {
    "full_name": 25,
    "family_then_given": 8,
    "name_starts": 12,
    "family_and_date_of_birth": 10,
    "similar_spelling": 8,
    "family_name_only": 5,
    "date_of_birth": 8,
    "nhs_number": 6,
    "reference": 10,
    "postcode": 5,
    "school": 3,
}


@dataclass(frozen=True)
class SearchCast:
    area: Area
    other_area: Area
    coordinator: Any
    practitioner: Any


def ensure_cast() -> SearchCast:
    area, _ = Area.objects.get_or_create(
        ons_code=AREA_ONS_CODE, defaults={"name": AREA_NAME, "region": "Nowhere"}
    )
    other, _ = Area.objects.get_or_create(
        ons_code=OTHER_AREA_ONS_CODE, defaults={"name": OTHER_AREA_NAME, "region": "Nowhere"}
    )
    coordinator = _user(COORDINATOR_USERNAME, "Search coordinator")
    practitioner = _user(PRACTITIONER_USERNAME, "Search practitioner")
    _member(coordinator, Role.COORDINATOR, area, COORDINATOR_AGENCY)
    _member(practitioner, Role.PRACTITIONER, area, PRACTITIONER_AGENCY)
    _member(practitioner, Role.PRACTITIONER, other, PRACTITIONER_AGENCY)
    return SearchCast(area, other, coordinator, practitioner)


@dataclass(frozen=True)
class SearchData:
    referrals: int
    young_people: int
    seconds: float
    rollup_rebuild_seconds: float


def _reserve(cursor: Any, sequence: str, count: int) -> int:
    """The first of `count` consecutive values taken from `sequence` at once."""
    cursor.execute("SELECT nextval(%s)", [sequence])
    (first,) = cursor.fetchone()
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return int(first)


# The history and rollup triggers are off during the load, the search columns' trigger with
# them (migration referrals 0013): the same functions fill those columns here.
PEOPLE_SQL = """
INSERT INTO referrals_youngperson (id, area_id, given_name, family_name, aliases,
    date_of_birth, nhs_number, postcode, school, sex, created_at,
    search_names, search_sounds, search_school)
SELECT p.*, young_person_names(p.given_name, p.family_name, p.aliases),
       name_sounds(young_person_names(p.given_name, p.family_name, p.aliases)),
       coalesce(search_fold(p.school), '')
FROM (
SELECT %(first)s + i - 1 AS id,
       CASE WHEN random() < %(other_share)s THEN %(other_area)s ELSE %(area)s END,
       (%(given)s::text[])[1 + floor(random() * %(given_count)s)::int] AS given_name,
       (%(family)s::text[])[1 + floor(random() * %(family_count)s)::int] AS family_name,
       CASE WHEN random() < 0.1
            THEN ARRAY[(%(nicknames)s::text[])[1 + floor(random() * %(nickname_count)s)::int]]
            ELSE '{}' END::varchar[] AS aliases,
       CASE WHEN random() < 0.96
            THEN current_date - (3000 + floor(random() * 3650))::int END,
       CASE WHEN random() < 0.7 THEN '999' || lpad(i::text, 7, '0') ELSE '' END,
       CASE WHEN random() < 0.9 THEN
           (%(postcode_areas)s::text[])[1 + floor(random() * 5)::int]
           || (1 + floor(random() * 30))::int || ' ' || floor(random() * 10)::int
           || substr(%(letters)s, 1 + floor(random() * 20)::int, 1)
           || substr(%(letters)s, 1 + floor(random() * 20)::int, 1)
       ELSE '' END,
       CASE WHEN random() < 0.85
            THEN (%(schools)s::text[])[1 + floor(random() * %(school_count)s)::int]
            ELSE '' END AS school,
       (ARRAY['female', 'male', 'not_known'])[1 + floor(random() * 3)::int],
       now() - random() * interval '4 years'
FROM generate_series(1, %(people)s) AS i
) AS p
"""

# Each referral is of a young person of the batch, in that person's area; most are closed, a
# few still drafts (seen by their raiser alone).
REFERRALS_SQL = """
INSERT INTO referrals_referral (id, reference, area_id, young_person_id, raised_by_id,
    raised_by_agency_id, state, narrative, created_at, submitted_at, rag)
SELECT %(first)s + j - 1,
       'R' || to_char(now(), 'YY') || '-'
           || lpad((%(first_number)s + j - 1)::text,
                   greatest(6, length((%(first_number)s + j - 1)::text)), '0'),
       p.area_id, p.id, %(raiser)s, %(agency)s, s.state,
       'Synthetic search benchmark concern.', s.created_at,
       CASE WHEN s.state <> 'draft' THEN s.created_at + interval '1 hour' END,
       CASE WHEN s.state <> 'draft'
            THEN (ARRAY['', 'red', 'amber', 'green'])[1 + floor(random() * 4)::int]
            ELSE '' END
FROM (
    SELECT j,
           %(first_person)s + floor(random() * %(people)s)::bigint AS person,
           CASE WHEN r < 0.80 THEN 'closed' WHEN r < 0.90 THEN 'active'
                WHEN r < 0.95 THEN 'withdrawn' WHEN r < 0.99 THEN 'draft'
                ELSE 'submitted' END AS state,
           now() - random() * interval '4 years' AS created_at
    FROM (SELECT j, random() AS r FROM generate_series(1, %(count)s) AS j) AS drawn
) AS s
JOIN referrals_youngperson AS p ON p.id = s.person
"""


def generate(count: int, *, seed: int, cast: SearchCast | None = None) -> SearchData:
    """Add `count` referrals and about half as many young people, in one transaction, with
    the tables' history and rollup triggers off (as any bulk import); the areas' rollups are
    rebuilt afterwards, as `manage.py rollups_check --repair` would."""
    started = time.perf_counter()
    cast = cast or ensure_cast()
    people = max(1, count // 2)
    agency = Membership.objects.get(user=cast.practitioner, area=cast.area).agency_id
    with transaction.atomic(), connection.cursor() as cursor:
        _history_triggers(cursor, enabled=False)
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        first_person = _reserve(cursor, "referrals_youngperson_id_seq", people)
        cursor.execute(
            PEOPLE_SQL,
            {
                "first": first_person,
                "people": people,
                "area": cast.area.pk,
                "other_area": cast.other_area.pk,
                "other_share": OTHER_AREA_SHARE,
                "given": list(GIVEN_NAMES),
                "given_count": len(GIVEN_NAMES),
                "family": list(FAMILY_NAMES),
                "family_count": len(FAMILY_NAMES),
                "nicknames": list(NICKNAMES),
                "nickname_count": len(NICKNAMES),
                "postcode_areas": list(POSTCODE_AREAS),
                "letters": POSTCODE_LETTERS,
                "schools": [f"{p} {k}" for p in SCHOOL_PLACES for k in SCHOOL_KINDS],
                "school_count": len(SCHOOL_PLACES) * len(SCHOOL_KINDS),
            },
        )
        cursor.execute(
            REFERRALS_SQL,
            {
                "first": _reserve(cursor, "referrals_referral_id_seq", count),
                "first_number": _reserve(cursor, "referral_reference_seq", count),
                "first_person": first_person,
                "people": people,
                "count": count,
                "raiser": cast.practitioner.pk,
                "agency": agency,
            },
        )
        _history_triggers(cursor, enabled=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_youngperson, referrals_referral")
    loaded = time.perf_counter()
    rollups_rebuild(area_ids=[cast.area.pk, cast.other_area.pk])
    return SearchData(
        referrals=count,
        young_people=people,
        seconds=loaded - started,
        rollup_rebuild_seconds=time.perf_counter() - loaded,
    )


def _similar(name: str) -> str:
    """Another spelling that sounds the same: i and y swapped, ph for f and the like, or
    else a single consonant doubled (Halton, Hallton). Names shorter than search hears
    (referrals.search.SOUNDS_FROM) stay as they are."""
    if len(name) < SOUNDS_FROM:
        return name
    for a, b in (("i", "y"), ("y", "i"), ("ph", "f"), ("ck", "k"), ("ou", "ow")):
        if a in name[1:]:
            return name[0] + name[1:].replace(a, b, 1)
    for at in range(1, len(name)):
        single = name[at - 1] != name[at] and name[at + 1 : at + 2] != name[at]
        if name[at] not in "aeiouy'" and single:
            return name[: at + 1] + name[at:]
    return name


def _text(kind: str, referral: Referral) -> str:
    """What a coordinator would type, of `kind`, to find `referral`'s young person."""
    person: YoungPerson = referral.young_person
    given, family, born = person.given_name, person.family_name, person.date_of_birth
    nhs = person.nhs_number
    texts: dict[str, Callable[[], str]] = {
        "full_name": lambda: f"{given} {family}",
        "family_then_given": lambda: f"{family.lower()} {given.lower()}",
        "name_starts": lambda: f"{given[:3]} {family[:4]}",
        "family_and_date_of_birth": lambda: f"{family} {born:%d/%m/%Y}",
        "similar_spelling": lambda: f"{given} {_similar(family)}",
        "family_name_only": lambda: family,
        "date_of_birth": lambda: f"{born:%-d %B %Y}",
        "nhs_number": lambda: f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}",
        "reference": lambda: referral.reference.lower(),
        "postcode": lambda: person.postcode.replace(" ", "").lower(),
        "school": lambda: person.school,
    }
    return texts[kind]()


def _possible(kind: str, person: YoungPerson) -> str:
    """`kind`, or another when the young person lacks what it searches by."""
    lacking = {
        "family_and_date_of_birth": person.date_of_birth is None,
        "date_of_birth": person.date_of_birth is None,
        "nhs_number": not person.nhs_number,
        "postcode": not person.postcode,
        "school": not person.school,
    }
    return "full_name" if lacking.get(kind) else kind


def queries(area: Area, count: int, seed: int) -> list[tuple[str, str]]:
    """`count` (kind, text) searches about young people of `area`, drawn from its records."""
    rng = random.Random(seed)
    sample = list(
        Referral.objects.filter(area=area)
        .exclude(state="draft")
        .select_related("young_person")
        .order_by("?")[: max(count, 1)]
    )
    if not sample:
        raise RuntimeError("the search area has no referrals: run without --skip-generate")
    kinds, weights = list(QUERY_KINDS), list(QUERY_KINDS.values())
    found = []
    for i in range(count):
        referral = sample[i % len(sample)]
        kind = _possible(rng.choices(kinds, weights)[0], referral.young_person)
        found.append((kind, _text(kind, referral)))
    return found


def settle() -> None:
    """Vacuum the tables searched, as autovacuum soon would after a bulk load (index-only
    scans need the visibility map). Outside any transaction."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) referrals_youngperson, referrals_referral")


class OutOfScope(Exception):
    pass


def selector_read(actor: Any, area: Area, text: str) -> int:
    """What the page and the API read for one search: the first page of young people, their
    count, and the referrals shown with them. Raises OutOfScope for a referral of another area."""
    with search_transaction():
        people = search_young_people(actor=actor, terms=parse(text))
        page = Paginator(people, PER_PAGE).get_page(1)
        results = search_results(actor=actor, people=list(page.object_list))
    if any(r.area_id != area.pk for result in results for r in result.referrals):
        raise OutOfScope(f"a search for {text!r} showed a referral of another area")
    return page.paginator.count


@dataclass(frozen=True)
class SearchResult:
    referrals_in_area: int
    young_people_in_area: int
    queries: int
    found_something: int  # searches that found at least one young person
    by_kind_p95_ms: dict[str, float]
    load_average: tuple[float, float]
    timings: list[ScenarioResult]


def run(*, cast: SearchCast, runs: int, seed: int) -> SearchResult:
    """Time `runs` searches of the mix, each through the selector and through the page,
    interleaved, after WARMUP untimed ones."""
    mix = queries(cast.area, WARMUP + runs, seed)
    client = page_client(cast.coordinator)
    path = reverse("frontend:search")

    def page(text: str) -> None:
        response = client.get(path, {"q": text})
        if response.status_code != 200:
            raise OutOfScope(f"the search page answered {response.status_code}")

    jobs: dict[str, Callable[[str], object]] = {
        "selector": lambda text: selector_read(cast.coordinator, cast.area, text),
        "page": page,
    }
    latencies: dict[str, list[float]] = {name: [] for name in jobs}
    by_kind: dict[str, list[float]] = {}
    found = 0
    before = os.getloadavg()[0]
    for index, (kind, text) in enumerate(mix):
        for name, job in jobs.items():
            started = time.perf_counter()
            outcome = job(text)
            elapsed = (time.perf_counter() - started) * 1000
            if index < WARMUP:
                continue
            latencies[name].append(elapsed)
            if name == "selector":
                by_kind.setdefault(kind, []).append(elapsed)
                found += bool(outcome)
    after = os.getloadavg()[0]
    paths = {
        "selector": "referrals.search: first page of young people, count, their referrals",
        "page": "GET /search/?q= (middleware, view, audit, template), signed in",
    }
    timings = [
        summarise(
            name=f"{NAME}_{name}",
            method="CALL",
            path=paths[name],
            latencies_ms=values,
            errors=0,
            elapsed_s=sum(values) / 1000,
            queries_per_request=None,
        )
        for name, values in latencies.items()
    ]
    return SearchResult(
        referrals_in_area=Referral.objects.filter(area=cast.area).count(),
        young_people_in_area=YoungPerson.objects.filter(area=cast.area).count(),
        queries=runs,
        found_something=found,
        by_kind_p95_ms={k: percentile(v, 95) for k, v in sorted(by_kind.items())},
        load_average=(before, after),
        timings=timings,
    )


def markdown(result: SearchResult) -> str:
    def ms(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1f}"

    rows = [
        f"Search in an area of {result.referrals_in_area:,} referrals and "
        f"{result.young_people_in_area:,} young people; {result.queries} searches of the mix "
        f"after {WARMUP} warm-up ones ({result.found_something} found someone); 1-minute load "
        f"average {result.load_average[0]:.1f} before, {result.load_average[1]:.1f} after.",
        "",
        "| Measured | p50 ms | p95 ms | p99 ms |",
        "|---|--:|--:|--:|",
        *(
            f"| {t.path} | {ms(t.p50_ms)} | {ms(t.p95_ms)} | {ms(t.p99_ms)} |"
            for t in result.timings
        ),
        "",
        "| Kind of search (selector) | p95 ms |",
        "|---|--:|",
        *(f"| {kind} | {value:.1f} |" for kind, value in result.by_kind_p95_ms.items()),
    ]
    return "\n".join(rows) + "\n"


def write(result: SearchResult, directory: Path, generated: SearchData | None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{NAME}.json"
    record = {
        "generated": asdict(generated) if generated else None,
        "at": timezone.now().isoformat(timespec="seconds"),
        **asdict(result),
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path
