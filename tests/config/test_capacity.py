"""Many concurrent requests against a server whose database allows few connections: each gets an
answer (200, or 503 with Retry-After), never a 500. The server is the real one, in a process of
its own, connecting as a role the database limits to a few connections."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from agencies.models import Membership, Role
from api.services import api_token_create
from bench.server import running_server
from tests.database_urls import this_test_database_url
from tests.factories import member, raise_referral, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# The database lets the server's role open this many connections at once.
CONNECTION_BUDGET = 4
# Requests fired at once: three pages, eight times each.
BURST = 24


@dataclass(frozen=True)
class World:
    cookie: str
    token: str
    paths: tuple[str, ...]


@pytest.fixture
def world() -> World:
    coordinator = member(Role.COORDINATOR)
    membership = Membership.objects.get(user=coordinator)
    practitioner = member(Role.PRACTITIONER, area=membership.area, agency=membership.agency)
    reference = raise_referral(practitioner, submit=True).reference
    client = Client()
    sign_in(client, coordinator)
    _, secret = api_token_create(actor=coordinator, name="capacity", lifetime_days=1)
    return World(
        cookie=f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
        token=secret,
        paths=("/triage/", f"/referrals/{reference}/", f"/api/v1/referrals/{reference}/"),
    )


@pytest.fixture
def capped_role() -> Iterator[str]:
    """A role that may open only CONNECTION_BUDGET connections (superusers ignore the limit),
    with the rights the application needs on the test database."""
    role = f"capped_{connection.settings_dict['NAME']}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {role}")
        cursor.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT {CONNECTION_BUDGET}")
        cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
    yield role
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {role}")
        cursor.execute(f"DROP ROLE {role}")


def serve(monkeypatch: pytest.MonkeyPatch, role: str, *, limit: int, wait: float) -> None:
    monkeypatch.setenv("DATABASE_URL", this_test_database_url(user=role))
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.test")
    monkeypatch.setenv("WEB_CONCURRENCY_LIMIT", str(limit))
    monkeypatch.setenv("WEB_QUEUE_WAIT_SECONDS", str(wait))


async def burst(base_url: str, world: World) -> list[httpx.Response]:
    headers = {
        "/api/": {"Authorization": f"Bearer {world.token}"},
        "/": {"Cookie": world.cookie},
    }
    async with httpx.AsyncClient(
        base_url=base_url,
        timeout=60,
        trust_env=False,
        limits=httpx.Limits(max_connections=BURST, max_keepalive_connections=0),
    ) as client:

        async def get(path: str) -> httpx.Response:
            prefix = "/api/" if path.startswith("/api/") else "/"
            return await client.get(path, headers=headers[prefix])

        return await asyncio.gather(*(get(world.paths[i % len(world.paths)]) for i in range(BURST)))


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


def test_a_burst_within_the_queue_wait_is_served_in_full(
    world: World, capped_role: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Places for fewer requests than the database allows connections: the rest queue."""
    serve(monkeypatch, capped_role, limit=CONNECTION_BUDGET - 1, wait=60)
    with running_server(log_path=tmp_path / "server.log") as base_url:
        responses = asyncio.run(burst(base_url, world))
    assert statuses(responses) == {200: BURST}, (tmp_path / "server.log").read_text()[-3000:]


def test_a_burst_beyond_the_queue_wait_is_told_to_retry(
    world: World, capped_role: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No time to queue: those that find no place get 503 with Retry-After, never a 500."""
    serve(monkeypatch, capped_role, limit=CONNECTION_BUDGET - 1, wait=0.001)
    with running_server(log_path=tmp_path / "server.log") as base_url:
        responses = asyncio.run(burst(base_url, world))
    counted = statuses(responses)
    assert set(counted) == {200, 503}, counted
    busy = [response for response in responses if response.status_code == 503]
    assert all(response.headers["Retry-After"] == "2" for response in busy)
    api_busy = [response for response in busy if response.url.path.startswith("/api/")]
    assert api_busy and all(r.json()["error"]["code"] == "service_busy" for r in api_busy)
