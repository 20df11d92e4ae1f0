"""Receivers: the other apps' signals turned into notifications and live nudges.

Connected in NotificationsConfig.ready; the other apps never import this one. Who is told of
what, and in which words, is decided in `producers`.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.db import transaction
from django.dispatch import receiver

from agencies.signals import sessions_ended
from disruption.signals import link_alert_raised
from referrals import signals as referral_signals

from . import producers, services


@receiver(referral_signals.referral_changed, dispatch_uid="notifications.referral_changed")
def nudge_referral_pages(sender: Any, referral: Any, actor: Any, **kwargs: Any) -> None:
    services.referral_changed(
        referral_id=referral.pk, area_id=referral.area_id, actor_id=getattr(actor, "pk", None)
    )


@receiver(sessions_ended, dispatch_uid="notifications.sessions_ended")
def close_live_streams(sender: Any, user: Any, **kwargs: Any) -> None:
    services.sessions_ended(user_id=user.pk)


@receiver(referral_signals.referral_step_taken, dispatch_uid="notifications.step_taken")
def tell_of_step(sender: Any, referral: Any, actor: Any, transition: str, **kwargs: Any) -> None:
    producers.step_taken(referral=referral, actor=actor, transition=transition)


@receiver(referral_signals.action_assigned, dispatch_uid="notifications.action_assigned")
def tell_action_owner(sender: Any, action: Any, actor: Any, **kwargs: Any) -> None:
    producers.action_assigned(action=action, actor=actor)


@receiver(referral_signals.information_request_answered, dispatch_uid="notifications.information")
def tell_of_answer(sender: Any, information_request: Any, actor: Any, **kwargs: Any) -> None:
    producers.information_request_answered(information_request=information_request, actor=actor)


@receiver(referral_signals.action_owner_changed, dispatch_uid="notifications.action_owner")
def tell_new_action_owner(sender: Any, action: Any, actor: Any, event: Any, **kwargs: Any) -> None:
    producers.action_owner_changed(action=action, actor=actor, event=event)


@receiver(referral_signals.missing_episode_started, dispatch_uid="notifications.missing")
def tell_of_missing(sender: Any, episode: Any, actor: Any, **kwargs: Any) -> None:
    producers.missing_reported(episode=episode, actor=actor)


@receiver(referral_signals.missing_episode_ended, dispatch_uid="notifications.returned")
def tell_interview_due(sender: Any, episode: Any, actor: Any, **kwargs: Any) -> None:
    producers.return_interview_due(episode=episode, actor=actor)


@receiver(referral_signals.statutory_step_recorded, dispatch_uid="notifications.statutory")
def tell_of_statutory_step(
    sender: Any, record: Any, actor: Any, previous: dict[str, Any] | None, **kwargs: Any
) -> None:
    producers.statutory_step_recorded(record=record, actor=actor, previous=previous)


@receiver(referral_signals.break_glass_opened, dispatch_uid="notifications.break_glass")
def tell_of_break_glass(sender: Any, access: Any, **kwargs: Any) -> None:
    producers.break_glass_opened(access=access)


@receiver(link_alert_raised, dispatch_uid="notifications.link_alert")
def tell_of_link_alert(sender: Any, alert: Any, **kwargs: Any) -> None:
    producers.link_alert_raised(alert=alert)


@receiver(user_locked_out, dispatch_uid="notifications.lockout")
def tell_of_lockout(sender: Any, username: str | None = None, **kwargs: Any) -> None:
    # Sent by django-axes in the sign-in request, outside any transaction of ours: the
    # notification commits here, and is delivered once it has.
    if username:
        with transaction.atomic():
            producers.account_locked_out(username=username)
