"""Signing in and out: who, the password, then a second factor (set up on first sign-in),
lockout.

/sign-in/                 work email address or username: an agency's own sign-in, or
/sign-in/password/        the password
/sign-in/code/            the 6-digit code from the authenticator app, or a recovery code
/sign-in/set-up/          first sign-in: scan a QR code, confirm with a code
/sign-in/recovery-codes/  the recovery codes, shown once after setting up
/sign-in/callback/        back from an agency's own sign-in (OpenID Connect), then the code
                          unless its ID token says it asked for two factors
"""

from __future__ import annotations

import base64
import time
from typing import Any

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST
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
from identity import protocol
from identity.models import IdentityProvider
from identity.selectors import identity_provider, provider_for_email, provider_origins
from identity.services import SignInRefused, provider_sign_in, unknown_person_report

from .sign_in_forms import TOO_SOON, CodeForm, IdentifierForm, PasswordForm, SetUpCodeForm

IDENTIFIER_SESSION_KEY = "sign_in_identifier"  # what the first step was answered, for the second
RECOVERY_CODES_SESSION_KEY = "recovery_codes_to_show"
FLOWS_SESSION_KEY = "provider_sign_ins"  # state -> what the callback checks the answer against
VIA_SESSION_KEY = "signed_in_via"  # the agency's sign-in the first factor came from
FLOWS_KEPT = 5  # sign-ins started in other tabs that may still come back
FLOW_SECONDS = 600  # a sign-in not back from the provider by then is refused
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


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
    via = request.session.pop(VIA_SESSION_KEY, "")
    auth_events.signed_in(user=request.user, request=request, via=via)


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


def _locked_out(request: HttpRequest, username: str, *, via: str = "") -> HttpResponse:
    auth_events.locked_out(username=username, request=request, via=via)
    logout(request)  # a half-finished sign-in ends with the lockout
    return lockout_response(request)


def _slowed(request: HttpRequest, seconds: int) -> HttpResponse:
    """Too many recent failures for the account from anywhere: try again in a few seconds. The
    same answer whether or not the account exists, and the password is not checked."""
    response = render(request, "frontend/sign_in_wait.html", {"seconds": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class _SignInStep(auth_views.LoginView):
    """What both steps share: someone signed in already goes on to `next`."""

    redirect_authenticated_user = True

    def get_initial(self) -> dict[str, Any]:
        # The first step's answer: shown on the password step, and again after "Change".
        return {"username": self.request.session.get(IDENTIFIER_SESSION_KEY, "")}


class SignInView(_SignInStep):
    """Who is signing in: a work email address in an agency's domain goes to the agency's own
    sign-in (home-realm discovery); anything else to the password step. The answer is the same
    whether or not an account exists, and whether or not its agency allows passwords."""

    template_name = "frontend/sign_in.html"
    form_class = IdentifierForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(request, *args, **kwargs)
        if origins := provider_origins():
            # The form may be answered with a redirect to an agency's provider.
            response._csp_update = {"form-action": origins}  # type: ignore[attr-defined]
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        identifier = form.cleaned_data["username"]
        if provider := provider_for_email(email=identifier):
            self.request.session.pop(IDENTIFIER_SESSION_KEY, None)
            return _to_provider(self.request, provider)
        self.request.session[IDENTIFIER_SESSION_KEY] = identifier
        return redirect(url_with_next("frontend:sign-in-password", self.get_redirect_url()))


class PasswordView(_SignInStep):
    """The password of whoever the first step named, kept in the session; then the second
    factor. Slowed, locked out and audited per account."""

    template_name = "frontend/sign_in_password.html"
    form_class = PasswordForm

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.identifier: str = request.session.get(IDENTIFIER_SESSION_KEY, "")

    def _first_step_url(self) -> str:
        return url_with_next("frontend:sign-in", self.get_redirect_url())

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.identifier:
            return redirect(self._first_step_url())
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.identifier:
            return redirect(self._first_step_url())
        username = username_for_sign_in(identifier=self.identifier)
        # A locked-out address sees the lockout (from axes); any other may be slowed.
        locked = is_locked_out(username=username, request=request)
        if not locked and (seconds := sign_in_wait(username=username, request=request)):
            auth_events.sign_in_slowed(username=username, request=request, seconds=seconds)
            return _slowed(request, seconds)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if "data" in kwargs:
            # The account is the one the first step named, whatever the page sent back.
            kwargs["data"] = kwargs["data"].copy()
            kwargs["data"]["username"] = self.identifier
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "change_url": self._first_step_url(),
            "two_factor_required": settings.TWO_FACTOR_REQUIRED,
        }

    def form_valid(self, form: Any) -> HttpResponse:
        login(self.request, form.get_user())  # the password factor is done
        self.request.session.pop(IDENTIFIER_SESSION_KEY, None)
        next_url = self.get_success_url()
        if not settings.TWO_FACTOR_REQUIRED:
            _signed_in(self.request, None)
            return HttpResponseRedirect(next_url)
        return HttpResponseRedirect(second_factor_url(user=form.get_user(), next_url=next_url))

    def form_invalid(self, form: Any) -> HttpResponse:
        if form.attempted:
            auth_events.sign_in_failed(username=self.identifier, request=self.request)
            if getattr(self.request, "axes_locked_out", False):
                # AxesMiddleware replaces this response with the lockout page.
                auth_events.locked_out(username=self.identifier, request=self.request)
        return super().form_invalid(form)


def _to_provider(request: HttpRequest, provider: IdentityProvider) -> HttpResponse:
    """Send the person to their agency's provider, remembering this sign-in's `state`, `nonce`
    and PKCE verifier in the session for the callback."""
    try:
        flow = protocol.start(provider=provider, redirect_uri=_callback_uri(request))
    except protocol.ProviderError as exc:
        return _refused(request, provider, exc.reason)
    flows = dict(list(request.session.get(FLOWS_SESSION_KEY, {}).items())[-(FLOWS_KEPT - 1) :])
    flows[flow.state] = {
        "provider": provider.pk,
        "nonce": flow.nonce,
        "code_verifier": flow.code_verifier,
        "next": _next_url(request),
        "started": int(time.time()),
    }
    request.session[FLOWS_SESSION_KEY] = flows
    return HttpResponseRedirect(flow.authorization_url)


def _callback_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("frontend:sign-in-callback"))


def _refused(
    request: HttpRequest, provider: IdentityProvider | None, reason: str, *, user: Any = None
) -> HttpResponse:
    name = provider.agency.name if provider is not None else "unknown"
    auth_events.provider_sign_in_refused(provider=name, reason=reason, request=request, user=user)
    context = {"agency": provider.agency.name if provider is not None else ""}
    return render(request, "frontend/sign_in_refused.html", context, status=403)


def _pending_flow(request: HttpRequest) -> dict[str, Any] | None:
    """The sign-in this answer's `state` belongs to, used up: a replayed answer finds none."""
    flows = request.session.get(FLOWS_SESSION_KEY, {})
    flow = flows.pop(request.GET.get("state", ""), None)
    request.session[FLOWS_SESSION_KEY] = flows
    if flow is None or time.time() - flow["started"] > FLOW_SECONDS:
        return None
    return dict(flow)


@never_cache
@require_GET
def provider_callback(request: HttpRequest) -> HttpResponse:
    """Back from the agency's provider: check its answer, then sign the person in, asking for
    the code too unless the ID token says the provider asked for two factors."""
    flow = _pending_flow(request)
    if flow is None:
        return _refused(request, None, "an unknown, expired or already used state")
    provider = identity_provider(pk=flow["provider"])
    if provider is None:
        return _refused(request, None, "the agency's sign-in has been removed")
    if error := request.GET.get("error"):
        return _refused(request, provider, f"the provider answered {error[:100]}")
    try:
        answer = protocol.finish(
            provider=provider,
            flow=flow,
            code=request.GET.get("code", "")[:2000],
            redirect_uri=_callback_uri(request),
        )
        claims = answer.claims
        signed = provider_sign_in(
            provider=provider, claims=claims, refresh_token=answer.refresh_token
        )
    except protocol.ProviderError as exc:
        return _refused(request, provider, exc.reason)
    except SignInRefused as exc:
        if not exc.unknown_person:
            return _refused(request, provider, exc.reason)
        auth_events.provider_sign_in_refused(
            provider=provider.agency.name, reason=exc.reason, request=request
        )
        unknown_person_report(provider=provider, claims=claims)
        context = {"agency": provider.agency.name}
        return render(request, "frontend/sign_in_unknown.html", context, status=403)
    username = signed.identity.user.get_username()
    if is_locked_out(username=username, request=request):
        # The agency's sign-in is no way round a lockout from too many failures here.
        return _locked_out(request, username, via=provider.agency.name)
    login(request, signed.identity.user, backend=MODEL_BACKEND)
    request.session[VIA_SESSION_KEY] = provider.agency.name
    next_url = flow["next"]
    if signed.both_factors or not settings.TWO_FACTOR_REQUIRED:
        _signed_in(request, signed.identity if signed.both_factors else None)
        return HttpResponseRedirect(next_url)
    return HttpResponseRedirect(second_factor_url(user=signed.identity.user, next_url=next_url))


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
