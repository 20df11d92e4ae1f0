"""The websocket each signed-in page opens: the user's notifications, live, plus nudges when a
referral page or triage queue the user may see has changed.

Client messages (JSON, each with a `type`):
- `catch_up` {since, seen}: after a (re)connect, everything missed since notification `since`,
  leaving out the ids in `seen`;
- `watch_triage`: nudges when the triage queue of an area the user coordinates changes;
- `watch_referral` {reference}: nudges when that referral changes, if the user may see it.
Anything else is ignored and logged.
"""

from __future__ import annotations

import logging
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from . import live
from .selectors import notifications_missed, unread_count
from .services import payload
from .watch import allowed_referral_id, session_allows, still_allowed, triage_area_ids

logger = logging.getLogger(__name__)

# Close codes the page acts on (frontend/static/frontend/notifications.js). They are from the
# range RFC 6455 leaves to applications: daphne (autobahn) sends no code but 1000 and
# 3000-4999, so a 1008 reached the page as 1011, an error it kept retrying.
SIGNED_OUT = 4401  # no signed-in session, or it has ended: the page stops and says sign in again
LIVE_PAUSED = 4503  # the channel layer (Redis) cannot be reached: the page says so, retries slowly
LAYER_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
MAX_SEEN = 500
_NOT_JSON = object()  # what decode_json gives for text it cannot read (already logged)


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    groups: list[str]
    accepted = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Channels' consumer, refusing the stream cleanly (LIVE_PAUSED) when the channel layer
        cannot be reached, rather than failing the handshake with a server error. Nothing is
        lost meanwhile: notifications are rows, and the page catches up when it reconnects."""
        try:
            await super().__call__(scope, receive, send)
        except LAYER_UNREACHABLE as exc:
            logger.warning("live stream refused: the channel layer cannot be reached (%s)", exc)
            if not self.accepted:
                # The layer failed before the handshake was read: accept it, so that the close
                # carries its code (a refused handshake has none), unless the client has gone.
                if (await receive()).get("type") != "websocket.connect":
                    return
                await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": LIVE_PAUSED})

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        await super().accept(subprotocol, headers)
        self.accepted = True

    async def connect(self) -> None:
        self.groups = []
        user = self.scope.get("user")
        session = self.scope.get("session")
        # Accept first so that the refusal carries its close code (a refused handshake has none).
        await self.accept()
        count = (
            None
            if user is None or session is None
            else await database_sync_to_async(_admitted_unread)(user=user, session=session)
        )
        if count is None:
            await self.close(code=SIGNED_OUT)
            return
        self.user_id = user.pk
        self.session_expires = session.get_expiry_date()
        await self._join(live.user_group(user.pk))
        await self.send_json({"type": "hello", "unread": count})

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' own dispatch, without the stale-connection sweep it runs before every
        message. That sweep takes a turn on the one thread that also runs Django's sync views
        and every database call, so each push to each page would queue behind whatever requests
        are in progress. This consumer touches the database only through
        `database_sync_to_async`, which sweeps before and after each call itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def _join(self, group: str) -> None:
        if group not in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups.append(group)

    async def disconnect(self, code: int) -> None:
        for group in self.groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _session_over(self) -> bool:
        if timezone.now() < self.session_expires:
            return False
        await self.close(code=SIGNED_OUT)
        return True

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if content is _NOT_JSON or not hasattr(self, "user_id") or await self._session_over():
            return
        kind = content.get("type") if isinstance(content, dict) else None
        handler = {
            "catch_up": self._catch_up,
            "watch_triage": self._watch_triage,
            "watch_referral": self._watch_referral,
        }.get(kind if isinstance(kind, str) else "")
        if handler is None:
            logger.warning("websocket message of unknown type ignored: %.80r", kind)
            return
        await handler(content)

    async def decode_json(self, text_data: str) -> Any:
        try:
            return await super().decode_json(text_data)
        except ValueError:
            logger.warning("websocket message that is not JSON ignored")
            return _NOT_JSON

    async def _catch_up(self, content: dict[str, Any]) -> None:
        since = _int(content.get("since"))
        raw_seen = content.get("seen")
        seen = {_int(i) for i in raw_seen[:MAX_SEEN]} if isinstance(raw_seen, list) else set()
        user = self.scope["user"]
        missed = await database_sync_to_async(notifications_missed)(
            user=user, since=since, seen=seen
        )
        count = await database_sync_to_async(unread_count)(user=user)
        await self.send_json(
            {"type": "caught_up", "notifications": [payload(n) for n in missed], "unread": count}
        )

    async def _watch_triage(self, content: dict[str, Any]) -> None:
        for area_id in await database_sync_to_async(triage_area_ids)(user=self.scope["user"]):
            await self._join(live.triage_group(area_id))

    async def _watch_referral(self, content: dict[str, Any]) -> None:
        reference = content.get("reference")
        referral_id = await database_sync_to_async(allowed_referral_id)(
            user=self.scope["user"], reference=reference if isinstance(reference, str) else ""
        )
        if referral_id is not None:
            await self._join(live.referral_group(referral_id))

    # Channel layer events, named after their "type" with the dot as an underscore.

    async def notification_new(self, event: dict[str, Any]) -> None:
        if not await self._session_over():
            await self.send_json({"type": "notification", **_without_type(event)})

    async def unread_changed(self, event: dict[str, Any]) -> None:
        if not await self._session_over():
            await self.send_json({"type": "unread", **_without_type(event)})

    async def triage_changed(self, event: dict[str, Any]) -> None:
        if not await self._session_over():
            await self.send_json({"type": "triage_changed", "sent_at": event.get("sent_at")})

    async def referral_changed(self, event: dict[str, Any]) -> None:
        if await self._session_over():
            return
        referral_id = _int(event.get("referral_id"))
        if not await database_sync_to_async(still_allowed)(
            user=self.scope["user"], referral_id=referral_id
        ):
            await self._leave(live.referral_group(referral_id))
            return
        await self.send_json(
            {
                "type": "referral_changed",
                "by_me": event.get("actor_id") == self.user_id,
                "sent_at": event.get("sent_at"),
            }
        )

    async def _leave(self, group: str) -> None:
        """Out of the user's sight since the page began watching (a restriction, a role
        ended, an emergency access run out): no more nudges from it."""
        await self.channel_layer.group_discard(group, self.channel_name)
        self.groups = [g for g in self.groups if g != group]

    async def session_ended(self, event: dict[str, Any]) -> None:
        await self.close(code=SIGNED_OUT)


def _admitted_unread(*, user: Any, session: Any) -> int | None:
    """The unread count to greet a session that may open the stream with; None when it may not.
    One call, so a connection costs one turn on the database thread, not two."""
    return unread_count(user=user) if session_allows(user=user, session=session) else None


def _without_type(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "type"}


def _int(value: Any) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0
