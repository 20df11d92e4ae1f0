"""The soak: many clients at once, for minutes, on a mix of each role's main pages and API
calls, against the app served in its own process. Every answer but a 200 counts as an error,
503 ("busy, retry") included: the service is meant to carry this load, not shed it.

Each client is one person signed in (a session of its own, as a browser has) or holding their
role's API token, and sends its next request as soon as the last is answered (closed loop), so
at most `clients` requests are in flight. The run stops at its deadline; a request still in
flight then is answered or times out (REQUEST_TIMEOUT_S), so a run is bounded.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.contrib.sessions.models import Session

from api.services import api_token_create, api_token_revoke

from . import generate, server
from .fanout import devices_for, signed_in_session
from .report import markdown_table
from .stats import ScenarioResult, summarise

NAME = "soak"
# As in production, the timed jobs run in beat and the worker, not in the web process (with no
# Redis the web process would run them itself, and its escalations would compete for the CPU).
PRODUCTION_SHAPE = {"IN_PROCESS_TIMERS": "false"}
# A browser waits minutes for an answer; a client here waits out the server's queue and then a
# slow answer, so a late answer is counted late (in the percentiles), not as an error.
REQUEST_TIMEOUT_S = settings.WEB_QUEUE_WAIT_SECONDS + 30.0


@dataclass(frozen=True)
class SoakOptions:
    clients: int = 200
    seconds: float = 300.0


@dataclass(frozen=True)
class Call:
    """One request of a role's round: a page (signed in by session) or an API call (token)."""

    name: str
    path: str  # "{reference}": a submitted referral of the bench area; "{area}": its ONS code

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


# Each role's round, in the order a client of that role repeats it.
ROUNDS: dict[str, tuple[Call, ...]] = {
    "practitioner": (
        Call("practitioner_home", "/"),
        Call("practitioner_my_cases", "/my-cases/"),
        Call("practitioner_referrals_api", "/api/v1/referrals/"),
    ),
    "coordinator": (
        Call("coordinator_triage", "/triage/"),
        Call("coordinator_referral_page", "/referrals/{reference}/"),
        Call("coordinator_referral_api", "/api/v1/referrals/{reference}/"),
    ),
    "board_member": (
        Call("board_dashboard_page", "/reports/{area}/"),
        Call("board_dashboard_api", "/api/v1/reports/areas/{area}/dashboard/"),
    ),
}


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Client:
    role: str
    cookie: str
    token: str


@dataclass(frozen=True)
class SoakResult:
    clients: int
    seconds: float  # the run's wall time, from the first request to the last answer
    calls: list[ScenarioResult]  # one per kind of request, then the whole mix ("all")

    @property
    def total(self) -> ScenarioResult:
        return self.calls[-1]

    @property
    def ok(self) -> bool:
        return self.total.errors == 0


@contextmanager
def signed_in(cast: generate.BenchCast, clients: int) -> Iterator[list[Client]]:
    """`clients` people spread over the roles in turn, each with a session of their own and
    their role's API token; the sessions end and the tokens are revoked afterwards."""
    people = {
        "practitioner": cast.practitioner,
        "coordinator": cast.coordinator,
        "board_member": cast.board_member,
    }
    devices = devices_for(list(people.values()))
    tokens = {
        role: api_token_create(actor=user, name="soak run", lifetime_days=1)
        for role, user in people.items()
    }
    roles = list(ROUNDS)
    sessions: list[str] = []
    try:
        chosen = []
        for i in range(clients):
            role = roles[i % len(roles)]
            user = people[role]
            sessions.append(signed_in_session(user, devices[user.pk]))
            chosen.append(
                Client(
                    role=role,
                    cookie=f"{settings.SESSION_COOKIE_NAME}={sessions[-1]}",
                    token=tokens[role][1],
                )
            )
        yield chosen
    finally:
        Session.objects.filter(session_key__in=sessions).delete()
        for token, _ in tokens.values():
            api_token_revoke(token=token, actor=token.user)


async def _client_loop(
    http: httpx.AsyncClient,
    client: Client,
    values: dict[str, str],
    deadline: float,
    tallies: dict[str, Tally],
) -> None:
    loop = asyncio.get_running_loop()
    round_ = ROUNDS[client.role]
    step = 0
    while loop.time() < deadline:
        call = round_[step % len(round_)]
        step += 1
        headers = (
            {"Authorization": f"Bearer {client.token}"} if call.api else {"Cookie": client.cookie}
        )
        tally = tallies[call.name]
        started = time.perf_counter()
        try:
            response = await http.get(call.path.format(**values), headers=headers)
        except httpx.HTTPError as exc:
            problem: str | None = type(exc).__name__
        else:
            problem = None if response.status_code == 200 else f"HTTP {response.status_code}"
        if problem is None:
            tally.latencies_ms.append((time.perf_counter() - started) * 1000)
        else:
            tally.errors += 1
            tally.error_kinds[problem] += 1


async def drive(
    base_url: str, clients: list[Client], values: dict[str, str], seconds: float
) -> SoakResult:
    tallies = {call.name: Tally() for round_ in ROUNDS.values() for call in round_}
    async with httpx.AsyncClient(
        base_url=base_url,
        timeout=REQUEST_TIMEOUT_S,
        limits=httpx.Limits(max_connections=len(clients), max_keepalive_connections=len(clients)),
        trust_env=False,  # never through a proxy from the environment
    ) as http:
        deadline = asyncio.get_running_loop().time() + seconds
        started = time.perf_counter()
        await asyncio.gather(
            *(_client_loop(http, client, values, deadline, tallies) for client in clients)
        )
        elapsed = time.perf_counter() - started
    paths = {call.name: call.path for round_ in ROUNDS.values() for call in round_}
    calls = [_summary(name, paths[name], tally, elapsed) for name, tally in tallies.items()]
    everything = Tally(
        latencies_ms=[ms for tally in tallies.values() for ms in tally.latencies_ms],
        errors=sum(tally.errors for tally in tallies.values()),
        error_kinds=sum((tally.error_kinds for tally in tallies.values()), Counter()),
    )
    calls.append(_summary("all", "(the mix)", everything, elapsed))
    return SoakResult(clients=len(clients), seconds=elapsed, calls=calls)


def _summary(name: str, path: str, tally: Tally, elapsed: float) -> ScenarioResult:
    return summarise(
        name=name,
        method="GET",
        path=path,
        latencies_ms=tally.latencies_ms,
        errors=tally.errors,
        elapsed_s=elapsed,
        queries_per_request=None,
        error_kinds=tally.error_kinds,
    )


def run(options: SoakOptions, *, server_name: str, results_dir: Path) -> SoakResult:
    """Sign the clients in, serve the app in its own process, soak it, sign them out."""
    cast = generate.ensure_cast()
    values = {"reference": generate.sample_reference(cast.area), "area": cast.area.ons_code}
    with (
        signed_in(cast, options.clients) as clients,
        server.running_server(
            server_name, log_path=results_dir / "server.log", env=PRODUCTION_SHAPE
        ) as base_url,
    ):
        return asyncio.run(drive(base_url, clients, values, options.seconds))


def markdown(result: SoakResult) -> str:
    total = result.total
    return (
        f"{result.clients} clients for {result.seconds:.0f} s: {total.requests} requests, "
        f"{total.throughput_rps:.1f} answered per second, {total.errors} errors\n\n"
        + markdown_table(result.calls)
    )


def write(result: SoakResult, directory: Path) -> Path:
    """Write `soak.json` into `directory`; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{NAME}.json"
    record: dict[str, Any] = {**asdict(result), "ok": result.ok}
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path
