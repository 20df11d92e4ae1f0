"""Liveness and readiness checks, shared by /healthz, /readyz and the service status page."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

CHANNEL_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    # Whether requests can be served without it. Without the channel layer (Redis) they can:
    # only live updates pause, so an instance stays in service rather than every instance
    # being taken out of it at once.
    required: bool = True

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return Check("database", False, exc.__class__.__name__)
    return Check("database", True, "reachable")


def check_migrations() -> Check:
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return Check("migrations", False, exc.__class__.__name__)
    if pending:
        return Check("migrations", False, f"{len(pending)} not applied")
    return Check("migrations", True, "all applied")


async def _round_trip() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = await layer.new_channel("readyz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "readyz.ping", "token": token})
    message = await asyncio.wait_for(layer.receive(channel), timeout=CHANNEL_TIMEOUT_SECONDS)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned another message")


def check_channel_layer() -> Check:
    try:
        async_to_sync(_round_trip)()
    except Exception as exc:  # any failure of the layer means "not ready"
        return Check("channel_layer", False, exc.__class__.__name__, required=False)
    return Check("channel_layer", True, "reachable", required=False)


def readiness() -> list[Check]:
    database = check_database()
    # Without a database the migration check cannot run; report it as not ready too.
    migrations = check_migrations() if database.ok else Check("migrations", False, "no database")
    return [database, migrations, check_channel_layer()]


def serving(checks: list[Check]) -> bool:
    """Whether this instance can answer requests: every required check passes."""
    return all(check.ok for check in checks if check.required)
