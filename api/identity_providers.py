"""Area administration of an agency's own sign-in (its OpenID Connect provider), as the page
/administration/<area>/agencies/<agency>/sign-in/ offers it, through the same service."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.models import Agency, Area, User
from agencies.selectors import area_agencies
from identity.models import GROUP_ROLES, GroupRole, IdentityProvider
from identity.selectors import agency_provider
from identity.services import (
    GROUP_CAP,
    MAX_ACR_VALUES,
    MAX_DOMAINS,
    ProviderSettings,
    provider_save,
)

from . import fields as checked
from .administration import NOT_ADMINISTRATOR, NOT_HERE, AdministrationView
from .toolkit import service_response


class GroupRoleSerializer(serializers.Serializer[GroupRole]):
    role = serializers.ChoiceField(choices=GROUP_ROLES)
    group = checked.CharField(
        max_length=GROUP_CAP, help_text="The group as the provider's ID token names it"
    )


class ProviderSerializer(serializers.Serializer[IdentityProvider]):
    issuer = checked.URLField(
        max_length=500, help_text="The issuer, exactly as its discovery document names it"
    )
    client_id = checked.CharField(max_length=255, help_text="The ID the provider gave us")
    client_secret_variable = checked.CharField(
        max_length=64,
        help_text="The server's environment variable holding the client secret (OIDC_…); the "
        "secret itself is never stored",
    )
    email_domains = serializers.ListField(
        child=checked.CharField(max_length=253),
        min_length=1,
        max_length=MAX_DOMAINS,
        help_text="The agency's work email domains: their people are sent to this provider",
    )
    email_claim = checked.CharField(max_length=64, default="email")
    email_verified_claim = checked.CharField(max_length=64, default="email_verified")
    mfa_acr_values = serializers.ListField(
        child=checked.CharField(max_length=200),
        max_length=MAX_ACR_VALUES,
        default=list,
        help_text="acr values meaning two factors were used (amr listing mfa always counts)",
    )
    password_sign_in = checked.BooleanField(
        default=True, help_text="Whether the agency's people may still sign in with a password"
    )
    groups_claim = checked.CharField(
        max_length=64,
        allow_blank=True,
        default="",
        help_text="The ID token's claim listing the person's groups; empty (the default): "
        "roles never come from the provider",
    )
    group_roles = GroupRoleSerializer(
        many=True,
        default=list,
        help_text="In this area, the group giving each role: at each sign-in a person in the "
        "group is given the role in the agency, and one no longer in it loses it",
    )

    def validate_group_roles(self, value: list[dict[str, str]]) -> list[dict[str, str]]:
        if len({mapping["role"] for mapping in value}) < len(value):
            raise serializers.ValidationError("Give each role one group at most")
        return value

    def to_representation(self, instance: IdentityProvider) -> dict[str, Any]:
        data = super().to_representation(instance)
        mappings = instance.group_roles.filter(area=self.context["area"])
        data["group_roles"] = [{"role": m.role, "group": m.group} for m in mappings]
        return data


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
        return Response(ProviderSerializer(provider, context={"area": self.area()}).data)

    @extend_schema(
        request=ProviderSerializer,
        responses={200: ProviderSerializer, 403: NOT_ADMINISTRATOR, 404: NOT_HERE},
        summary="Set up or change an agency's own sign-in; the provider's discovery document "
        "is read and checked first (422 when it cannot be read or does not fit)",
    )
    def put(self, request: Request, ons_code: str, pk: int) -> Response:
        def save(*, actor: User, area: Area, agency: Agency, **values: Any) -> IdentityProvider:
            settings = ProviderSettings(
                **{
                    **values,
                    "mfa_acr_values": tuple(values["mfa_acr_values"]),
                    "group_roles": {m["role"]: m["group"] for m in values["group_roles"]},
                }
            )
            return provider_save(actor=actor, area=area, agency=agency, settings=settings)

        area = self.area()
        return service_response(
            request,
            ProviderSerializer,
            partial(ProviderSerializer, context={"area": area}),
            save,
            area=area,
            agency=self.agency(),
        )
