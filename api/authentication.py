"""`Authorization: Bearer <token>` authentication against hashed, expiring tokens."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from agencies.selectors import acting_membership
from audit.models import AuditAction
from audit.services import audit_record

from .models import ApiToken
from .selectors import api_token_for_digest, api_token_for_secret, api_token_refusal_reason
from .services import token_digest

# One answer whatever the reason, so a caller cannot probe which tokens exist or were revoked.
REFUSED = "The token is unknown, expired or revoked."


class HashedTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be 'Bearer <token>'."
            )
        token = api_token_for_secret(raw=header[1])
        if token is None:
            _record_refusal(request, raw=header[1])
            raise exceptions.AuthenticationFailed(REFUSED)
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def _record_refusal(request: Request, *, raw: str) -> None:
    """Audit a refused token, naming its owner when it was once issued. No transaction is open
    here (ATOMIC_REQUESTS is off), so audit_record commits its own although the request fails."""
    stored = api_token_for_digest(digest=token_digest(raw))
    if stored is None:
        # A made-up token names no account; recording each would let anyone, unsigned, flood
        # the audit chain (authentication runs before throttling).
        return
    owner = stored.user
    audit_record(
        action=AuditAction.SIGN_IN_FAILED,
        actor=owner,
        membership=acting_membership(user=owner),  # so area administrators see it
        request=request._request,
        details={
            "via": "api_token",
            # None only if the token became live between the two reads: keep the event anyway.
            "reason": api_token_refusal_reason(token=stored) or "unknown",
            "prefix": raw[:8],
        },
    )


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.HashedTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}
