"""Live delivery over the channel layer: the groups a websocket joins and what is sent to them.

Messages to a group carry no case content beyond what that group's members were already told:
a notification goes only to its recipient's group, and a change to a referral or a triage
queue is only a nudge ("it changed"), after which the page fetches what its user may see.
"""

from __future__ import annotations

import asyncio
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
    """Send each message to its group now, stamped with its send time (`sent_at`) so clients
    can measure latency. The sends run side by side: no order holds between the messages, so
    callers send at most one message to a group at a time.

    Called after commit, from synchronous code: the messages go in one hop to the event loop,
    not one each, so a notification to many people does not wait for the loop once per
    person. A channel layer that is down must not undo or hide the change that was just
    committed: the notification rows are kept, and the client catches up on them when it
    reconnects.
    """
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all() -> list[Any]:
        return await asyncio.gather(
            *(layer.group_send(group, {**m, "sent_at": time.time()}) for group, m in messages),
            return_exceptions=True,
        )

    try:
        outcomes = async_to_sync(send_all)()
    except Exception:
        logger.exception("live delivery failed")
        return
    for (group, _), outcome in zip(messages, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            logger.error("live delivery to %s failed", group, exc_info=outcome)
