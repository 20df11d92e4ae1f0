"""docker-compose.yml and the Dockerfile, checked by parsing (no Docker engine is needed)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from bench.server import KEEP_ALIVE_SECONDS

ROOT = Path(__file__).resolve().parent.parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def command_text(service: dict[str, Any]) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def env_example_keys() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}


def test_every_service_is_there(services: dict[str, Any]) -> None:
    assert set(services) == {"db", "pgbouncer", "redis", "migrate", "web", "worker", "beat"}
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"


def test_database_data_lives_in_a_named_volume(compose: dict[str, Any]) -> None:
    volumes = compose["services"]["db"]["volumes"]
    assert "db-data:/var/lib/postgresql/data" in volumes
    assert "db-data" in compose["volumes"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("web", r"^uvicorn config\.asgi:application .*--workers=\d+"),
        ("worker", r"^celery --app=config worker\b"),
        ("beat", r"^celery --app=config beat\b.*django_celery_beat\.schedulers:DatabaseScheduler"),
        (
            "migrate",
            r"^sh -c python manage\.py migrate --no-input && "
            r'python manage\.py grant_app_role "\$\$APP_DATABASE_USER"$',
        ),
    ],
)
def test_commands(services: dict[str, Any], name: str, expected: str) -> None:
    assert re.search(expected, command_text(services[name])), command_text(services[name])


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_services_wait_for_healthy_db_redis_and_migrations(
    services: dict[str, Any], name: str
) -> None:
    depends = services[name]["depends_on"]
    assert depends["db"]["condition"] == "service_healthy"
    assert depends["pgbouncer"]["condition"] == "service_started"
    assert depends["redis"]["condition"] == "service_healthy"
    assert depends["migrate"]["condition"] == "service_completed_successfully"


def env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_pgbouncer_pools_transactions_in_front_of_the_database(services: dict[str, Any]) -> None:
    pgbouncer = services["pgbouncer"]
    assert pgbouncer["image"].startswith("edoburu/pgbouncer:")
    assert pgbouncer["environment"]["DB_HOST"] == "db"
    assert pgbouncer["environment"]["POOL_MODE"] == "transaction"
    assert pgbouncer["depends_on"]["db"]["condition"] == "service_healthy"
    assert int(pgbouncer["environment"]["MAX_DB_CONNECTIONS"]) < 100  # PostgreSQL's default
    example = env_example()
    assert urlsplit(example["DATABASE_URL"]).hostname == "pgbouncer"
    assert urlsplit(example["DATABASE_DIRECT_URL"]).hostname == "db"
    # PgBouncer lets in the application's role, never the owner.
    for ours, theirs in (
        ("DB_NAME", "POSTGRES_DB"),
        ("DB_USER", "APP_DATABASE_USER"),
        ("DB_PASSWORD", "APP_DATABASE_PASSWORD"),
    ):
        assert example[ours] == example[theirs]


@pytest.mark.parametrize(
    ("name", "behind"),
    [("web", "true"), ("worker", "true"), ("beat", "true"), ("migrate", "false")],
)
def test_only_migrations_bypass_pgbouncer(services: dict[str, Any], name: str, behind: str) -> None:
    environment = services[name]["environment"]
    assert environment["DATABASE_BEHIND_PGBOUNCER"] == behind
    direct = environment.get("DATABASE_URL", "").startswith("${MIGRATE_DATABASE_URL")
    assert direct == (name == "migrate")


@pytest.mark.parametrize(("behind", "disabled"), [("true", "True"), ("false", "False")])
def test_behind_pgbouncer_no_server_side_cursor_is_used(behind: str, disabled: str) -> None:
    """A server-side cursor (QuerySet.iterator) spans statements, which transaction pooling
    may send to different server connections."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; "
            "print(settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'])",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_BEHIND_PGBOUNCER": behind,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == disabled


def test_migrations_wait_for_the_database(services: dict[str, Any]) -> None:
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", ["db", "redis", "web", "worker"])
def test_healthchecks(services: dict[str, Any], name: str) -> None:
    assert services[name]["healthcheck"]["test"]


def test_web_healthcheck_uses_readyz(services: dict[str, Any]) -> None:
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_production_settings_from_the_env_file(
    services: dict[str, Any], name: str
) -> None:
    service = services[name]
    assert service["build"] == "."
    assert service["env_file"] == ".env"
    assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


def test_the_audit_checkpoints_live_on_a_volume_of_their_own(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    example = (ROOT / ".env.example").read_text()
    (path,) = re.findall(r"^AUDIT_CHECKPOINT_PATH=(.+)$", example, re.M)
    for name in APP_SERVICES:
        (mount,) = services[name]["volumes"]
        volume, folder = mount.split(":")
        assert volume == "audit-anchors" and path.startswith(folder + "/")
    assert "audit-anchors" in compose["volumes"]


def test_migrations_run_as_the_owner_and_everything_else_as_the_app_role(
    services: dict[str, Any],
) -> None:
    """The owner's URL reaches only the migrate service; the others keep .env's DATABASE_URL,
    the application's role, which grant_app_role allows only to insert and read audit rows."""
    assert services["migrate"]["environment"]["DATABASE_URL"].startswith("${MIGRATE_DATABASE_URL")
    for name in ("web", "worker", "beat"):
        assert "DATABASE_URL" not in services[name]["environment"]
    keys = env_example_keys()
    assert {"MIGRATE_DATABASE_URL", "APP_DATABASE_USER", "APP_DATABASE_PASSWORD"} <= keys
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    app_user = example["DATABASE_URL"].split("//", 1)[1].split(":", 1)[0]
    owner = example["MIGRATE_DATABASE_URL"].split("//", 1)[1].split(":", 1)[0]
    assert (app_user, owner) == (example["APP_DATABASE_USER"], example["POSTGRES_USER"])


def test_no_secret_is_written_in_the_file(services: dict[str, Any]) -> None:
    for name, service in services.items():
        environment = service.get("environment", {})
        for key in environment:
            assert not re.search(r"SECRET|PASSWORD|TOKEN|KEY", key), (name, key)
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"postgres://[^@\s]+:[^@\s]+@", text)


def test_env_example_names_every_setting_production_requires() -> None:
    keys = env_example_keys()
    production = (ROOT / "config/settings/production.py").read_text()
    required = set(re.findall(r'_required\("([A-Z_]+)"\)', production))
    assert required <= keys
    assert {
        "DATABASE_URL",
        "REDIS_URL",
        "POSTGRES_PASSWORD",
        "POSTGRES_USER",
        "POSTGRES_DB",
    } <= keys


def test_uvicorn_keeps_idle_connections_as_long_as_the_soak_measured(
    services: dict[str, Any],
) -> None:
    # uvicorn's own 5 s closed connections a busy client was about to reuse (a reset, not an
    # answer); the soak in `make bench` runs with KEEP_ALIVE_SECONDS, production must too.
    flag = f"--timeout-keep-alive={KEEP_ALIVE_SECONDS}"
    assert flag in command_text(services["web"]).split()
    assert f'"{flag}"' in (ROOT / "Dockerfile").read_text()


def test_dockerfile_builds_assets_and_runs_uvicorn() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    assert stages == ["node:20-slim", "python:3.11-slim"]
    assert "npm ci" in dockerfile and "npm run build" in dockerfile
    assert "requirements/base.txt -c requirements/lock.txt" in dockerfile
    assert "collectstatic" in dockerfile
    assert re.search(r'^CMD \["uvicorn", "config\.asgi:application"', dockerfile, re.M)
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
