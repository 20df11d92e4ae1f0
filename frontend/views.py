"""Pages. Views only call selectors and services; templates do the rest."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from agencies.middleware import ACTING_MEMBERSHIP_SESSION_KEY
from agencies.selectors import acting_membership, active_memberships
from api.errors import api_error_response, is_api_request
from audit.services import audit_permission_denied
from referrals.audited_reads import records_seen, referral_open
from referrals.break_glass import break_glass_open, break_glass_review
from referrals.selectors import (
    break_glass_for_review,
    referral_for_break_glass,
    triage_queue,
    triage_queue_agencies,
    triage_queue_page,
)

from .acting import ActAsForm, role_in_words
from .case_page import case_page_context
from .forms import (
    BreakGlassForm,
    BreakGlassReviewForm,
    TriageFiltersForm,
)
from .health import readiness, serving
from .pagination import paginate
from .search import referral_list_context

TRIAGE_PER_PAGE = 50


@login_required
@require_http_methods(["GET", "POST"])
def act_as(request: HttpRequest) -> HttpResponse:
    """Choose which of one's memberships to act as; recorded with everything one does."""
    memberships = active_memberships(user=request.user)
    acting = acting_membership(user=request.user)
    form = ActAsForm(request.POST or None, memberships=memberships, acting=acting)
    if request.method == "POST" and form.is_valid():
        chosen = form.chosen()
        request.session[ACTING_MEMBERSHIP_SESSION_KEY] = chosen.pk
        messages.success(request, f"You are now acting as {role_in_words(chosen)}")
        return redirect("frontend:home")
    return render(request, "frontend/act_as.html", {"form": form})


@login_required
@permission_required("referrals.view_referral_list", raise_exception=True)
@require_GET
def referral_list_page(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/referral_list.html", referral_list_context(request))


@login_required
@permission_required("referrals.view_triage_queue", raise_exception=True)
@require_GET
@vary_on_headers("X-Requested-With")
def triage_queue_view(request: HttpRequest) -> HttpResponse:
    form = TriageFiltersForm(request.GET, agencies=triage_queue_agencies(user=request.user))
    queue = triage_queue(user=request.user, filters=form.filters())
    with transaction.atomic():
        page = triage_queue_page(queue, after=request.GET.get("after", ""), size=TRIAGE_PER_PAGE)
        records_seen(actor=request.user, records=page.rows, request=request)
    context = {"form": form, "page": page, "now": timezone.now(), "today": timezone.localdate()}
    # The page's live refresh asks for the table alone (same filters, same rows recorded).
    refresh = request.headers.get("X-Requested-With") == "XMLHttpRequest"
    template = "frontend/includes/triage_results.html" if refresh else "frontend/triage_queue.html"
    return render(request, template, context)


@login_required
@require_GET
def referral_detail_page(request: HttpRequest, reference: str) -> HttpResponse:
    referral, access = referral_open(actor=request.user, reference=reference, request=request)
    context = case_page_context(request, referral, access)
    return render(request, "frontend/referral_detail.html", context)


@login_required
@permission_required("referrals.break_glass", raise_exception=True)
def break_glass_page(request: HttpRequest) -> HttpResponse:
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = referral_for_break_glass(reference=form.cleaned_data["reference"])
            access = break_glass_open(
                referral=referral,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except Http404:
            form.add_error("reference", "There is no submitted referral with that reference")
        except PermissionDenied as exc:  # another area's referral, and not a coordinator
            form.add_error("reference", str(exc))
        except ValidationError as exc:
            form.add_error("reason", exc)
        else:
            until = timezone.localtime(access.expires_at)
            messages.success(
                request,
                f"Emergency access to {referral.reference} until {until:%-d %B %Y %H:%M}. "
                "Your reason is recorded and will be reviewed by the area's coordinators.",
            )
            return redirect("frontend:referral-detail", reference=referral.reference)
    return render(request, "frontend/break_glass.html", {"form": form})


@login_required
@permission_required("referrals.review_break_glass", raise_exception=True)
def break_glass_review_page(request: HttpRequest) -> HttpResponse:
    accesses = break_glass_for_review(user=request.user)
    form = BreakGlassReviewForm(request.POST or None)
    failed_access_id = None
    if request.method == "POST":
        access = get_object_or_404(accesses, pk=request.POST.get("access"))
        if form.is_valid():
            try:
                break_glass_review(
                    access=access, actor=request.user, note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                form.add_error("note", exc)
            else:
                messages.success(request, f"Review recorded for {access.referral.reference}")
                return redirect("frontend:break-glass-review")
        failed_access_id = access.pk
    context = {
        "accesses": paginate(request, accesses),
        "form": form,
        "failed_access_id": failed_access_id,
    }
    return render(request, "frontend/break_glass_review.html", context)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """200 while this instance can serve requests ("ready", or "degraded" when a part it can do
    without is down); 503 when it cannot."""
    checks = readiness()
    if not serving(checks):
        status = "not_ready"
    else:
        status = "ready" if all(check.ok for check in checks) else "degraded"
    body = {
        "status": status,
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
    }
    return JsonResponse(body, status=503 if status == "not_ready" else 200)


@require_GET
@never_cache
def health_page(request: HttpRequest) -> HttpResponse:
    checks = readiness()
    return render(
        request,
        "frontend/health.html",
        {"checks": checks, "ready": all(check.ok for check in checks)},
        status=200 if serving(checks) else 503,
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
    audit_permission_denied(request=request)
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
