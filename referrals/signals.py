"""Signals of the referral workflow, for the notifications to act on.

`referral_step_taken` is sent inside the step's transaction, so whatever a receiver records (a
notification) commits or rolls back with the step; receivers leave anything outside the
database (a websocket push, an email) to `transaction.on_commit`.
`referral_changed` is sent after commit, once for each timeline entry written.
"""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: referral, actor, transition, source (the state before). Inside the transaction.
referral_step_taken = Signal()
# kwargs: referral, actor. After commit: anything on the referral's timeline changed.
referral_changed = Signal()
