from __future__ import annotations

from typing import Any

import pytest

from api.services import api_token_create
from bench.generate import ensure_cast, generate_referrals
from bench.queries import count_queries
from bench.runner import _headers, _session_cookie
from bench.scenarios import SCENARIOS

pytestmark = pytest.mark.django_db


def test_healthz_needs_no_query() -> None:
    count = count_queries(SCENARIOS["healthz"], {})
    assert (count.status, count.queries) == (200, 0)


def test_referral_list_queries_are_counted_and_do_not_grow_with_the_data() -> None:
    generate_referrals(10, seed=1)
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


def test_the_triage_queue_page_is_counted_with_the_coordinators_session(settings: Any) -> None:
    settings.TWO_FACTOR_REQUIRED = False  # as under the bench settings
    generate_referrals(400, seed=1)
    cast = ensure_cast()
    scenario = SCENARIOS["triage_queue_page"]
    with _session_cookie(cast.coordinator) as cookie:
        few = count_queries(scenario, _headers(scenario, {}, cookie))
        generate_referrals(3000, seed=2)  # a longer queue
        many = count_queries(scenario, _headers(scenario, {}, cookie))
    assert few.status == many.status == 200
    assert few.queries == many.queries > 0
