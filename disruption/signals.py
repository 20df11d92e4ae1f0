"""Signals of intelligence for other apps (notifications) to act on."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after the transaction that raised it commits, with `alert` (a LinkAlert).
link_alert_raised = Signal()
