"""Signals of the referral workflow and its casework, for the notifications to act on.

Those sent inside a change's transaction let whatever a receiver records (a notification)
commit or roll back with the change; receivers leave anything outside the database (a
websocket push, an email) to `transaction.on_commit`.
`referral_changed` is sent after commit, once for each timeline entry written.
"""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: referral, actor, transition, source (the state before). Inside the transaction.
referral_step_taken = Signal()
# kwargs: referral, actor. After commit: anything on the referral's timeline changed.
referral_changed = Signal()
# kwargs: action, actor. Inside the transaction: a protective action was given its owner.
action_assigned = Signal()
# kwargs: action, actor, previous_owner, event. Inside the transaction: an action changed hands.
action_owner_changed = Signal()
# kwargs: episode, actor. Inside the transaction: a young person was reported missing.
missing_episode_started = Signal()
# kwargs: episode, actor. Inside the transaction: they are back; the interview is due.
missing_episode_ended = Signal()
# kwargs: access. Inside the transaction: someone opened a referral in an emergency.
break_glass_opened = Signal()
# kwargs: information_request, actor. Inside the transaction: an agency answered or declined.
information_request_answered = Signal()
# kwargs: record (a strategy discussion, section 47 enquiry or NRM referral), actor, previous
# (its values before an update, or None). Inside the transaction.
statutory_step_recorded = Signal()
