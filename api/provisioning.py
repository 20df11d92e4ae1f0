"""REST API v1 for an area's provisioning tokens: the secrets agencies' identity providers use
to create, change and deactivate their people by SCIM (/scim/v2/). Thin views over
provisioning's selector and services, which audit each issue and revocation.

Area administrators only (403 for any other role; 404 for an area they do not administer, or
a token not of it). A token is issued only from a signed-in browser session, as API tokens
are: a stolen API token must not mint a credential that creates people."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.models import Agency, Role
from agencies.selectors import active_area_agencies, second_factor_pending, signed_in
from provisioning.models import PROVISIONED_ROLES, ScimToken
from provisioning.selectors import scim_tenant_url, scim_tokens_for_area
from provisioning.services import MAX_LIFETIME_DAYS, scim_token_issue, scim_token_revoke

from . import fields as checked
from .administration import NOT_ADMINISTRATOR, NOT_HERE, AdministrationListView, AdministrationView


class ScimTokenSerializer(checked.ModelSerializer[ScimToken]):
    agency = checked.CharField(source="agency.name")

    class Meta:
        model = ScimToken
        fields = ["id", "agency", "role", "prefix", "created_at", "expires_at"]
        fields += ["revoked_at", "last_used_at"]


class ScimTokenIssueSerializer(serializers.Serializer[Any]):
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.none(), help_text="An active agency serving the area"
    )
    role = serializers.ChoiceField(
        choices=PROVISIONED_ROLES,
        default=Role.PRACTITIONER,
        help_text="The role every person the token creates is given in the agency",
    )
    lifetime_days = checked.IntegerField(min_value=1, max_value=MAX_LIFETIME_DAYS, default=365)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency = self.fields["agency"]
        area = self.context.get("area")
        if area is not None and isinstance(agency, serializers.PrimaryKeyRelatedField):
            agency.queryset = active_area_agencies(area=area)


class ScimTokenIssuedSerializer(ScimTokenSerializer):
    token = checked.CharField(help_text="The secret. It is shown once and never again.")
    tenant_url = checked.CharField(help_text="The SCIM base URL to give the provider")

    class Meta(ScimTokenSerializer.Meta):
        fields = [*ScimTokenSerializer.Meta.fields, "token", "tenant_url"]


class ScimTokensView(AdministrationListView):
    serializer_class = ScimTokenSerializer
    queryset = ScimToken.objects.none()  # for the schema

    def get_queryset(self) -> Any:
        return scim_tokens_for_area(area=self.area())

    def get_authenticators(self) -> list[Any]:
        # A token may not mint a provisioning token: issuing one needs the session.
        request = getattr(self, "request", None)  # None while the schema is generated
        if request is not None and request.method == "POST":
            return [SessionAuthentication()]
        return super().get_authenticators()

    @extend_schema(
        responses={200: ScimTokenSerializer(many=True), 403: NOT_ADMINISTRATOR, 404: NOT_HERE},
        summary="The area's provisioning (SCIM) tokens, newest first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ScimTokenIssueSerializer,
        responses={
            201: ScimTokenIssuedSerializer,
            400: OpenApiResponse(description="An agency not serving the area, or a bad detail"),
            403: OpenApiResponse(description="Not an administrator, or not a browser session"),
            404: NOT_HERE,
        },
        summary="Issue a provisioning token for an agency's identity provider",
    )
    def post(self, request: Request, ons_code: str) -> Response:
        if second_factor_pending(user=request.user):
            raise PermissionDenied(
                "Sign in with your second factor before creating a token.",
                code="two_factor_required",
            )
        area = self.area()
        body = ScimTokenIssueSerializer(data=request.data, context={"area": area})
        body.is_valid(raise_exception=True)
        token, raw = scim_token_issue(
            actor=signed_in(request.user),
            area=area,
            request=request._request,
            **body.validated_data,
        )
        token.token = raw  # type: ignore[attr-defined]
        token.tenant_url = scim_tenant_url(request=request._request)  # type: ignore[attr-defined]
        return Response(ScimTokenIssuedSerializer(token).data, status=status.HTTP_201_CREATED)


class ScimTokenRevokeView(AdministrationView):
    @extend_schema(
        request=None,
        responses={200: ScimTokenSerializer, 403: NOT_ADMINISTRATOR, 404: NOT_HERE},
        summary="Revoke a provisioning token: its identity provider is refused from then on",
    )
    def post(self, request: Request, ons_code: str, pk: int) -> Response:
        area = self.area()
        token = get_object_or_404(scim_tokens_for_area(area=area), pk=pk)
        revoked = scim_token_revoke(
            actor=signed_in(request.user), area=area, token=token, request=request._request
        )
        return Response(ScimTokenSerializer(revoked).data)
