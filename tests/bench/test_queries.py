from __future__ import annotations

import pytest

from api.services import api_token_create
from bench.generate import generate_referrals
from bench.queries import count_queries
from bench.scenarios import SCENARIOS

pytestmark = pytest.mark.django_db


def test_healthz_needs_no_query() -> None:
    count = count_queries(SCENARIOS["healthz"], {})
    assert (count.status, count.queries) == (200, 0)


def test_referral_list_queries_are_counted_and_do_not_grow_with_the_data() -> None:
    generate_referrals(10, seed=1)
    from bench.generate import ensure_cast

    _, secret = api_token_create(actor=ensure_cast().coordinator, name="t", lifetime_days=1)
    headers = {"Authorization": f"Bearer {secret}"}
    few = count_queries(SCENARIOS["referral_list_api"], headers)
    generate_referrals(60, seed=2)  # more than one page
    many = count_queries(SCENARIOS["referral_list_api"], headers)

    assert few.status == many.status == 200
    assert few.queries > 0
    assert many.queries == few.queries


def test_a_failing_request_reports_its_status_rather_than_raising() -> None:
    count = count_queries(SCENARIOS["referral_list_api"], {"Authorization": "Bearer wrong"})
    assert count.status == 401
