"""Live delivery over the channel layer: the groups a websocket joins and what is sent to them.

Messages to a group carry no case content beyond what that group's members were already told:
a notification goes only to its recipient's group, and a change to a referral or a triage
queue is only a nudge ("it changed"), after which the page fetches what its user may see.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"notify.user.{user_id}"


def triage_group(area_id: int) -> str:
    return f"notify.triage.{area_id}"


def referral_group(referral_id: int) -> str:
    return f"notify.referral.{referral_id}"


def send(group: str, message: dict[str, Any]) -> None:
    """Send to a group now; see `send_each`."""
    send_each([(group, message)])


def send_each(messages: list[tuple[str, dict[str, Any]]]) -> None:
    """Send each message to its group now, each stamped with its send time (`sent_at`) so
    clients can measure latency.

    Called after commit, from synchronous code: the messages go in one hop to the event loop,
    not one each, so a notification to many people does not wait for the loop once per
    person. A channel layer that is down must not undo or hide the change that was just
    committed: the notification rows are kept, and the client catches up on them when it
    reconnects.
    """
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all() -> None:
        for group, message in messages:
            try:
                await layer.group_send(group, {**message, "sent_at": time.time()})
            except Exception:
                logger.exception("live delivery to %s failed", group)

    try:
        async_to_sync(send_all)()
    except Exception:
        logger.exception("live delivery failed")
