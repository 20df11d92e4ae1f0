"""Area administration of an agency's own sign-in (its OpenID Connect provider), as the page
/administration/<area>/agencies/<agency>/sign-in/ offers it, through the same service."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.models import Agency, Area, User
from agencies.selectors import area_agencies
from identity.models import IdentityProvider
from identity.selectors import agency_provider
from identity.services import MAX_ACR_VALUES, MAX_DOMAINS, ProviderSettings, provider_save

from .administration import NOT_ADMINISTRATOR, NOT_HERE, AdministrationView
from .toolkit import service_response


class ProviderSerializer(serializers.Serializer[IdentityProvider]):
    issuer = serializers.URLField(
        max_length=500, help_text="The issuer, exactly as its discovery document names it"
    )
    client_id = serializers.CharField(max_length=255, help_text="The ID the provider gave us")
    client_secret_variable = serializers.CharField(
        max_length=64,
        help_text="The server's environment variable holding the client secret (OIDC_…); the "
        "secret itself is never stored",
    )
    email_domains = serializers.ListField(
        child=serializers.CharField(max_length=253),
        min_length=1,
        max_length=MAX_DOMAINS,
        help_text="The agency's work email domains: their people are sent to this provider",
    )
    email_claim = serializers.CharField(max_length=64, default="email")
    email_verified_claim = serializers.CharField(max_length=64, default="email_verified")
    mfa_acr_values = serializers.ListField(
        child=serializers.CharField(max_length=200),
        max_length=MAX_ACR_VALUES,
        default=list,
        help_text="acr values meaning two factors were used (amr listing mfa always counts)",
    )
    password_sign_in = serializers.BooleanField(
        default=True, help_text="Whether the agency's people may still sign in with a password"
    )


class AgencySignInView(AdministrationView):
    def agency(self) -> Agency:
        return get_object_or_404(area_agencies(area=self.area()), pk=self.kwargs["pk"])

    @extend_schema(
        responses={
            200: ProviderSerializer,
            403: NOT_ADMINISTRATOR,
            404: OpenApiResponse(
                description="Not an agency of an area you administer, or it "
                "has no sign-in of its own"
            ),
        },
        summary="An agency's own sign-in (its OpenID Connect provider)",
    )
    def get(self, request: Request, ons_code: str, pk: int) -> Response:
        provider = agency_provider(agency=self.agency())
        if provider is None:
            raise Http404
        return Response(ProviderSerializer(provider).data)

    @extend_schema(
        request=ProviderSerializer,
        responses={200: ProviderSerializer, 403: NOT_ADMINISTRATOR, 404: NOT_HERE},
        summary="Set up or change an agency's own sign-in; the provider's discovery document "
        "is read and checked first (422 when it cannot be read or does not fit)",
    )
    def put(self, request: Request, ons_code: str, pk: int) -> Response:
        def save(*, actor: User, area: Area, agency: Agency, **values: Any) -> IdentityProvider:
            settings = ProviderSettings(
                **{**values, "mfa_acr_values": tuple(values["mfa_acr_values"])}
            )
            return provider_save(actor=actor, area=area, agency=agency, settings=settings)

        return service_response(
            request,
            ProviderSerializer,
            ProviderSerializer,
            save,
            area=self.area(),
            agency=self.agency(),
        )
