"""Sign-in events for the audit record: the one place sign-in code reports to the audit app.

Keep them plain module functions: tests monkeypatch them to see they were called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from audit.models import AuditAction
from audit.services import audit_record

from .models import Membership, User
from .selectors import acting_membership


def _as_member(user: Any) -> dict[str, Any]:
    """Actor and membership for an event, so area administrators find it under their area."""
    return {"actor": user, "membership": acting_membership(user=user)}


def _attempted(username: str) -> dict[str, Any]:
    """The account a failed attempt named, if it exists; the typed name is kept either way."""
    user = User.objects.filter(username=username).first()
    return _as_member(user) if user is not None else {"actor": None, "membership": None}


def signed_in(*, user: Any, request: HttpRequest, via: str = "") -> None:
    """Both factors (or the password alone where two factors are not required) succeeded.
    `via` names the agency's own sign-in (OpenID Connect) when it was the first factor, or
    both."""
    details = {"via": via[:200]} if via else None
    audit_record(action=AuditAction.SIGN_IN, request=request, details=details, **_as_member(user))


def provider_sign_in_refused(
    *, provider: str, reason: str, request: HttpRequest, user: Any = None
) -> None:
    """An agency's own sign-in (OpenID Connect) answered something that signs nobody in: a
    token that does not check, an unknown person, a replayed or unknown `state`."""
    audit_record(
        action=AuditAction.SIGN_IN_FAILED,
        request=request,
        details={"via": provider[:200], "reason": reason[:500]},
        **(_as_member(user) if user is not None else {"actor": None, "membership": None}),
    )


def sign_in_failed(*, username: str, request: HttpRequest) -> None:
    """A wrong username, email address or password. `username` is what was typed."""
    audit_record(
        action=AuditAction.SIGN_IN_FAILED,
        request=request,
        details={"username": username[:150]},
        **_attempted(username),
    )


def sign_in_slowed(*, username: str, request: HttpRequest, seconds: int) -> None:
    """An attempt refused unchecked: the account has many recent failures from anywhere."""
    audit_record(
        action=AuditAction.SIGN_IN_FAILED,
        request=request,
        details={"username": username[:150], "slowed_seconds": seconds},
        **_attempted(username),
    )


def two_factor_failed(*, user: Any, request: HttpRequest) -> None:
    """A wrong authenticator code or recovery code after a correct password."""
    audit_record(action=AuditAction.TWO_FACTOR_FAILED, request=request, **_as_member(user))


def locked_out(*, username: str, request: HttpRequest, via: str = "") -> None:
    """An attempt refused because the account has too many recent failures. `via` names the
    agency's own sign-in (OpenID Connect) when the attempt came back from it."""
    audit_record(
        action=AuditAction.LOCKOUT,
        request=request,
        details={"username": username[:150], **({"via": via[:200]} if via else {})},
        **_attempted(username),
    )


def signed_out(*, user: Any, request: HttpRequest) -> None:
    """The user signed out of this browser."""
    audit_record(action=AuditAction.SIGN_OUT, request=request, **_as_member(user))


def signed_out_everywhere(
    *, user: Any, actor: Any, revoked_tokens: int, because: Mapping[str, str] | None = None
) -> None:
    """Every session of `user` ended and their API tokens were revoked (inside the transaction)."""
    audit_record(
        action=AuditAction.SIGN_OUT,
        actor=actor,
        membership=_as_member(actor)["membership"],
        target=user,
        details={"everywhere": True, "revoked_tokens": revoked_tokens, **(because or {})},
    )


def deactivated(
    *, user: Any, actor: Any, revoked_tokens: int, membership: Membership | None = None
) -> None:
    """`user` can no longer sign in; sessions ended, tokens revoked (inside the transaction).
    `membership` is the role the actor did it in (an area administrator's, for that area)."""
    audit_record(
        action=AuditAction.DEACTIVATED,
        actor=actor,
        membership=membership or _as_member(actor)["membership"],
        target=user,
        details={"revoked_tokens": revoked_tokens},
    )
