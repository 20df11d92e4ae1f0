"""The launcher behind `make run` / `make test`: one-line errors and crash recovery."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest

from config import launcher

ROOT = Path(launcher.__file__).resolve().parent.parent


def test_port_in_use_is_a_one_line_error_with_what_to_do() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        result = subprocess.run(
            [sys.executable, "-m", "config.launcher", "run", "--port", str(port)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"error: port {port} on 127.0.0.1 is in use: stop the program using it "
        f"or choose another port, e.g. `make run PORT={port + 1}`"
    ]


def test_unwritable_var_is_a_launch_error(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    with pytest.raises(launcher.LaunchError, match="cannot write to var/"):
        launcher.check_var_writable(not_a_folder / "var")


def test_unreachable_database_url_is_a_launch_error() -> None:
    with pytest.raises(launcher.LaunchError, match="cannot connect to PostgreSQL"):
        launcher.ensure_database("postgresql://postgres@127.0.0.1:1/postgres", "x")


def test_stale_handles_and_pid_file_are_repaired(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    (tmp_path / ".handle_pids.json").write_text(json.dumps([dead.pid, os.getpid()]))
    # A live pid that is not PostgreSQL (pid reuse after a crash) is stale too.
    (tmp_path / "postmaster.pid").write_text(f"{os.getpid()}\n/elsewhere\n")
    repaired = launcher.recover_stale_state(tmp_path)
    assert json.loads((tmp_path / ".handle_pids.json").read_text()) == [os.getpid()]
    assert not (tmp_path / "postmaster.pid").exists()
    assert len(repaired) == 2


def test_nothing_to_repair_after_a_clean_stop(tmp_path: Path) -> None:
    (tmp_path / ".handle_pids.json").write_text("[]")
    assert launcher.recover_stale_state(tmp_path) == []


def _start_in_child(pgdata: Path) -> subprocess.Popen[str]:
    code = (
        "import sys, time; from config import launcher; launcher.exit_cleanly_on_sigterm(); "
        f"print(launcher.start_embedded_server(launcher.Path({str(pgdata)!r})), flush=True); "
        "time.sleep(120)"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )


def _query(url: str) -> int:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def test_embedded_server_survives_a_crashed_launcher_and_stops_cleanly(tmp_path: Path) -> None:
    pgdata = tmp_path / "pgdata"
    # First launcher: start the server, then die without any clean-up (SIGKILL).
    first = _start_in_child(pgdata)
    assert first.stdout is not None
    url = first.stdout.readline().strip()
    assert _query(url) == 1
    first.send_signal(signal.SIGKILL)
    first.wait()
    postmaster_pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    # Simulate the server dying with it, leaving a stale postmaster.pid behind.
    os.kill(postmaster_pid, signal.SIGKILL)
    for _ in range(50):
        if not launcher._pid_alive(postmaster_pid):
            break
        time.sleep(0.1)
    assert (pgdata / "postmaster.pid").exists()

    # Second launcher: recovers, serves, and on a normal exit stops the server.
    second = _start_in_child(pgdata)
    assert second.stdout is not None
    url = second.stdout.readline().strip()
    assert _query(url) == 1
    second.send_signal(signal.SIGTERM)  # the launcher maps SIGTERM to a clean exit
    second.wait(timeout=30)
    assert not (pgdata / "postmaster.pid").exists()


def test_run_serves_as_the_app_role_and_says_so_when_it_serves_as_the_owner(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    steps: list[tuple[list[str], str]] = []

    def run(cmd: list[str], env: dict[str, str]) -> int:
        steps.append((cmd[2:], env["DATABASE_URL"]))
        return 0

    monkeypatch.setattr(launcher, "_run", run)
    owner = "postgresql://owner:secret@127.0.0.1:5432/hub"
    serve = ["runserver", "127.0.0.1:8000", "--noreload"]

    monkeypatch.delenv("APP_DATABASE_USER", raising=False)
    assert launcher.app_role(embedded=False) is None
    assert launcher.command_run({"DATABASE_URL": owner}, "127.0.0.1", 8000, None) == 0
    assert steps == [(["migrate", "--no-input"], owner), (["seed_demo"], owner), (serve, owner)]
    assert "warning: the server connects as owner, the owner of the schema" in (
        capsys.readouterr().err
    )

    steps.clear()
    monkeypatch.setenv("APP_DATABASE_USER", "hub_app")
    assert launcher.app_role(embedded=False) == "hub_app"
    env = {"DATABASE_URL": owner, "APP_DATABASE_PASSWORD": "p@ss word"}
    assert launcher.command_run(env, "127.0.0.1", 8000, "hub_app") == 0
    app = "postgresql://hub_app:p%40ss%20word@127.0.0.1:5432/hub"
    assert [url for _, url in steps] == [owner, owner, owner, app]
    assert steps[2][0] == ["grant_app_role", "hub_app"] and steps[3][0] == serve
    assert "warning" not in capsys.readouterr().err


def test_the_embedded_server_serves_as_a_role_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_DATABASE_USER", raising=False)
    assert launcher.app_role(embedded=True) == launcher.EMBEDDED_APP_ROLE
    socket_url = "postgresql://postgres:@/safeguard_hub?host=/srv/hub/var/run"
    assert launcher.as_user(socket_url, launcher.EMBEDDED_APP_ROLE) == (
        "postgresql://safeguard_hub_app@/safeguard_hub?host=/srv/hub/var/run"
    )
