"""Signals sent after a referral's change has committed, for the notifications to act on.

Sent from `transaction.on_commit`, so a receiver never sees (or announces) a change that was
rolled back, and a slow receiver never holds the referral's row lock."""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: referral, actor, transition, source (the state before)
referral_step_taken = Signal()
