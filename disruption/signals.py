"""Signals of intelligence for other apps (notifications) to act on."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that raised it, with `alert` (a LinkAlert): what a receiver
# records commits or rolls back with the alert.
link_alert_raised = Signal()
