"""One benchmark run: data, token, query counts, HTTP load against a separate server, results."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client

from api.services import api_token_create, api_token_revoke
from referrals.models import Referral

from . import (
    audit_contention,
    dashboard,
    fanout,
    generate,
    load,
    micro,
    network,
    queries,
    report,
    scenarios,
    server,
    soak,
)
from . import search as search_bench
from .stats import ScenarioResult, summarise


@dataclass(frozen=True)
class Options:
    referrals: int = 1000
    links: int | None = None  # None: LINKS_PER_REFERRAL per referral; 0: no network
    requests: int = 200
    concurrency: int = 8
    seed: int = 1
    skip_generate: bool = False
    scenarios: list[str] = field(default_factory=list)  # empty: every registered scenario
    server: str = "uvicorn"
    time_limit: float = 60.0  # seconds per scenario
    results_dir: Path = report.RESULTS_DIR
    fanout: fanout.FanoutOptions = field(default_factory=fanout.FanoutOptions)
    dashboard_runs: int = 50
    search_runs: int = 200
    audit_seconds: float = 10.0  # of load per phase of audit_contention
    soak_options: soak.SoakOptions = field(default_factory=soak.SoakOptions)


def _headers(scenario: scenarios.Scenario, secrets: dict[bool, str], cookie: str) -> dict[str, str]:
    """What a scenario sends to be signed in: nothing, the coordinator's or the outsider's
    Bearer token, or the coordinator's session cookie."""
    if scenario.session:
        return {"Cookie": cookie}
    if not scenario.auth:
        return {}
    return {"Authorization": f"Bearer {secrets[scenario.outsider]}"}


@contextmanager
def _session_cookie(user: Any) -> Iterator[str]:
    """A signed-in session for `user`, as a browser sends it; it ends with the run."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    try:
        yield f"{name}={client.cookies[name].value}"
    finally:
        client.logout()


async def _drive_all(
    base_url: str,
    chosen: list[scenarios.Scenario],
    secrets: dict[bool, str],
    cookie: str,
    options: Options,
) -> list[load.Sample]:
    # One scenario at a time, so they do not compete for the server.
    return [
        await load.drive(
            base_url,
            scenario,
            requests=options.requests,
            concurrency=options.concurrency,
            time_limit_s=options.time_limit,
            headers=_headers(scenario, secrets, cookie),
        )
        for scenario in chosen
    ]


def run(options: Options) -> int:
    """Returns 0, or 1 when any scenario had errors (the results are written either way).

    The websocket fan-out and the dashboard run first when named, each on data of its own;
    the HTTP scenarios (and their referral data) follow only when some are named too, or none
    is."""
    special = {
        fanout.NAME: _run_fanout,
        dashboard.NAME: _run_dashboard,
        search_bench.NAME: _run_search,
        audit_contention.NAME: _run_audit_contention,
        soak.NAME: _run_soak,
    }
    named = [name for name in options.scenarios if name in special]
    if not named:
        return _run_http(options)
    code = max(special[name](options) for name in named)
    others = [name for name in options.scenarios if name not in special]
    if not others:
        return code
    return max(code, _run_http(replace(options, scenarios=others)))


def _run_dashboard(options: Options) -> int:
    """The area dashboard against hand-written SQL (bench/dashboard.py), on the bench area's
    referrals: generated first unless --skip-generate, without an intelligence network."""
    generated = None
    if not options.skip_generate:
        print(f"generating {options.referrals} referrals (seed {options.seed})…", flush=True)
        generated = generate.generate_referrals(options.referrals, seed=options.seed)
        print(
            f"generated {generated.referrals} referrals, {generated.events} events, "
            f"{generated.young_people} young people in {generated.seconds:.1f} s; rollups "
            f"rebuilt in {generated.rollup_rebuild_seconds:.1f} s",
            flush=True,
        )
    cast = generate.ensure_cast()
    print(f"{dashboard.NAME}: vacuuming, checking, then {options.dashboard_runs} runs of each…",
          flush=True)  # fmt: skip
    dashboard.settle()
    try:
        result = dashboard.run(
            board_member=cast.board_member, area=cast.area, runs=options.dashboard_runs
        )
    except dashboard.Mismatch as error:
        print(f"error: the dashboard and the hand-written SQL differ:\n{error}")
        return 1
    path = dashboard.write(result, options.results_dir, generated)
    print()
    print(dashboard.markdown(result))
    print(f"written {_shown(path)}")
    return 0


def _run_search(options: Options) -> int:
    """Search at scale (bench/search.py), in an area of its own: generated first unless
    --skip-generate."""
    generated = None
    cast = search_bench.ensure_cast()
    if not options.skip_generate:
        print(f"{search_bench.NAME}: generating {options.referrals} referrals…", flush=True)
        generated = search_bench.generate(options.referrals, seed=options.seed, cast=cast)
        print(
            f"generated {generated.referrals} referrals and {generated.young_people} young "
            f"people in {generated.seconds:.1f} s; rollups rebuilt in "
            f"{generated.rollup_rebuild_seconds:.1f} s",
            flush=True,
        )
    print(f"{search_bench.NAME}: vacuuming, then {options.search_runs} searches of the mix…",
          flush=True)  # fmt: skip
    search_bench.settle()
    try:
        result = search_bench.run(cast=cast, runs=options.search_runs, seed=options.seed)
    except search_bench.OutOfScope as error:
        print(f"error: {error}")
        return 1
    path = search_bench.write(result, options.results_dir, generated)
    print()
    print(search_bench.markdown(result))
    print(f"written {_shown(path)}")
    return 0


def _run_audit_contention(options: Options) -> int:
    """Audit under contention (bench/audit_contention.py): needs no generated data."""
    cast = generate.ensure_cast()
    print(
        f"{audit_contention.NAME}: {audit_contention.THREADS} threads, "
        f"{options.audit_seconds:g} s without audit, then {options.audit_seconds:g} s with it…",
        flush=True,
    )
    result = audit_contention.run(
        actor=cast.coordinator,
        target=cast.area,
        seconds=options.audit_seconds,
        sealer=audit_contention.sealer_process(options.results_dir / "audit_sealer.log"),
    )
    path = audit_contention.write(result, options.results_dir)
    print()
    print(audit_contention.markdown(result))
    print(f"written {_shown(path)}")
    if not result.ok:
        print(f"error: {audit_contention.NAME} missed its targets (see the JSON)")
    return 0 if result.ok else 1


def _run_soak(options: Options) -> int:
    """The soak (bench/soak.py) on the bench area's referrals: generated first unless
    --skip-generate."""
    if not options.skip_generate:
        print(f"generating {options.referrals} referrals (seed {options.seed})…", flush=True)
        generate.generate_referrals(options.referrals, seed=options.seed)
    mix = options.soak_options
    print(f"{soak.NAME}: {mix.clients} clients for {mix.seconds:g} s on each role's main "
          f"pages and API calls, against {options.server}…", flush=True)  # fmt: skip
    result = soak.run(mix, server_name=options.server, results_dir=options.results_dir)
    path = soak.write(result, options.results_dir)
    print()
    print(soak.markdown(result))
    print(f"written {_shown(path)}")
    if not result.ok:
        print(f"error: {soak.NAME} had {result.total.errors} errors (see the JSON)")
    return 0 if result.ok else 1


def _run_fanout(options: Options) -> int:
    ws = options.fanout
    print(
        f"{fanout.NAME}: {ws.clients} websocket clients over {ws.areas} areas, "
        f"{ws.rate:g} events/s for {ws.seconds:g} s, {fanout.layer_name()} channel layer…",
        flush=True,
    )
    result = fanout.run(ws, server_name=options.server, results_dir=options.results_dir)
    path = fanout.write(result, options.results_dir)
    print()
    print(fanout.markdown([result]))
    print(f"written {_shown(path)}")
    if not result.ok:
        print(
            f"error: {fanout.NAME} lost, duplicated or misdelivered notifications, or "
            "clients failed to connect (see the JSON)"
        )
    return 0 if result.ok else 1


def _run_http(options: Options) -> int:
    wanted = scenarios.selected(options.scenarios)
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    generated = None
    if not options.skip_generate:
        print(f"generating {options.referrals} referrals (seed {options.seed})…", flush=True)
        generated = generate.generate_referrals(options.referrals, seed=options.seed)
        print(
            f"generated {generated.referrals} referrals, {generated.events} events and "
            f"{generated.young_people} young people in {generated.seconds:.1f} s",
            flush=True,
        )
    links = (
        options.links
        if options.links is not None
        else options.referrals * network.LINKS_PER_REFERRAL
    )
    linked = None
    if not options.skip_generate and links:
        print(f"generating {links} links (seed {options.seed})…", flush=True)
        linked = network.generate_network(links, seed=options.seed)
        print(
            f"generated {linked.links} links between {linked.young_people} young people and "
            f"{linked.entities} entities ({linked.hubs} hubs, {len(linked.clusters)} clusters) "
            f"in {linked.seconds:.1f} s",
            flush=True,
        )
    cast = generate.ensure_cast()
    area_referrals = Referral.objects.filter(area=cast.area).count()
    values = _placeholders(wanted, cast)
    chosen = [scenario.resolved(**values) for scenario in wanted]

    tokens = {
        outsider: api_token_create(actor=user, name="benchmark run", lifetime_days=1)
        for outsider, user in ((False, cast.coordinator), (True, cast.outsider))
    }
    secrets = {outsider: secret for outsider, (_, secret) in tokens.items()}
    try:
        with _session_cookie(cast.coordinator) as cookie:
            counts = {
                s.name: queries.count_queries(s, _headers(s, secrets, cookie)) for s in chosen
            }
            print(f"starting {options.server} and driving {len(chosen)} scenario(s)…", flush=True)
            log_path = options.results_dir / "server.log"
            with server.running_server(options.server, log_path=log_path) as base_url:
                samples = asyncio.run(_drive_all(base_url, chosen, secrets, cookie, options))
            # Pages again in-process: server time alone, without the network or queueing.
            in_process = [
                micro.page(
                    scenario=s,
                    cookie=cookie,
                    headers=_headers(s, secrets, cookie),
                    count=options.requests,
                )
                for s in chosen
                if s.session or s.in_process
            ]
    finally:
        for token, _ in tokens.values():
            api_token_revoke(token=token, actor=token.user)

    results: list[ScenarioResult] = []
    for scenario, sample in zip(chosen, samples, strict=True):
        count = counts[scenario.name]
        kinds = dict(sample.error_kinds)
        if count.status != scenario.expected_status:
            kinds[f"in-process HTTP {count.status}"] = 1
        if sample.cut_short:
            print(f"warning: {scenario.name} hit the {options.time_limit:.0f} s time limit")
        results.append(
            summarise(
                name=scenario.name,
                method=scenario.method,
                path=scenario.path,
                latencies_ms=sample.latencies_ms,
                errors=sample.errors,
                elapsed_s=sample.elapsed_s,
                queries_per_request=count.queries,
                error_kinds=kinds,
            )
        )

    results.extend(in_process)
    if values.keys() & {"entity", "hub"}:
        for pick in (network.sample_entity, network.sample_hub):
            kind, pk = pick(cast.area.pk)
            results.append(
                micro.network_read(actor=cast.coordinator, kind=kind, pk=pk, count=options.requests)
            )
        results.append(micro.clusters_read(actor=cast.coordinator, area=cast.area, count=3))
        for kind in ("vehicle", "person", "identifier"):
            results.append(
                micro.link_alert(
                    actor=cast.coordinator, area=cast.area, kind=kind, count=options.requests
                )
            )
    results.append(
        micro.audit_write(
            actor=cast.coordinator,
            target=Referral.objects.get(reference=values["reference"]),
            count=options.requests,
        )
    )

    options_record = {k: v for k, v in asdict(options).items() if k != "results_dir"}
    outcome = report.Report(
        started_at=started_at,
        settings=os.environ.get("DJANGO_SETTINGS_MODULE", ""),
        server=options.server,
        options=options_record,
        dataset={
            "area_referrals": area_referrals,
            "generated": asdict(generated) if generated else None,
            "network": (
                {k: v for k, v in asdict(linked).items() if k != "clusters"} if linked else None
            ),
        },
        scenarios=results,
    )
    json_path, md_path = report.write_results(outcome, options.results_dir)
    print()
    print(report.markdown_table(results))
    print(f"written {_shown(json_path)} and {_shown(md_path)}")
    return 1 if any(r.errors or r.error_kinds for r in results) else 0


def _placeholders(wanted: list[scenarios.Scenario], cast: generate.BenchCast) -> dict[str, str]:
    """What the chosen scenarios' paths name, looked up only when one of them needs it (a run
    without a network can still drive the referral scenarios)."""
    needed = set().union(*(s.placeholders for s in wanted))
    values = {"reference": generate.sample_reference(cast.area)}  # the audit write's target too
    if "entity" in needed:
        kind, pk = network.sample_entity(cast.area.pk)
        values["entity"] = f"{kind}/{pk}"
    if "hub" in needed:
        kind, pk = network.sample_hub(cast.area.pk)
        values["hub"] = f"{kind}/{pk}"
    if "area" in needed:
        values["area"] = cast.area.ons_code
    return values


def _shown(path: Path) -> str:
    """Relative to the project root when possible, so output carries no machine paths."""
    try:
        return str(path.relative_to(server.ROOT))
    except ValueError:
        return str(path)
