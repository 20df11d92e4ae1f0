"""The search page, the header's search box and the referral list's search and filters."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Membership, Role, User
from audit.models import AuditAction, AuditEvent
from referrals.models import Rag, Referral
from tests.factories import member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

SEARCH = reverse("frontend:search")
LIST = reverse("frontend:referral-list")


def page(client: Client, path: str, **query: Any) -> str:
    response = client.get(path, query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def coordinator() -> User:
    return member(Role.COORDINATOR)


@pytest.fixture
def darren(coordinator: User) -> Referral:
    area = Membership.objects.get(user=coordinator).area
    return raise_referral(
        member(Role.PRACTITIONER, area=area),
        submit=True,
        given_name="Darren",
        family_name="Smith",
        aliases=["Daz"],
        date_of_birth=date(2010, 12, 18),
        nhs_number="9434765919",
        postcode="LS1 4AB",
        school="Hillside Academy",
    )


def test_the_page_without_a_search_gives_the_hint(client: Client, coordinator: User) -> None:
    sign_in(client, coordinator)
    html = page(client, SEARCH)
    assert "Search young people and referrals" in html
    assert "date of birth, NHS number, referral reference, postcode or school" in html
    assert "No young people or referrals match" not in html


def test_a_result_reads_in_words(client: Client, coordinator: User, darren: Referral) -> None:
    sign_in(client, coordinator)
    html = page(client, SEARCH, q="smyth 18/12/2010")
    assert "1 young person found" in html
    for shown in (
        "Darren Smith",
        "Also known as",
        "Daz",
        "18 December 2010",
        "943 476 5919",
        "LS1 4AB",
        "Hillside Academy",
        f"Referral {darren.reference}",
        "Submitted",
    ):
        assert shown in html
    assert f'href="{reverse("frontend:referral-detail", args=[darren.reference])}"' in html


def test_the_empty_state_says_what_was_searched(
    client: Client, coordinator: User, darren: Referral
) -> None:
    sign_in(client, coordinator)
    html = page(client, SEARCH, q="Nobody Known")
    assert "No young people or referrals match “Nobody Known”" in html
    assert "app-search-results__item" not in html


def test_out_of_scope_records_are_not_found_and_nothing_is_recorded(
    client: Client, darren: Referral
) -> None:
    outsider = member(Role.COORDINATOR)
    sign_in(client, outsider)
    html = page(client, SEARCH, q=darren.reference)
    assert "No young people or referrals match" in html
    assert "app-search-results__item" not in html
    assert not AuditEvent.objects.filter(actor=outsider, action=AuditAction.VIEW).exists()


def test_each_result_shown_is_recorded_as_seen(
    client: Client, coordinator: User, darren: Referral
) -> None:
    sign_in(client, coordinator)
    page(client, SEARCH, q="daz")
    seen = AuditEvent.objects.filter(actor=coordinator, action=AuditAction.VIEW)
    assert set(seen.values_list("object_type", "object_id")) == {
        ("referrals.youngperson", str(darren.young_person_id)),
        ("referrals.referral", str(darren.pk)),
    }


def test_results_are_paginated_in_a_fixed_number_of_queries(
    client: Client, coordinator: User, darren: Referral
) -> None:
    practitioner = darren.raised_by
    for _ in range(20):
        raise_referral(practitioner, submit=True, family_name="Smith")
    sign_in(client, coordinator)
    with CaptureQueriesContext(connection) as first:
        html = page(client, SEARCH, q="smith")
    assert "21 young people found" in html
    assert 'aria-label="Pages of search results"' in html
    assert "?q=smith&amp;page=2" in html
    with CaptureQueriesContext(connection) as second:
        html = page(client, SEARCH, q="smith", page=2)
    assert len(re.findall(r'class="app-search-results__item"', html)) == 1
    assert len(first) == len(second)


def test_roles_that_see_no_records_have_no_search(client: Client) -> None:
    board = member(Role.BOARD_MEMBER)
    sign_in(client, board)
    assert client.get(SEARCH, {"q": "smith"}).status_code == 403
    assert 'id="header-search"' not in page(client, reverse("frontend:home"))


def test_the_header_search_box_is_there_for_those_who_see_records(
    client: Client, coordinator: User
) -> None:
    sign_in(client, coordinator)
    html = page(client, reverse("frontend:home"))
    assert 'id="header-search"' in html
    assert f'action="{SEARCH}"' in html


def test_the_referral_list_searches_and_filters(
    client: Client, coordinator: User, darren: Referral
) -> None:
    other = raise_referral(darren.raised_by, submit=True, given_name="Zoë", family_name="Núñez")
    Referral.objects.filter(pk=other.pk).update(rag=Rag.RED)
    sign_in(client, coordinator)
    html = page(client, LIST)
    assert darren.reference in html and other.reference in html
    assert 'name="q"' in html and "Any status" in html and "Any rating" in html
    html = page(client, LIST, q="zoe nunez")
    assert other.reference in html and darren.reference not in html
    assert "1 referral matches" in html
    html = page(client, LIST, rag="red")
    assert other.reference in html and darren.reference not in html
    html = page(client, LIST, state="closed")
    assert "No referrals match your search and filters" in html
    html = page(client, LIST, rag="purple")
    assert darren.reference in html  # a value not offered is shown as an error and ignored
    assert "govuk-error-message" in html
