"""API tokens: the signed-in person's own, created with a name and an expiry (the secret shown
once, on the page that creates it) and revoked. Thin views over the api app's selector and
services, which record each creation and revocation in the audit trail."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agencies.selectors import second_factor_pending
from api.selectors import api_token_list
from api.services import api_token_create, api_token_revoke

from .pagination import paginate

LIFETIMES = [("7", "7 days"), ("30", "30 days"), ("90", "90 days (the longest allowed)")]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What uses it, so you know which to revoke, for example 'Case system link'",
        error_messages={"required": "Enter a name for the token"},
    )
    lifetime_days = forms.TypedChoiceField(
        label="When should it expire?",
        choices=LIFETIMES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose when the token expires",
            "invalid_choice": "Choose when the token expires",
        },
    )


def _require_second_factor(request: HttpRequest) -> None:
    # A token skips the second factor when used: only a session that passed it may mint one.
    if second_factor_pending(user=request.user):
        raise PermissionDenied("Sign in with your second factor before creating a token.")


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens_page(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        _require_second_factor(request)
        token, secret = api_token_create(actor=request.user, request=request, **form.cleaned_data)
        # Shown on this answer only, never stored: a reload does not show it again.
        created = {"token": token, "secret": secret}
        form = ApiTokenForm()
    context = {
        "form": form,
        "created": created,
        "tokens": paginate(request, api_token_list(user=request.user).order_by("-created_at")),
        "now": timezone.now(),
    }
    return render(request, "frontend/tokens/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke_page(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(api_token_list(user=request.user), pk=pk, revoked_at__isnull=True)
    if request.method == "POST":
        api_token_revoke(token=token, actor=request.user, request=request)
        messages.success(request, f"The token '{token.name}' has been revoked")
        return redirect("frontend:api-tokens")
    return render(request, "frontend/tokens/revoke.html", {"token": token})
