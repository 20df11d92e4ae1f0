"""Production settings refuse unsafe configuration and pass Django's deployment checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

GOOD = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "test-9fK2mQ7vR4xL8pN3wB6zT1yH5cJ0dG-aE_uS7iO2kV9nM4bX6qW8rZ3tY1",
    "ALLOWED_HOSTS": "hub.example.org",
    "DATABASE_URL": "postgres://hub:pw@db.internal:5432/hub",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "NATIONAL_TOKEN_KEY": "test-national-key-4hT8kW2pZ6rN1vX9cQ3m",
    "AUDIT_CHAIN_KEY": "test-audit-chain-key-7Hq2Vn9Lx4Rb8Tk1Wm5Z",
    "AUDIT_CHECKPOINT_PATH": "/var/lib/safeguard-hub/anchors/audit-checkpoints.jsonl",
}


def manage(*args: str, **overrides: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ALLOWED_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.pop("NATIONAL_TOKEN_KEY", None)
    env.pop("AUDIT_CHAIN_KEY", None)
    env.pop("AUDIT_CHECKPOINT_PATH", None)
    for key, value in {**GOOD, **overrides}.items():
        if value is not None:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_checks_pass_at_warning_level() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "short"}, "at least 50 characters"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS must be set"),
        ({"DATABASE_URL": "sqlite:///db.sqlite3"}, "must point at a PostgreSQL server"),
        ({"REDIS_URL": None}, "REDIS_URL must be set"),
        ({"NATIONAL_TOKEN_KEY": None}, "NATIONAL_TOKEN_KEY must be set"),
        ({"NATIONAL_TOKEN_KEY": "short"}, "NATIONAL_TOKEN_KEY must be at least 32"),
        ({"AUDIT_CHAIN_KEY": None}, "AUDIT_CHAIN_KEY must be set"),
        ({"AUDIT_CHAIN_KEY": "short"}, "AUDIT_CHAIN_KEY must be a secret of at least 32"),
        (
            {"AUDIT_CHAIN_KEY": "development-only-audit-chain-key-of-the-demo"},
            "AUDIT_CHAIN_KEY must be a secret of at least 32",
        ),
        ({"AUDIT_CHECKPOINT_PATH": None}, "AUDIT_CHECKPOINT_PATH must be set"),
    ],
)
def test_production_refuses_to_start_without_safe_settings(
    overrides: dict[str, str | None], message: str
) -> None:
    result = manage("check", **overrides)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_to_start_without_a_database() -> None:
    result = manage("check", DATABASE_URL=None)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_seed_demo_is_refused_under_production_settings() -> None:
    result = manage("seed_demo")
    assert result.returncode != 0
    assert "refuses to run under production settings" in result.stderr


def test_production_static_files_collect_with_hashed_names(tmp_path: Path) -> None:
    result = manage("collectstatic", "--no-input", STATIC_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("vendor/govuk/govuk-frontend.min.css", "frontend/init.js", "frontend/app.css"):
        assert manifest[name] != name
    css = (tmp_path / manifest["vendor/govuk/govuk-frontend.min.css"]).read_text()
    assert "url(/" not in css  # every asset reference stays under STATIC_URL
