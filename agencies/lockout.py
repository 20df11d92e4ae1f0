"""Lockout after repeated failures (django-axes), shared by the password and code steps.

Axes counts failed passwords on its own (through `django.contrib.auth.authenticate`); wrong
second-factor codes are reported here the same way, so both count towards one limit.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from axes.utils import reset
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest


def is_locked_out(*, username: str, request: HttpRequest) -> bool:
    return AxesProxyHandler.is_locked(request, get_credentials(username))


def record_failure(*, username: str, request: HttpRequest) -> bool:
    """Count a failed attempt for `username`; True when the account is now locked."""
    user_login_failed.send(sender=__name__, credentials=get_credentials(username), request=request)
    return bool(getattr(request, "axes_locked_out", False))


def reset_failures(*, username: str) -> None:
    """Forget earlier failures once someone has proved both factors (or unlocks the account)."""
    reset(username=username)
