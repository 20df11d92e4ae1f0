"""Writes for the API app: issuing and revoking tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from agencies.selectors import acting_membership
from audit.models import AuditAction
from audit.services import audit_record

from .models import ApiToken

TOKEN_BYTES = 32
MAX_LIFETIME_DAYS = 90


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(
    *, actor: Any, name: str, lifetime_days: int, request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for `actor`; returns the record and the raw secret (shown once only)."""
    if not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        raise ValueError(f"lifetime_days must be between 1 and {MAX_LIFETIME_DAYS}")
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic(durable=True):
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=raw[:8],
            digest=token_digest(raw),
            expires_at=timezone.now() + timedelta(days=lifetime_days),
        )
        audit_record(
            action=AuditAction.TOKEN_CREATED,
            actor=actor,
            membership=acting_membership(user=actor),
            request=request,
            target=token,
            details={"name": name, "expires_at": token.expires_at.isoformat()},
        )
    return token, raw


def api_token_revoke(
    *, token: ApiToken, actor: Any, request: HttpRequest | None = None
) -> ApiToken:
    with transaction.atomic(durable=True):
        locked = ApiToken.objects.select_for_update().get(pk=token.pk, user=actor)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            audit_record(
                action=AuditAction.TOKEN_REVOKED,
                actor=actor,
                membership=acting_membership(user=actor),
                target=locked,
                request=request,
            )
    return locked
