"""Area administration: an agency's own sign-in (its OpenID Connect provider).

/administration/<area>/agencies/<agency>/sign-in/  set it up or change it
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from agencies.models import Area
from agencies.selectors import administered_area, area_agencies
from identity.models import GROUP_ROLES, IdentityProvider
from identity.selectors import agency_provider
from identity.services import GROUP_CAP, ProviderSettings, provider_save

from .administration import administrator_only
from .forms import service_write

YES_NO = [("yes", "Yes"), ("no", "No")]
GROUP_FIELD = "group_"  # the services' errors name each role's group so


def _group_field(role: str) -> str:
    return f"{GROUP_FIELD}{role}"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class ProviderForm(forms.Form):
    issuer = forms.URLField(
        label="Issuer",
        max_length=500,
        assume_scheme="https",
        help_text="The provider's issuer address, as its discovery document names it. For "
        "Microsoft Entra ID: https://login.microsoftonline.com/<tenant ID>/v2.0",
        error_messages={
            "required": "Enter the issuer address",
            "invalid": "Enter the issuer as a web address, like https://login.example.uk",
        },
    )
    client_id = forms.CharField(
        label="Client ID",
        max_length=255,
        help_text="The ID the provider gave this service when it was registered",
        error_messages={"required": "Enter the client ID"},
    )
    client_secret_variable = forms.CharField(
        label="Environment variable holding the client secret",
        max_length=64,
        help_text="The secret is never stored here: whoever runs the service sets it in this "
        "variable on the server, like OIDC_POLICE_SECRET",
        error_messages={"required": "Enter the name of the environment variable"},
    )
    email_domains = forms.CharField(
        label="Work email domains",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="One a line, like police.example.uk. People whose email is in one of them "
        "are sent to this sign-in",
        error_messages={"required": "Enter at least one email domain"},
    )
    email_claim = forms.CharField(
        label="Claim holding the email address",
        max_length=64,
        initial="email",
        help_text="Usually email",
        error_messages={"required": "Enter the claim holding the email address"},
    )
    email_verified_claim = forms.CharField(
        label="Claim saying the email address is verified",
        max_length=64,
        initial="email_verified",
        help_text="Usually email_verified; for Microsoft Entra ID, xms_edov",
        error_messages={"required": "Enter the claim saying the email address is verified"},
    )
    mfa_acr_values = forms.CharField(
        label="acr values that mean two factors were used (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        help_text="One a line. An ID token whose amr lists mfa always counts as two factors; "
        "any other sign-in is asked for the code from the authenticator app too",
    )
    password_sign_in = forms.ChoiceField(
        label="Can the agency's people also sign in with a password?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes if they can also sign in with a password"},
    )
    groups_claim = forms.CharField(
        label="Claim holding the person's groups (optional)",
        max_length=64,
        required=False,
        help_text="Leave it empty and roles come only from this service. For Microsoft Entra "
        "ID: groups",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for role, label in GROUP_ROLES:
            self.fields[_group_field(role)] = forms.CharField(
                label=label, max_length=GROUP_CAP, required=False
            )

    def settings_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith(GROUP_FIELD)]

    def group_fields(self) -> list[forms.BoundField]:
        return [self[_group_field(role)] for role, _ in GROUP_ROLES]

    @classmethod
    def initial_from(cls, provider: IdentityProvider | None, area: Area) -> dict[str, Any]:
        if provider is None:
            return {}
        return {
            "groups_claim": provider.groups_claim,
            **{
                _group_field(mapping.role): mapping.group
                for mapping in provider.group_roles.filter(area=area)
            },
            "issuer": provider.issuer,
            "client_id": provider.client_id,
            "client_secret_variable": provider.client_secret_variable,
            "email_domains": "\n".join(provider.email_domains),
            "email_claim": provider.email_claim,
            "email_verified_claim": provider.email_verified_claim,
            "mfa_acr_values": "\n".join(provider.mfa_acr_values),
            "password_sign_in": "yes" if provider.password_sign_in else "no",
        }

    def provider_settings(self) -> ProviderSettings:
        data = self.cleaned_data
        return ProviderSettings(
            issuer=data["issuer"],
            client_id=data["client_id"],
            client_secret_variable=data["client_secret_variable"],
            email_domains=_lines(data["email_domains"]),
            email_claim=data["email_claim"],
            email_verified_claim=data["email_verified_claim"],
            mfa_acr_values=tuple(_lines(data["mfa_acr_values"])),
            password_sign_in=data["password_sign_in"] == "yes",  # noqa: S105 - a yes or no
            groups_claim=data["groups_claim"],
            group_roles={role: data[_group_field(role)] for role, _ in GROUP_ROLES},
        )


@login_required
@administrator_only
def agency_sign_in_page(request: HttpRequest, ons_code: str, pk: int) -> HttpResponse:
    area = administered_area(user=request.user, ons_code=ons_code)
    agency = get_object_or_404(area_agencies(area=area), pk=pk, is_active=True)
    provider = agency_provider(agency=agency)
    initial = ProviderForm.initial_from(provider, area)
    form = ProviderForm(request.POST or None, initial=initial)
    if request.method == "POST":
        saved = service_write(
            form,
            lambda: provider_save(
                actor=request.user,  # type: ignore[arg-type]
                area=area,
                agency=agency,
                settings=form.provider_settings(),
            ),
        )
        if saved is not None:
            messages.success(request, f"{agency.name}'s own sign-in has been saved")
            return redirect("frontend:admin-agencies", ons_code=area.ons_code)
    context = {
        "area": area,
        "agency": agency,
        "provider": provider,
        "form": form,
        "redirect_uri": request.build_absolute_uri(reverse("frontend:sign-in-callback")),
        "logout_uri": request.build_absolute_uri(reverse("identity:back-channel-logout")),
    }
    return render(request, "frontend/admin/agency_sign_in.html", context)
