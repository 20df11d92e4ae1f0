"""Writes for the API app: issuing and revoking tokens, and replaying retried creates."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from agencies.selectors import acting_membership
from audit.models import AuditAction
from audit.services import audit_record

from .models import ApiToken, IdempotencyKey

TOKEN_BYTES = 32
MAX_LIFETIME_DAYS = 90
IDEMPOTENCY_KEY_LIFETIME = timedelta(hours=24)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_secret(*, lifetime_days: int) -> tuple[str, dict[str, Any]]:
    """A new bearer token's raw secret (shown once) and the fields a BearerToken keeps of it."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = timezone.now() + timedelta(days=lifetime_days)
    return raw, {"prefix": raw[:8], "digest": token_digest(raw), "expires_at": expires_at}


def api_token_create(
    *, actor: Any, name: str, lifetime_days: int, request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for `actor`; returns the record and the raw secret (shown once only)."""
    if not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        raise ValueError(f"lifetime_days must be between 1 and {MAX_LIFETIME_DAYS}")
    raw, secret = new_secret(lifetime_days=lifetime_days)
    with transaction.atomic(durable=True):
        token = ApiToken.objects.create(user=actor, name=name, **secret)
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


def idempotency_keys_purge(*, now: datetime) -> int:
    """Forget stored responses older than a day (a retry that late is a new request).
    Run daily; a key is also purged when it is reused after its lifetime."""
    deleted, _ = IdempotencyKey.objects.filter(
        created_at__lt=now - IDEMPOTENCY_KEY_LIFETIME
    ).delete()
    return deleted


class IdempotencyKeyReused(Exception):
    """The key was first sent with another request (another body or another endpoint)."""


def idempotent(
    *,
    user: Any,
    key: str,
    endpoint: str,
    body: bytes,
    create: Callable[[], tuple[int, Any]],
) -> tuple[int, Any, bool]:
    """Run `create` once per (user, key) within a day; returns (status, body, replayed).

    The key row is inserted first, in the transaction `create` writes in: a concurrent retry
    blocks on the unique index until this commits, then finds the stored response. When
    `create` raises, the row goes with the rest, so a corrected request may reuse the key.
    Raises IdempotencyKeyReused when the key came with a different request."""
    fingerprint = hashlib.sha256(body).hexdigest()
    with transaction.atomic(durable=True):
        IdempotencyKey.objects.filter(
            user=user, key=key, created_at__lt=timezone.now() - IDEMPOTENCY_KEY_LIFETIME
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user, key=key, endpoint=endpoint, fingerprint=fingerprint
                )
        except IntegrityError:
            first = IdempotencyKey.objects.get(user=user, key=key)
            if (first.endpoint, first.fingerprint) != (endpoint, fingerprint):
                raise IdempotencyKeyReused(first.endpoint) from None
            return first.response_status, first.response_body, True
        status, data = create()
        record.response_status, record.response_body = status, data
        record.save(update_fields=["response_status", "response_body"])
    return status, data, False
