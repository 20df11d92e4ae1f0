"""`python -m bench`: usually reached through `make bench BENCH_ARGS="…"`."""

from __future__ import annotations

import argparse
import os

from .server import SERVERS


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _not_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Generate synthetic referrals, then measure each scenario over HTTP "
        "against the app running in a separate process.",
    )
    parser.add_argument(
        "--referrals", type=_positive, default=1000, help="referrals to add (default 1000)"
    )
    parser.add_argument(
        "--links",
        type=_not_negative,
        default=None,
        help="intelligence links to add (default 3 per referral; 0 for none)",
    )
    parser.add_argument(
        "--requests", type=_positive, default=200, help="requests per scenario (default 200)"
    )
    parser.add_argument(
        "--concurrency", type=_positive, default=8, help="requests in flight (default 8)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed for the data (default 1)")
    parser.add_argument(
        "--skip-generate", action="store_true", help="reuse the data already in the database"
    )
    parser.add_argument(
        "--scenario",
        dest="scenarios",
        action="append",
        metavar="NAME",
        help="run only this scenario (repeatable; default: every HTTP scenario). "
        "ws_fanout, the websocket fan-out, dashboard, the area dashboard against "
        "hand-written SQL, search, search at scale in an area of its own, "
        "audit_contention, audit writers under contention with the sealer running, and soak, "
        "many clients on each role's main pages, run only when named",
    )
    parser.add_argument("--server", choices=sorted(SERVERS), default="uvicorn")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        help="seconds allowed per scenario before it stops early (default 60)",
    )
    fanout = parser.add_argument_group("ws_fanout", "websocket fan-out (see bench/fanout.py)")
    fanout.add_argument(
        "--ws-clients", type=_positive, default=500, help="streams open at once (default 500)"
    )
    fanout.add_argument(
        "--ws-areas",
        type=_positive,
        default=20,
        help="areas the clients' coordinators are spread over (default 20)",
    )
    fanout.add_argument(
        "--ws-rate", type=_positive, default=20, help="events per second (default 20)"
    )
    fanout.add_argument(
        "--ws-seconds", type=_positive, default=30, help="seconds of events (default 30)"
    )
    board = parser.add_argument_group("dashboard", "the area dashboard (see bench/dashboard.py)")
    board.add_argument(
        "--dashboard-runs",
        type=_positive,
        default=50,
        help="timed runs of the dashboard and of each hand-written query (default 50)",
    )
    found = parser.add_argument_group("search", "search at scale (see bench/search.py)")
    found.add_argument(
        "--search-runs",
        type=_positive,
        default=200,
        help="timed searches, each through the selector and the page (default 200)",
    )
    contention = parser.add_argument_group(
        "audit_contention", "audit under contention (see bench/audit_contention.py)"
    )
    contention.add_argument(
        "--audit-seconds",
        type=_positive,
        default=10,
        help="seconds of load without audit, then as long with it (default 10)",
    )
    soaked = parser.add_argument_group("soak", "many clients on a mix of pages (bench/soak.py)")
    soaked.add_argument(
        "--soak-clients", type=_positive, default=200, help="clients at once (default 200)"
    )
    soaked.add_argument(
        "--soak-seconds", type=_positive, default=300, help="seconds of load (default 300)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    from django.conf import settings

    if not getattr(settings, "DEMO_SETTINGS", False):
        # The generator writes synthetic young people: never into a real service's database.
        raise SystemExit("error: the benchmark refuses to run under production settings")
    # Imported after set-up: these modules import models.
    from .fanout import FanoutOptions
    from .runner import Options, run
    from .soak import SoakOptions

    return run(
        Options(
            referrals=args.referrals,
            links=args.links,
            requests=args.requests,
            concurrency=args.concurrency,
            seed=args.seed,
            skip_generate=args.skip_generate,
            scenarios=args.scenarios or [],
            server=args.server,
            time_limit=args.time_limit,
            fanout=FanoutOptions(
                clients=args.ws_clients,
                areas=args.ws_areas,
                rate=args.ws_rate,
                seconds=args.ws_seconds,
            ),
            dashboard_runs=args.dashboard_runs,
            search_runs=args.search_runs,
            audit_seconds=args.audit_seconds,
            soak_options=SoakOptions(clients=args.soak_clients, seconds=args.soak_seconds),
        )
    )


if __name__ == "__main__":
    raise SystemExit(main())
