"""Session guards: ended sessions stay ended; a password alone reaches only the sign-in steps."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from api.errors import api_error_response, is_api_request

from .selectors import confirmed_totp_device, second_factor_pending
from .sessions import session_is_current


class SessionEpochMiddleware:
    """Sign out a session started before the user's last "sign out everywhere" (or
    deactivation), and any signed-in session that never recorded an epoch."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not session_is_current(session=request.session, user=user):
            logout(request)
        return self.get_response(request)


def second_factor_url(*, user: object, next_url: str = "") -> str:
    """The step a signed-in but unverified user goes to: the code, or setting up an app."""
    name = (
        "frontend:sign-in-code" if confirmed_totp_device(user=user) else "frontend:sign-in-set-up"
    )
    return url_with_next(name, next_url)


def url_with_next(url_name: str, next_url: str) -> str:
    """The named page, carrying where to go afterwards when there is somewhere."""
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class TwoFactorRequiredMiddleware:
    """Until the second factor is done, pages redirect to it and the API answers 403.

    Bearer-token API calls pass: DRF authenticates them by the token alone, and a token can
    only be created from a session that completed both factors.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.TWO_FACTOR_REQUIRED and not _exempt(request):
            user = request.user
            if second_factor_pending(user=user):
                if is_api_request(request):
                    return api_error_response(
                        403,
                        "two_factor_required",
                        "Finish signing in with your second factor before using the API.",
                    )
                next_url = request.get_full_path() if request.method == "GET" else ""
                return HttpResponseRedirect(second_factor_url(user=user, next_url=next_url))
        return self.get_response(request)


def _exempt(request: HttpRequest) -> bool:
    path = request.path
    if path.startswith((reverse("frontend:sign-in"), settings.STATIC_URL or "/static/")):
        return True  # every sign-in step lives under /sign-in/
    if path in {
        reverse("frontend:sign-out"),
        reverse("frontend:healthz"),
        reverse("frontend:readyz"),
        reverse("frontend:health"),
    }:
        return True
    authorization = request.headers.get("Authorization", "")
    return is_api_request(request) and authorization.startswith("Bearer ")


ACTING_MEMBERSHIP_SESSION_KEY = "acting_membership_id"


class ActingMembershipMiddleware:
    """Carry the membership the user chose to act as from the session to the user object,
    where `active_memberships` puts it first: audit records then name it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.session.get(ACTING_MEMBERSHIP_SESSION_KEY)
        if chosen is not None and request.user.is_authenticated:
            request.user.acting_membership_id = chosen  # type: ignore[attr-defined]
        return self.get_response(request)
