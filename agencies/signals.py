"""Signals of people and their sessions, for the notifications to act on."""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: user. After commit: every session of `user` has ended (signed out everywhere,
# deactivated), so open websockets must close too.
sessions_ended = Signal()
