from __future__ import annotations

import pytest
from django.test import Client

from frontend.health import Check

pytestmark = pytest.mark.django_db


def test_healthz_says_the_process_is_up(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_database_migrations_and_channel_layer(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "migrations": True,
        "channel_layer": True,
    }


@pytest.mark.usefixtures("redis_down")
def test_readyz_stays_200_but_degraded_while_redis_is_down(client: Client) -> None:
    """Redis down on every instance at once: taking them all out of service would turn live
    updates paused into the whole service down."""
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["channel_layer"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    page = client.get("/health/")
    assert page.status_code == 200
    assert "Part of the service is not working." in page.content.decode()


def test_readyz_is_503_without_the_database(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_database() -> Check:
        return Check("database", False, "OperationalError")

    monkeypatch.setattr("frontend.health.check_database", no_database)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "not_ready"


def test_service_status_page_lists_each_check(client: Client) -> None:
    response = client.get("/health/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("govuk-tag--green") == 3
    assert "Channel layer" in html
