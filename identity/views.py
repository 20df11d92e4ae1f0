"""The endpoint agencies' providers call, server to server (no page, no session, no CSRF
token: the logout token's signature is what is trusted)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_record

from .protocol import ProviderError
from .services import back_channel_logout

logger = logging.getLogger(__name__)

TOKEN_CAP = 16_000  # characters: a logout token is a small JWT


@csrf_exempt
@never_cache
@require_POST
def back_channel_logout_endpoint(request: HttpRequest) -> HttpResponse:
    """OpenID Connect Back-Channel Logout 1.0: the provider POSTs `logout_token`; a verified
    one ends that person's sessions and API tokens (200), anything else is refused (400)."""
    token = request.POST.get("logout_token", "")
    if not token or len(token) > TOKEN_CAP:
        return _refused(request, "no logout token, or one too long")
    try:
        back_channel_logout(logout_token=token)
    except ProviderError as exc:
        return _refused(request, exc.reason)
    return HttpResponse(status=200)


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    logger.warning("Back-channel logout refused: %s", reason)
    audit_record(
        action=AuditAction.PERMISSION_DENIED,
        request=request,
        details={"back_channel_logout": reason[:500]},
    )
    return JsonResponse({"error": "invalid_request", "error_description": reason}, status=400)
