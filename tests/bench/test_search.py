"""The search benchmark at a tiny scale, so that it cannot rot: the bulk load builds an area
that search finds its young people in, every kind of search in the mix finds the person it was
drawn from, and a run writes its figures. Nothing here is timed."""

from __future__ import annotations

import json

import pytest

from bench import search
from referrals.models import Referral, YoungPerson
from referrals.search import parse, search_young_people


@pytest.fixture
def cast(db: None) -> search.SearchCast:
    cast = search.ensure_cast()
    search.generate(400, seed=5, cast=cast)
    return cast


def test_the_load_builds_young_people_with_their_referrals(cast: search.SearchCast) -> None:
    mine = Referral.objects.filter(area=cast.area)
    theirs = Referral.objects.filter(area=cast.other_area)
    assert mine.count() + theirs.count() == 400
    assert theirs.exists() and mine.count() > theirs.count()
    assert not mine.exclude(young_person__area=cast.area).exists()
    people = YoungPerson.objects.filter(area=cast.area)
    assert people.exclude(nhs_number="").filter(nhs_number__startswith="999").exists()
    assert not people.exclude(nhs_number="").exclude(nhs_number__startswith="999").exists()
    assert people.exclude(school="").exists() and people.exclude(aliases=[]).exists()


def test_every_kind_of_search_finds_the_young_person_it_was_drawn_from(
    cast: search.SearchCast,
) -> None:
    for referral in Referral.objects.filter(area=cast.area).exclude(state="draft")[:40]:
        for kind in search.QUERY_KINDS:
            kind = search._possible(kind, referral.young_person)
            text = search._text(kind, referral)
            found = search_young_people(actor=cast.coordinator, terms=parse(text))
            assert referral.young_person_id in {p.pk for p in found}, (kind, text)


def test_a_run_times_the_selector_and_the_page_and_writes_its_figures(
    cast: search.SearchCast, tmp_path
) -> None:
    result = search.run(cast=cast, runs=3, seed=2)
    assert [t.name for t in result.timings] == ["search_selector", "search_page"]
    assert all(t.requests == 3 and t.p95_ms for t in result.timings)
    assert result.found_something == 3
    path = search.write(result, tmp_path, None)
    assert json.loads(path.read_text())["queries"] == 3
    assert "| Kind of search (selector) | p95 ms |" in search.markdown(result)
