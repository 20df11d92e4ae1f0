"""API tokens (shown once at creation, stored only as a SHA-256 digest, expiring and
revocable) and the responses kept for retried create requests."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class BearerToken(models.Model):
    """A secret shown once when issued and stored only as its SHA-256 digest, expiring and
    revocable: a person's API token, or an agency's provisioning token."""

    prefix = models.CharField(max_length=8, help_text="First characters, to tell tokens apart")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class ApiToken(BearerToken):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyKey(models.Model):
    """The first response to a create request sent with an `Idempotency-Key` header, so that
    a client retrying after a lost response gets that response again instead of a duplicate.

    Written in the transaction that creates the record, so either both exist or neither."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=500, help_text="Method and path, e.g. POST /api/…")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body")
    # Set before the transaction that inserts the row commits: no one else sees it without.
    response_status = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.endpoint})"
