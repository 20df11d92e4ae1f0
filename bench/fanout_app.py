"""The app as served, plus the one route the websocket fan-out benchmark raises events through.

With no Redis the channel layer lives in the server's memory, so an event must be raised inside
the server for its notifications to reach the websockets: the benchmark POSTs each event here.
The route does what a producer of "concern submitted" does inside its change's transaction:
`notify()` the area's coordinators, who are then told on commit. It stamps the moment of commit
(the first on-commit callback, registered before `notify()`'s delivery) and answers with it and
the ids created, so the benchmark can time commit to receipt for each notification.

Only `python -m bench` serves this module (under demo settings); the product never routes here.
"""

from __future__ import annotations

import json
import time
from typing import Any

from channels.db import database_sync_to_async
from django.db import transaction

from config.asgi import application as product_application

from .fanout import EVENT_PATH


def raise_event(*, area_id: int, key: str) -> dict[str, Any]:
    """Notify the area's active coordinators of one benchmark concern, in one transaction."""
    # Models load once config.asgi has set Django up.
    from agencies.models import Membership, Role
    from notifications.models import NotificationKind
    from notifications.services import notify

    committed: dict[str, float] = {}
    with transaction.atomic():
        transaction.on_commit(lambda: committed.setdefault("at", time.time()))
        coordinators = [
            m.user
            for m in Membership.objects.filter(
                area_id=area_id, role=Role.COORDINATOR, is_active=True
            ).select_related("user")
        ]
        ids = notify(
            recipients=coordinators,
            kind=NotificationKind.CONCERN_SUBMITTED,
            event_key=key,
            title=f"Concern {key} submitted",
            url="/triage/",
            area_id=area_id,
        )
    return {"ids": ids, "committed_at": committed.get("at")}


async def _read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def _answer(send: Any, status: int, content: dict[str, Any]) -> None:
    body = json.dumps(content).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http" or scope["path"] != EVENT_PATH:
        await product_application(scope, receive, send)
        return
    if scope["method"] != "POST":
        await _answer(send, 405, {"error": "POST only"})
        return
    try:
        event = json.loads(await _read_body(receive))
        area_id, key = int(event["area"]), str(event["key"])
    except (ValueError, KeyError, TypeError):
        await _answer(send, 400, {"error": "expected {area, key}"})
        return
    # The same single thread (and connection handling) as Django's own sync views.
    await _answer(send, 200, await database_sync_to_async(raise_event)(area_id=area_id, key=key))
