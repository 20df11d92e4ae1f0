"""The channel layer of the embedded default (no Redis): Channels' in-memory layer, swept less.

Channels' in-memory layer looks for expired messages and group memberships on every send and
every receive, walking every channel and every membership each time. With hundreds of pages
open that walk is most of the server's event loop (each push costs one send and one receive),
and pushes queue behind it. Messages expire after a minute and memberships after a day, so a
sweep at most once a second loses nothing.
"""

from __future__ import annotations

from time import monotonic

from channels.layers import InMemoryChannelLayer

SWEEP_INTERVAL_S = 1.0


class EmbeddedChannelLayer(InMemoryChannelLayer):
    _swept_at = float("-inf")

    def _clean_expired(self) -> None:
        now = monotonic()
        if now - self._swept_at < SWEEP_INTERVAL_S:
            return
        self._swept_at = now
        super()._clean_expired()
