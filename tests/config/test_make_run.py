"""`make run`'s launcher end to end: migrate, demo data, the application's role granted, serve
over ASGI as that role, stop everything."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from agencies.models import Area
from audit.models import AuditAction, AuditEvent
from tests.database_urls import this_test_database_url
from tests.factories import recorded

ROOT = Path(__file__).resolve().parent.parent.parent
EVENTS = AuditEvent._meta.db_table


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_launcher(log: Path, *args: str, **env: str) -> subprocess.Popen[bytes]:
    """The launcher on this test's database, its output in `log`."""
    environ = {**os.environ, "DATABASE_URL": this_test_database_url(), **env}
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "config.launcher", *args],
            cwd=ROOT,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_until_serving(launcher: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 180  # a guard against a hang; a busy machine is slow
    while not port_open(port):
        assert launcher.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def other_sessions_users() -> set[str]:
    """The roles of every other session on this test's database: the launcher's server's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT usename FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {name for (name,) in cursor.fetchall()}


def refused_as(role: str, sql: str) -> None:
    with (
        pytest.raises(DatabaseError, match="permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(role)}")
        cursor.execute(sql)


@pytest.fixture
def app_role() -> Iterator[str]:
    """A new role of the server for the launcher to create, dropped with what it was granted."""
    role = f"hub_app_{uuid.uuid4().hex[:12]}"
    yield role
    name = connection.ops.quote_name(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            cursor.execute(f"DROP OWNED BY {name}")  # its grants on this database
            cursor.execute(f"DROP ROLE {name}")


pytestmark = pytest.mark.services


@pytest.mark.django_db(transaction=True)  # the launcher's server reads what the test commits
def test_run_serves_the_app_as_the_app_role_then_stops_its_server(
    tmp_path: Path, app_role: str
) -> None:
    port = free_port()
    log = tmp_path / "run.log"
    # Connections kept after a request, so that the server's shows in pg_stat_activity.
    launcher = start_launcher(
        log, "run", "--port", str(port), APP_DATABASE_USER=app_role, DATABASE_CONN_MAX_AGE="60"
    )
    try:
        wait_until_serving(launcher, port, log)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as response:
            assert response.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert b"Safeguard Hub" in response.read()
        # The running server's connections are the application's role's, and nobody else's.
        assert other_sessions_users() == {app_role}
    finally:
        launcher.send_signal(signal.SIGTERM)  # to the launcher alone, not its process group
        launcher.wait(timeout=30)
    output = log.read_text()
    assert f"http://127.0.0.1:{port}/" in output
    assert f"the server connects as {app_role}" in output
    assert "northmoor-coordinator" in output
    assert Area.objects.filter(ons_code="E99000001").exists()  # the demo data was loaded
    # The server child went with the launcher: nothing is left holding the port.
    assert not port_open(port)
    # That role may add to the audit trail and read it, never change or remove a row of it.
    event = recorded(action=AuditAction.VIEW, reason="seen")
    refused_as(app_role, f"UPDATE {EVENTS} SET reason = 'changed'")  # noqa: S608
    refused_as(app_role, f"DELETE FROM {EVENTS}")  # noqa: S608
    assert AuditEvent.objects.get(pk=event.pk).given_reason() == "seen"


@pytest.mark.django_db
def test_an_interrupt_to_the_launcher_alone_stops_its_server(tmp_path: Path) -> None:
    """Ctrl-C sent to the launcher's process only (a process manager's SIGINT) reaches the server
    it started. The same `_run` serves every command, so the server is started alone here."""
    port = free_port()
    log = tmp_path / "run.log"
    launcher = start_launcher(log, "manage", "runserver", f"127.0.0.1:{port}", "--noreload")
    try:
        wait_until_serving(launcher, port, log)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as response:
            assert response.status == 200
    finally:
        launcher.send_signal(signal.SIGINT)
        launcher.wait(timeout=30)
    assert not port_open(port)
