from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench import scenarios
from bench.scenarios import SCENARIOS, Scenario, register, selected


@pytest.fixture
def clean_registry() -> Iterator[None]:
    saved = dict(SCENARIOS)
    yield
    SCENARIOS.clear()
    SCENARIOS.update(saved)


def test_first_scenarios_are_registered() -> None:
    health = SCENARIOS["healthz"]
    assert (health.method, health.path, health.auth) == ("GET", "/healthz", False)
    api = SCENARIOS["referral_list_api"]
    assert (api.method, api.path, api.auth) == ("GET", "/api/v1/referrals/", True)


@pytest.mark.usefixtures("clean_registry")
def test_register_adds_a_scenario_that_runs_by_default() -> None:
    added = register(Scenario("extra", "GET", "/extra/"))
    assert selected(None)[-1] is added
    assert selected([]) == list(SCENARIOS.values())


@pytest.mark.usefixtures("clean_registry")
def test_register_refuses_a_duplicate_name_or_a_relative_path() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register(Scenario("healthz", "GET", "/healthz"))
    with pytest.raises(ValueError, match="must start with"):
        register(Scenario("relative", "GET", "healthz"))


def test_selected_keeps_the_order_given_and_names_unknown_scenarios() -> None:
    assert [s.name for s in selected(["referral_list_api", "healthz"])] == [
        "referral_list_api",
        "healthz",
    ]
    with pytest.raises(ValueError, match="unknown scenario\\(s\\): nope"):
        scenarios.selected(["nope"])
