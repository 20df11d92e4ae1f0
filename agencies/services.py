"""Writes about people: second factors, ending sessions, deactivation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.models import ApiToken

from . import auth_events
from .lockout import reset_failures
from .models import User

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def normalise_code(code: str) -> str:
    """People type codes with spaces, or copy recovery codes in capitals."""
    return "".join(code.split()).lower()


def two_factor_enrolment_device(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator the user is setting up; the same one until confirmed, so
    a reload keeps the secret they may already have scanned."""
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        # Replacing a confirmed authenticator needs the old one first; never from this step.
        raise PermissionDenied("The user already has an authenticator app")
    with transaction.atomic(durable=True):
        User.objects.select_for_update().filter(pk=user.pk).first()  # one device per user
        device = (
            TOTPDevice.objects.devices_for_user(user, confirmed=False)
            .select_for_update()
            .order_by("pk")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def two_factor_enrolment_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the authenticator with a code from it. Returns the device and new recovery codes
    (shown once), or None when the code is wrong."""
    with transaction.atomic(durable=True):
        if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
            return None
        device = (
            TOTPDevice.objects.devices_for_user(user, confirmed=False)
            .select_for_update()
            .order_by("pk")
            .first()
        )
        if device is None or not device.verify_token(normalise_code(code)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
        codes = _replace_recovery_codes(user)
    return device, codes


def _replace_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()  # earlier codes stop working
    static = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


@dataclass(frozen=True)
class CodeCheck:
    device: Device | None = None  # the device that accepted the code
    throttled: bool = False  # too soon after a wrong code: not checked, so not a failure


def two_factor_verify(*, user: User, code: str) -> CodeCheck:
    """Check `code` against the authenticator (digits) or the recovery codes (used up on
    success). Concurrent checks for one user queue on the device row, so django-otp's growing
    delay after each wrong code also holds against a burst of parallel guesses."""
    code = normalise_code(code)
    with transaction.atomic(durable=True):
        device: Device | None
        if code.isdigit():
            device = (
                TOTPDevice.objects.devices_for_user(user, confirmed=True)
                .select_for_update()
                .order_by("pk")
                .first()
            )
        else:
            device = (
                StaticDevice.objects.devices_for_user(user, confirmed=True)
                .select_for_update()
                .order_by("pk")
                .first()
            )
        if device is None or not code:
            return CodeCheck()
        if not device.verify_is_allowed()[0]:
            return CodeCheck(throttled=True)
        return CodeCheck(device=device if device.verify_token(code) else None)


def user_unlock(*, user: User, actor: Any) -> None:
    """Let a locked-out user try again now rather than after the cool-off."""
    reset_failures(username=user.get_username())


def _end_sessions_and_tokens(user: User) -> int:
    """Inside the caller's transaction: every session fails the epoch check from its next
    request; every live API token is revoked. Returns how many tokens were revoked."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch", "is_active"])
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def user_sign_out_everywhere(*, user: User, actor: Any) -> int:
    """End every session the user has, on every device, and revoke their API tokens."""
    with transaction.atomic(durable=True):
        revoked = _end_sessions_and_tokens(user)
        auth_events.signed_out_everywhere(user=user, actor=actor, revoked_tokens=revoked)
    return revoked


def user_deactivate(*, user: User, actor: Any) -> int:
    """The user can no longer sign in or use the API. Memberships are kept for the record."""
    with transaction.atomic(durable=True):
        User.objects.filter(pk=user.pk).update(is_active=False)
        revoked = _end_sessions_and_tokens(user)
        auth_events.deactivated(user=user, actor=actor, revoked_tokens=revoked)
    return revoked
