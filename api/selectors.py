"""Reads for the API app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from .models import ApiToken
from .services import token_digest


def api_token_list(*, user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def api_token_for_secret(*, raw: str) -> ApiToken | None:
    """The live token matching `raw`, with its active user, or None."""
    return (
        ApiToken.objects.select_related("user")
        .filter(
            digest=token_digest(raw),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )


def api_token_for_digest(*, digest: str) -> ApiToken | None:
    """The token with `digest` whatever its state (revoked, expired, owner inactive), or None:
    for recording whose token a refused request presented."""
    return ApiToken.objects.select_related("user").filter(digest=digest).first()


def api_token_refusal_reason(*, token: ApiToken | None) -> str | None:
    """Why `token` cannot authenticate ("unknown", "revoked", "expired", "inactive_user"),
    or None when it can. A revoked token is reported as revoked even once it has expired."""
    if token is None:
        return "unknown"
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= timezone.now():
        return "expired"
    if not token.user.is_active:
        return "inactive_user"
    return None
