"""Finding young people and their referrals from one search box, within need to know.

What a search may hold, in any order and mixed (every part must match):
- names: given or family names and aliases, in any order, each word a whole word or its
  start ("dar smi" finds Darren Smith), without regard to case or accents, or a word that
  sounds the same (Smyth finds Smith: Double Metaphone); when nothing matches so, names
  spelt much like the words (trigrams: "Smtih");
- a date of birth: 18/12/2010, 18-12-2010, 18.12.10, 2010-12-18 or 18 December 2010;
- an NHS number (ten digits, spaces allowed), a referral's reference (R26-000123);
- a postcode ("LS1 4AB", "ls14ab") or its outward code alone ("LS1");
- part of a school's name ("hillside acad", "mary's").

Scope is that of the referral list (selectors.referral_visible_q): a young person is found only
through a referral the user may see, and only those referrals are shown with them, so a search
never reveals that an out-of-scope record exists. Emergency (break-glass) access stays the only
way across. The indexes are in migration 0013; the SQL functions named here are defined there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from copy import copy
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, overload

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Exists,
    Expression,
    F,
    Field,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.expressions import Col

from .audited_reads import records_seen
from .models import Referral, YoungPerson
from .selectors import referral_full_q, referral_list, referral_visible_q

MAX_QUERY_LENGTH = 200
# Young people a search lists at most, best first: a wider search is asked to be narrowed.
MAX_RESULTS = 500
HINT = (
    "Search by name (or part of one, or an alias), date of birth, NHS number, referral "
    "reference, postcode or school"
)

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_REFERENCE = re.compile(r"\b(R)(\d{2})-(\d{1,9})\b", re.IGNORECASE)
_NHS_NUMBER = re.compile(r"(?<![\d/.-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d/.-])")
_DAY_FIRST = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b")
_YEAR_FIRST = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_IN_WORDS = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(" + "|".join(_MONTHS) + r")\.?\s+(\d{4})\b", re.IGNORECASE
)
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b", re.IGNORECASE)
_OUTWARD_CODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$", re.IGNORECASE)
# Letters unaccent turns into two, or that have no combining accent to drop.
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d"})


def fold(text: str) -> list[str]:
    """The words of `text` as the database's search_fold() leaves them: lower case, accents
    gone, apostrophes dropped, any other punctuation a break between words."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['`’]", "", text)
    return [word for word in re.split(r"[\W_]+", text) if word]


@dataclass(frozen=True)
class SearchTerms:
    """What a search asks for, each part already in the form it is stored in."""

    words: tuple[str, ...] = ()  # names or a school's, folded
    dates_of_birth: tuple[date, ...] = ()
    nhs_numbers: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()  # "LS1 4AB"
    outward_codes: tuple[str, ...] = ()  # "LS1"
    references: tuple[str, ...] = ()
    impossible: bool = False  # a date that does not exist: nothing can match

    @property
    def empty(self) -> bool:
        return not (
            self.words
            or self.dates_of_birth
            or self.nhs_numbers
            or self.postcodes
            or self.outward_codes
            or self.references
            or self.impossible
        )


def _date(day: int, month: int, year: int, today: date) -> date | None:
    if year < 100:  # 18/12/10: the latest such year not after this one
        year += 2000 if 2000 + year <= today.year else 1900
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse(text: str, *, today: date | None = None) -> SearchTerms:
    """Split a search into its parts. Dates, NHS numbers, references and postcodes are taken
    out first; what is left are words."""
    today = today or date.today()
    rest = text.replace("\x00", " ")[:MAX_QUERY_LENGTH]
    found: dict[str, list[Any]] = {
        "references": [],
        "nhs_numbers": [],
        "dates_of_birth": [],
        "postcodes": [],
    }
    impossible = False

    def take(pattern: re.Pattern[str], kind: str, make: Any) -> None:
        nonlocal rest, impossible

        def one(match: re.Match[str]) -> str:
            nonlocal impossible
            value = make(match)
            if value is None:
                impossible = True
            else:
                found[kind].append(value)
            return " "

        rest = pattern.sub(one, rest)

    take(_REFERENCE, "references", lambda m: f"R{m[2]}-{int(m[3]):06d}")
    take(_YEAR_FIRST, "dates_of_birth", lambda m: _date(int(m[3]), int(m[2]), int(m[1]), today))
    take(_DAY_FIRST, "dates_of_birth", lambda m: _date(int(m[1]), int(m[2]), int(m[3]), today))
    take(
        _IN_WORDS,
        "dates_of_birth",
        lambda m: _date(int(m[1]), _MONTHS[m[2].lower()], int(m[3]), today),
    )
    take(_NHS_NUMBER, "nhs_numbers", lambda m: m[1] + m[2] + m[3])
    take(_POSTCODE, "postcodes", lambda m: f"{m[1].upper()} {m[2].upper()}")
    outward = [token.upper() for token in rest.split() if _OUTWARD_CODE.match(token)]
    words = [
        word for token in rest.split() if not _OUTWARD_CODE.match(token) for word in fold(token)
    ]
    return SearchTerms(
        words=tuple(dict.fromkeys(words)),
        dates_of_birth=tuple(dict.fromkeys(found["dates_of_birth"])),
        nhs_numbers=tuple(dict.fromkeys(found["nhs_numbers"])),
        postcodes=tuple(dict.fromkeys(found["postcodes"])),
        outward_codes=tuple(dict.fromkeys(outward)),
        references=tuple(dict.fromkeys(found["references"])),
        impossible=impossible,
    )


class _Stored(Expression):
    """A column of the young person's row that migration 0013's trigger keeps for search
    (search_names, search_sounds, search_school): not a model field, read by name."""

    def __init__(self, column: str, output_field: Field[Any, Any]) -> None:
        super().__init__(output_field=output_field)
        self.column = column

    def resolve_expression(  # type: ignore[override]  # becomes the column itself
        self, query: Any = None, *args: Any, **kwargs: Any
    ) -> Col:
        target = copy(self.output_field)
        target.column = self.column
        return Col(query.get_initial_alias(), target)


def _names() -> _Stored:
    return _Stored("search_names", TextField())


def _operator(left: Any, operator: str, right: Any) -> Func:
    return Func(left, right, arg_joiner=f" {operator} ", template="(%(expressions)s)",
                output_field=BooleanField())  # fmt: skip


def _words_match(column: Any, word: str) -> Q:
    """The folded text in `column` has a word starting with `word` (full text, prefix)."""
    vector = Func(column, template="to_tsvector('simple'::regconfig, %(expressions)s)")
    query = Func(Value(f"{word}:*"), template="to_tsquery('simple'::regconfig, %(expressions)s)")
    return Q(_operator(vector, "@@", query))


# A word this short sounds like too many others to stand for them.
SOUNDS_FROM = 4
# How much of a misspelt word's trigrams a name must share (pg_trgm's word similarity): at
# 0.5, "Kowalksi" finds Kowalski and "Smiht" Smith.
SPELT_ALIKE = 0.5


def _names_match(words: tuple[str, ...], *, fuzzy: bool) -> Q:
    """Each word starts one of the names, or sounds like one (Double Metaphone); `fuzzy`:
    or is spelt much like one (trigrams), for a search nothing else matched."""
    matches = Q()
    for word in words:
        either = _words_match(_names(), word)
        if len(word) >= SOUNDS_FROM and word.isalpha():
            sounds = Func(Value(word), function="name_sounds")
            either |= Q(_operator(_Stored("search_sounds", TextField()), "@>", sounds))
        if fuzzy:
            either |= Q(_operator(Value(word), "<%%", _names()))  # %% for the driver
        matches &= either
    return matches


def _school_matches(words: tuple[str, ...]) -> Q:
    """The words, in order, are part of the school's name ("hillside acad"): trigrams find
    the candidates, the stored folded name confirms them."""
    school = _Stored("search_school", TextField())
    return Q(_operator(school, "LIKE", Value(f"%{' '.join(words)}%")))


def _people_matching(terms: SearchTerms, *, fuzzy: bool = False) -> QuerySet[YoungPerson]:
    """Young people whose own details match the terms, in any area: callers add the scope."""
    people = YoungPerson.objects.filter(merged_into__isnull=True)
    if terms.impossible:
        return people.none()
    for born in terms.dates_of_birth:
        people = people.filter(date_of_birth=born)
    for number in terms.nhs_numbers:
        people = people.filter(nhs_number=number)
    if terms.postcodes or terms.outward_codes:
        # As the index is: postcode_key() over the young people with a postcode.
        key = Func(F("postcode"), function="postcode_key", output_field=TextField())
        people = people.alias(postcode_key=key).exclude(postcode="")
        for postcode in terms.postcodes:
            people = people.filter(postcode_key=postcode)
        for outward in terms.outward_codes:
            people = people.filter(postcode_key__startswith=f"{outward} ")
    if terms.words:
        names = _names_match(terms.words, fuzzy=fuzzy)
        people = people.filter(names if fuzzy else names | _school_matches(terms.words))
    return people


@contextmanager
def search_transaction() -> Iterator[None]:
    """The transaction a search is read in, with what it showed recorded. Its queries are
    short: compiling them just in time (PostgreSQL's jit) cost more than running them, and
    parallel workers more to start than they saved (bench/search.py). It also sets how alike
    a misspelt word must be to a name (the trigram fallback)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0;"
            f"SET LOCAL pg_trgm.word_similarity_threshold = {SPELT_ALIKE}"
        )
        yield


class Found(Sequence[YoungPerson]):
    """The young people a search found, best first: their ids read in one query, their rows a
    page at a time (a Paginator slices it)."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> YoungPerson: ...

    @overload
    def __getitem__(self, index: slice) -> list[YoungPerson]: ...

    def __getitem__(self, index: int | slice) -> YoungPerson | list[YoungPerson]:
        if isinstance(index, int):
            return self[index : index + 1 or None][0]
        ids = self.ids[index]
        rows = YoungPerson.objects.in_bulk(ids)
        return [rows[pk] for pk in ids]


def search_young_people(*, actor: Any, terms: SearchTerms) -> Found:
    """Young people matching `terms` with at least one referral `actor` may see (and, when a
    reference is asked for, that referral): those whose names match best first, MAX_RESULTS
    at most. When no name starts with or sounds like the words, names spelt much like them are
    found instead. Read it inside search_transaction()."""
    if terms.empty:
        return Found([])
    seen = Referral.objects.filter(referral_visible_q(user=actor), young_person=OuterRef("pk"))
    if terms.references:
        seen = seen.filter(reference__in=terms.references)
    order: list[Any] = ["family_name", "given_name", "id"]
    if terms.words:
        order.insert(0, Func(
            _names(), Value(" ".join(terms.words)), function="similarity",
            output_field=FloatField(),
        ).desc())  # fmt: skip

    def best(people: QuerySet[YoungPerson]) -> list[int]:
        return list(
            people.filter(Exists(seen)).order_by(*order).values_list("pk", flat=True)[:MAX_RESULTS]
        )

    ids = best(_people_matching(terms))
    if terms.words and not ids:
        ids = best(_people_matching(terms, fuzzy=True))
    return Found(ids)


def search_referrals(
    *, actor: Any, terms: SearchTerms, state: str = "", rag: str = ""
) -> QuerySet[Referral]:
    """The referral list (newest first, within scope), narrowed to referrals of the young
    people who match `terms` (and with the references asked for), and to a status and RAG."""
    referrals = referral_list(user=actor)
    if state:
        referrals = referrals.filter(state=state)
    if rag:
        referrals = referrals.filter(rag=rag)
    if terms.references:
        referrals = referrals.filter(reference__in=terms.references)
    personal = replace(terms, references=())
    if personal.empty:
        return referrals
    return referrals.filter(young_person__in=_people_matching(personal).values("pk"))


@dataclass(frozen=True)
class SearchResult:
    young_person: YoungPerson
    referrals: list[Referral]  # those the actor may see, newest first
    full: bool  # the actor sees one of them in full: the young person's details may be shown


def search_results(*, actor: Any, people: list[YoungPerson]) -> list[SearchResult]:
    """Each young person found with the referrals of theirs `actor` may see (two queries)."""
    referrals = list(
        Referral.objects.filter(
            referral_visible_q(user=actor), young_person__in=[p.pk for p in people]
        )
        .select_related("area")
        .order_by("-created_at", "-id")
    )
    full = set(
        Referral.objects.filter(
            referral_full_q(user=actor), pk__in=[r.pk for r in referrals]
        ).values_list("pk", flat=True)
    )
    return [
        SearchResult(
            young_person=person,
            referrals=[r for r in referrals if r.young_person_id == person.pk],
            full=any(r.pk in full for r in referrals if r.young_person_id == person.pk),
        )
        for person in people
    ]


def search_results_seen(*, actor: Any, results: list[SearchResult], request: Any = None) -> None:
    """Record that `actor` was shown each young person and referral of `results` (the one
    write of a search: call it in the read's transaction)."""
    shown: list[Any] = [result.young_person for result in results]
    shown += [referral for result in results for referral in result.referrals]
    records_seen(actor=actor, records=shown, request=request)
