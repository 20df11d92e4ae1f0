"""The caller's own account: who they are, and their API tokens."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.selectors import active_memberships, second_factor_pending

from . import serializers
from .models import ApiToken
from .selectors import api_token_list
from .services import api_token_create, api_token_revoke


class MeView(APIView):
    @extend_schema(responses=serializers.MeSerializer, summary="The signed-in user and their roles")
    def get(self, request: Request) -> Response:
        user: Any = request.user
        data = {
            "username": user.get_username(),
            "full_name": user.get_full_name(),
            "memberships": active_memberships(user=user),
        }
        return Response(serializers.MeSerializer(data).data)


class ApiTokenListCreateView(generics.ListAPIView[Any]):
    """List your API tokens, or create one (only from a signed-in browser session)."""

    serializer_class = serializers.ApiTokenSerializer
    queryset = ApiToken.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> Any:
        return api_token_list(user=self.request.user)

    def get_authenticators(self) -> list[Any]:
        # A token may not mint further tokens: creating one needs the session.
        request = getattr(self, "request", None)  # None while the schema is generated
        if request is not None and request.method == "POST":
            return [SessionAuthentication()]
        return super().get_authenticators()

    @extend_schema(
        request=serializers.ApiTokenCreateSerializer,
        responses={201: serializers.ApiTokenCreatedSerializer},
    )
    def post(self, request: Request) -> Response:
        # Tokens skip the second factor when used, so only a session that passed it may mint one.
        if second_factor_pending(user=request.user):
            raise PermissionDenied(
                "Sign in with your second factor before creating a token.",
                code="two_factor_required",
            )
        incoming = serializers.ApiTokenCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        token, raw = api_token_create(
            actor=request.user, request=request._request, **incoming.validated_data
        )
        token.token = raw  # type: ignore[attr-defined]
        return Response(
            serializers.ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED
        )


class ApiTokenRevokeView(APIView):
    @extend_schema(request=None, responses=serializers.ApiTokenSerializer)
    def post(self, request: Request, pk: int) -> Response:
        token = get_object_or_404(api_token_list(user=request.user), pk=pk)
        return Response(
            serializers.ApiTokenSerializer(
                api_token_revoke(token=token, actor=request.user, request=request._request)
            ).data
        )
