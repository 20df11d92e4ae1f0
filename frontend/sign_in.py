"""Signing in and out: password, then a second factor (set up on first sign-in), lockout.

/sign-in/                 username or email address, and password
/sign-in/code/            the 6-digit code from the authenticator app, or a recovery code
/sign-in/set-up/          first sign-in: scan a QR code, confirm with a code
/sign-in/recovery-codes/  the recovery codes, shown once after setting up
"""

from __future__ import annotations

import base64
from typing import Any

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import auth_events
from agencies.lockout import is_locked_out, record_failure, reset_failures, sign_in_wait
from agencies.middleware import second_factor_url, url_with_next
from agencies.selectors import confirmed_totp_device, second_factor_pending, username_for_sign_in
from agencies.services import (
    two_factor_enrolment_confirm,
    two_factor_enrolment_device,
    two_factor_verify,
    user_sign_out_everywhere,
)
from api.errors import api_error_response, is_api_request

from .sign_in_forms import TOO_SOON, CodeForm, SetUpCodeForm, SignInForm

RECOVERY_CODES_SESSION_KEY = "recovery_codes_to_show"


def _next_url(request: HttpRequest) -> str:
    """Where to go once signed in: a safe `next` from the form or query, else home."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _signed_in(request: HttpRequest, device: Device | None) -> None:
    """Both factors done (or only one needed): mark the session and forget earlier failures."""
    if device is not None:
        django_otp.login(request, device)
        request.session.cycle_key()  # a new session id for the more trusted session
    reset_failures(username=request.user.get_username())
    auth_events.signed_in(user=request.user, request=request)


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """What a locked-out attempt sees (django-axes' AXES_LOCKOUT_CALLABLE)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = (
        f"There were too many attempts to sign in. Wait {minutes} minutes, then try again, "
        "or ask your area administrator to unlock your account."
    )
    if is_api_request(request):
        return api_error_response(429, "locked_out", message)
    return render(request, "frontend/locked.html", {"minutes": minutes}, status=429)


def _locked_out(request: HttpRequest, username: str) -> HttpResponse:
    auth_events.locked_out(username=username, request=request)
    logout(request)  # a half-finished sign-in ends with the lockout
    return lockout_response(request)


def _slowed(request: HttpRequest, seconds: int) -> HttpResponse:
    """Too many recent failures for the account from anywhere: try again in a few seconds. The
    same answer whether or not the account exists, and the password is not checked."""
    response = render(request, "frontend/sign_in_wait.html", {"seconds": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class SignInView(auth_views.LoginView):
    template_name = "frontend/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "two_factor_required": settings.TWO_FACTOR_REQUIRED,
        }

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        identifier = request.POST.get("username", "")[:254]
        if identifier.strip():
            username = username_for_sign_in(identifier=identifier)
            # A locked-out address sees the lockout (from axes); any other may be slowed.
            locked = is_locked_out(username=username, request=request)
            if not locked and (seconds := sign_in_wait(username=username, request=request)):
                auth_events.sign_in_slowed(username=username, request=request, seconds=seconds)
                return _slowed(request, seconds)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        login(self.request, form.get_user())  # the password factor is done
        next_url = self.get_success_url()
        if not settings.TWO_FACTOR_REQUIRED:
            _signed_in(self.request, None)
            return HttpResponseRedirect(next_url)
        return HttpResponseRedirect(second_factor_url(user=form.get_user(), next_url=next_url))

    def form_invalid(self, form: Any) -> HttpResponse:
        if form.attempted:
            username = form.data.get("username", "")
            auth_events.sign_in_failed(username=username, request=self.request)
            if getattr(self.request, "axes_locked_out", False):
                # AxesMiddleware replaces this response with the lockout page.
                auth_events.locked_out(username=username, request=self.request)
        return super().form_invalid(form)


class SignOutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            auth_events.signed_out(user=request.user, request=request)
        return super().post(request, *args, **kwargs)


def _second_factor_gate(request: HttpRequest) -> HttpResponse | None:
    """Redirect away from the second-factor steps anyone who has nothing to do there."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    if not second_factor_pending(user=request.user):
        return HttpResponseRedirect(_next_url(request))
    return None


@sensitive_post_parameters("code")
@never_cache
def code_page(request: HttpRequest) -> HttpResponse:
    """Second factor for someone who has set up an authenticator app."""
    if (gate := _second_factor_gate(request)) is not None:
        return gate
    user: Any = request.user
    if confirmed_totp_device(user=user) is None:
        return redirect(url_with_next("frontend:sign-in-set-up", _next_url(request)))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = user.get_username()
        if is_locked_out(username=username, request=request):
            return _locked_out(request, username)
        check = two_factor_verify(user=user, code=form.cleaned_data["code"])
        if check.device is not None:
            _signed_in(request, check.device)
            return HttpResponseRedirect(_next_url(request))
        if check.throttled:
            form.add_error("code", TOO_SOON)
        else:
            auth_events.two_factor_failed(user=user, request=request)
            if record_failure(username=username, request=request):
                return _locked_out(request, username)
            form.reject()
    return render(request, "frontend/sign_in_code.html", {"form": form, "next": _next_url(request)})


def _qr_code_svg(device: TOTPDevice) -> SafeString:
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=4, dark="#0b0c0c", light="#ffffff", svgclass="app-qr-code"
    )
    # segno's markup is all its own (the secret is drawn as paths, never written as text).
    label = 'role="img" aria-label="QR code to add this account to your authenticator app"'
    return mark_safe(svg.replace("<svg ", f"<svg {label} ", 1))  # noqa: S308


def _grouped_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps expect it typed: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@sensitive_post_parameters("code")
@never_cache
def set_up_page(request: HttpRequest) -> HttpResponse:
    """First sign-in: add the account to an authenticator app, then confirm with a code."""
    if (gate := _second_factor_gate(request)) is not None:
        return gate
    user: Any = request.user
    if confirmed_totp_device(user=user) is not None:
        # Someone with only the password must never replace an existing authenticator.
        return redirect(url_with_next("frontend:sign-in-code", _next_url(request)))
    form = SetUpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = two_factor_enrolment_confirm(user=user, code=form.cleaned_data["code"])
        if confirmed is not None:
            device, codes = confirmed
            _signed_in(request, device)
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            return redirect(url_with_next("frontend:sign-in-recovery-codes", _next_url(request)))
        form.reject()
    device = two_factor_enrolment_device(user=user)
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_code": _qr_code_svg(device),
        "secret": _grouped_secret(device),
    }
    return render(request, "frontend/sign_in_set_up.html", context)


@never_cache
def recovery_codes_page(request: HttpRequest) -> HttpResponse:
    """The recovery codes, once: they stay until the user says they have saved them."""
    codes = request.session.get(RECOVERY_CODES_SESSION_KEY)
    if not request.user.is_authenticated or not codes:
        return HttpResponseRedirect(_next_url(request))
    if request.method == "POST":
        del request.session[RECOVERY_CODES_SESSION_KEY]
        return HttpResponseRedirect(_next_url(request))
    return render(
        request,
        "frontend/sign_in_recovery_codes.html",
        {"codes": codes, "next": _next_url(request)},
    )


@require_POST
@login_required
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the signed-in user (this one too) and revoke their API tokens."""
    user_sign_out_everywhere(user=request.user, actor=request.user)  # type: ignore[arg-type]
    logout(request)
    messages.success(request, "You have been signed out on every device.")
    return redirect(settings.LOGIN_URL)
