"""Session epochs: raising `User.session_epoch` ends every session the user has.

Each session remembers the epoch it started in; `SessionEpochMiddleware` signs out a session
whose epoch is no longer the user's. Stamped on every sign-in, whichever view performs it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

SESSION_EPOCH_KEY = "session_epoch"


@receiver(user_logged_in, dispatch_uid="agencies.sessions.stamp_session_epoch")
def stamp_session_epoch(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    request.session[SESSION_EPOCH_KEY] = user.session_epoch


def session_is_current(*, session: Any, user: Any) -> bool:
    """False once the user signed out everywhere (or was deactivated) after this session began.

    Websocket consumers get no HTTP middleware: they should check this (and the second factor)
    themselves when they accept a connection.
    """
    return session.get(SESSION_EPOCH_KEY) == getattr(user, "session_epoch", None)
