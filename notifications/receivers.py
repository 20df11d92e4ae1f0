"""Receivers: the other apps' signals turned into notifications and live nudges.

Connected in NotificationsConfig.ready; the other apps never import this one.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from agencies.signals import sessions_ended
from referrals.signals import referral_changed

from . import services


@receiver(referral_changed, dispatch_uid="notifications.referral_changed")
def nudge_referral_pages(sender: Any, referral: Any, actor: Any, **kwargs: Any) -> None:
    services.referral_changed(
        referral_id=referral.pk, area_id=referral.area_id, actor_id=getattr(actor, "pk", None)
    )


@receiver(sessions_ended, dispatch_uid="notifications.sessions_ended")
def close_live_streams(sender: Any, user: Any, **kwargs: Any) -> None:
    services.sessions_ended(user_id=user.pk)
