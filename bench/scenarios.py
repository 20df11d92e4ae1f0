"""The scenarios a benchmark run drives. A later issue adds one by calling `register`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from string import Formatter


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    # "{reference}" in a path stands for a submitted referral of the bench area; "{entity}"
    # for "<kind>/<id>" of an ordinary entity of its network, "{hub}" for a hub's, "{area}"
    # for its ONS code.
    path: str
    # Authenticated scenarios send the bench coordinator's API token as a Bearer header,
    # or, with `outsider`, the token of a coordinator of another area (who must get 404s).
    auth: bool = False
    outsider: bool = False
    # Pages are signed in with the bench coordinator's session cookie instead of a token.
    session: bool = False
    expected_status: int = 200
    description: str = ""
    # Also requested in-process, through every middleware: the server's time alone.
    in_process: bool = False

    @property
    def placeholders(self) -> set[str]:
        return {name for _, name, _, _ in Formatter().parse(self.path) if name}

    def resolved(self, **values: str) -> Scenario:
        return replace(self, path=self.path.format(**values))


SCENARIOS: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    if scenario.name in SCENARIOS:
        raise ValueError(f"scenario {scenario.name!r} is already registered")
    if not scenario.path.startswith("/"):
        raise ValueError(f"scenario {scenario.name!r}: the path must start with '/'")
    SCENARIOS[scenario.name] = scenario
    return scenario


def selected(names: list[str] | None) -> list[Scenario]:
    """The named scenarios in the order given, or every registered one."""
    if not names:
        return list(SCENARIOS.values())
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        raise ValueError(
            f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(SCENARIOS)}"
        )
    return [SCENARIOS[name] for name in names]


register(Scenario("healthz", "GET", "/healthz", description="Liveness probe; no database"))
register(
    Scenario(
        "referral_list_api",
        "GET",
        "/api/v1/referrals/",
        auth=True,
        description="First page of the coordinator's referrals through the API",
    )
)
register(
    Scenario(
        "referral_detail_api",
        "GET",
        "/api/v1/referrals/{reference}/",
        auth=True,
        description="One referral in full, with its audit record written in the same transaction",
    )
)
register(
    Scenario(
        "referral_detail_out_of_scope",
        "GET",
        "/api/v1/referrals/{reference}/",
        auth=True,
        outsider=True,
        expected_status=404,
        description="The same request by a coordinator of another area: 404, nothing revealed",
    )
)
register(
    Scenario(
        "triage_queue_page",
        "GET",
        "/triage/",
        session=True,
        description="The coordinator's triage queue page: 50 rows read off its index, "
        "rendered, each recorded as seen",
    )
)
register(
    Scenario(
        "network_two_hop",
        "GET",
        "/api/v1/network/{entity}/",
        auth=True,
        in_process=True,
        description="Everything within two hops of a person of concern, each young person "
        "shown recorded as seen",
    )
)
register(
    Scenario(
        "network_hub",
        "GET",
        "/api/v1/network/{hub}/",
        auth=True,
        in_process=True,
        description="The network of a hub (a hotel linked to young people of many groups): "
        "cut to the newest links and flagged as truncated",
    )
)
