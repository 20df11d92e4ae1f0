"""Lockout after repeated failures (django-axes), shared by the password and code steps, and
the per-username slowdown of password attempts.

Axes counts failed passwords on its own (through `django.contrib.auth.authenticate`); wrong
second-factor codes are reported here the same way, so both count towards one limit. Axes
locks a username at one address (settings.AXES_LOCKOUT_PARAMETERS); guessing one account's
password from many addresses is slowed here instead, from the same record of failures.
"""

from __future__ import annotations

import math
from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone

from audit.selectors import signed_in_from
from audit.services import client_address


def is_locked_out(*, username: str, request: HttpRequest) -> bool:
    return AxesProxyHandler.is_locked(request, get_credentials(username))


def record_failure(*, username: str, request: HttpRequest) -> bool:
    """Count a failed attempt for `username`; True when the account is now locked."""
    user_login_failed.send(sender=__name__, credentials=get_credentials(username), request=request)
    return bool(getattr(request, "axes_locked_out", False))


def reset_failures(*, username: str) -> None:
    """Forget earlier failures once someone has proved both factors (or unlocks the account)."""
    reset(username=username)


def sign_in_wait(*, username: str, request: HttpRequest) -> int:
    """Seconds this client must wait before a password for `username` is checked; 0 mostly.

    Once the account has SIGN_IN_SLOWDOWN_AFTER failures from any addresses within the
    cool-off, each further attempt waits 1, 2, 4... seconds after the latest failure, never
    more than SIGN_IN_SLOWDOWN_CAP. A refused attempt is not checked and not counted, so an
    attacker cannot lengthen the wait, and the account's owner is never locked out by it;
    from an address the account has lately signed in from, the owner is not slowed at all.
    """
    now = timezone.now()
    recent = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=now - settings.AXES_COOLOFF_TIME
    ).aggregate(failures=Sum("failures_since_start"), latest=Max("attempt_time"))
    beyond = (recent["failures"] or 0) - settings.SIGN_IN_SLOWDOWN_AFTER
    if beyond < 0:
        return 0
    cap = settings.SIGN_IN_SLOWDOWN_CAP
    delay = min(timedelta(seconds=2 ** min(beyond, 30)), cap)
    remaining = (recent["latest"] + delay - now).total_seconds()
    if remaining <= 0:
        return 0
    known_since = now - timedelta(days=settings.SIGN_IN_KNOWN_ADDRESS_DAYS)
    if signed_in_from(username=username, ip_address=client_address(request), since=known_since):
        return 0
    return math.ceil(remaining)
