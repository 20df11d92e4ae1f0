"""Pages. Views only call selectors and services; templates do the rest."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from agencies.selectors import active_memberships
from api.errors import api_error_response, is_api_request
from referrals.selectors import referral_list

from .health import readiness

REFERRALS_PER_PAGE = 25


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request, "frontend/home.html", {"memberships": active_memberships(user=request.user)}
    )


class SignInView(auth_views.LoginView):
    template_name = "frontend/sign_in.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


@login_required
@permission_required("referrals.view_referral_list", raise_exception=True)
def referral_list_page(request: HttpRequest) -> HttpResponse:
    page = Paginator(referral_list(user=request.user), REFERRALS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "frontend/referral_list.html", {"page": page})


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks = readiness()
    ready = all(check.ok for check in checks)
    body = {
        "status": "ready" if ready else "not_ready",
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    return JsonResponse(body, status=200 if ready else 503)


@require_GET
@never_cache
def health_page(request: HttpRequest) -> HttpResponse:
    checks = readiness()
    return render(
        request,
        "frontend/health.html",
        {"checks": checks, "ready": all(check.ok for check in checks)},
        status=200 if all(check.ok for check in checks) else 503,
    )


def _error(request: HttpRequest, status: int, code: str, title: str, message: str) -> HttpResponse:
    if is_api_request(request):
        return api_error_response(status, code, message)
    context: dict[str, Any] = {"title": title, "message": message}
    return render(request, "frontend/error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        400,
        "bad_request",
        "Sorry, there is a problem with the request",
        "The request could not be understood. Go back and try again.",
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        403,
        "permission_denied",
        "You do not have access to this page",
        "Your role does not include this page. Ask your area administrator if you need it.",
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        404,
        "not_found",
        "Page not found",
        "If you typed the web address, check it is correct. "
        "If you pasted it, check you copied the entire address.",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    title, message = "Sorry, there is a problem with the service", "Try again later."
    if is_api_request(request):
        return api_error_response(500, "server_error", message)
    # No request context: the failure may be the database the context processors would query.
    html = get_template("frontend/error.html").render({"title": title, "message": message})
    return HttpResponseServerError(html)
