"""The embedded default's channel layer: expired messages are still swept, once a second."""

from __future__ import annotations

import pytest

from notifications import layers
from notifications.layers import EmbeddedChannelLayer

pytestmark = pytest.mark.asyncio


async def test_expired_messages_are_swept_at_most_once_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [100.0]
    monkeypatch.setattr(layers, "monotonic", lambda: clock[0])
    layer = EmbeddedChannelLayer(expiry=0)  # every message has expired once sent
    channel = await layer.new_channel()
    await layer.group_add("page", channel)
    await layer.group_send("page", {"type": "nudge"})  # sweeps first, then sends

    clock[0] += layers.SWEEP_INTERVAL_S / 2
    await layer.group_send("elsewhere", {"type": "nudge"})
    assert channel in layer.channels  # not swept again yet

    clock[0] += layers.SWEEP_INTERVAL_S / 2
    await layer.group_send("elsewhere", {"type": "nudge"})
    assert channel not in layer.channels
    assert "page" not in layer.groups or channel not in layer.groups["page"]
