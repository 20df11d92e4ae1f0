"""REST API v1: thin views over the apps' services and selectors."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.selectors import active_memberships, two_factor_done
from referrals.models import Referral, ReferralState
from referrals.selectors import (
    ReferralAccess,
    referral_for_break_glass,
    referral_get,
    referral_list,
)
from referrals.services import (
    TransitionConflict,
    break_glass_open,
    referral_open,
    referral_transition,
    referrals_seen,
    transitions_for,
)

from . import serializers
from .errors import Conflict
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
        if settings.TWO_FACTOR_REQUIRED and not two_factor_done(user=request.user):
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


class ReferralListView(generics.ListAPIView[Any]):
    """Referrals the caller may see, newest first. Every referral listed is recorded as seen."""

    serializer_class = serializers.ReferralSummarySerializer
    queryset = Referral.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> Any:
        return referral_list(user=self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            page = self.paginate_queryset(self.get_queryset()) or []
            referrals_seen(actor=request.user, referrals=page, request=request)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _detail(referral: Referral, access: ReferralAccess) -> Any:
    """A referral in as much detail as the caller's access allows."""
    if access is ReferralAccess.FULL:
        return serializers.ReferralFullSerializer(referral).data
    return serializers.ReferralSummaryDetailSerializer(referral).data


class ReferralDetailView(APIView):
    @extend_schema(
        responses=PolymorphicProxySerializer(
            component_name="ReferralDetail",
            serializers=[
                serializers.ReferralFullSerializer,
                serializers.ReferralSummaryDetailSerializer,
            ],
            resource_type_field_name="access",
        ),
        summary="One referral, in as much detail as the caller's role in it allows",
    )
    def get(self, request: Request, reference: str) -> Response:
        referral, access = referral_open(actor=request.user, reference=reference, request=request)
        return Response(_detail(referral, access))


class ReferralTransitionsView(APIView):
    @extend_schema(
        responses=serializers.TransitionSerializer(many=True),
        summary="The workflow steps the caller may take on this referral now",
    )
    def get(self, request: Request, reference: str) -> Response:
        referral, _ = referral_get(user=request.user, reference=reference)
        available = transitions_for(referral=referral, user=request.user)
        return Response(serializers.TransitionSerializer(available, many=True).data)


class ReferralTransitionView(APIView):
    @extend_schema(
        request=serializers.TransitionInputSerializer,
        responses=serializers.ReferralFullSerializer,
        summary="Take one workflow step (409 when the referral has moved on meanwhile)",
    )
    def post(self, request: Request, reference: str, name: str) -> Response:
        referral, _ = referral_get(user=request.user, reference=reference)
        incoming = serializers.TransitionInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            moved = referral_transition(
                referral=referral,
                actor=request.user,
                name=name,
                inputs=incoming.validated_data,
                request=request._request,
            )
        except LookupError as exc:
            raise NotFound("No such workflow step.") from exc
        except TransitionConflict as exc:
            label = ReferralState(exc.state).label.lower()
            raise Conflict(f"The referral is now {label}: reload it and try again.") from exc
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        _, access = referral_get(user=request.user, reference=moved.reference)
        return Response(_detail(moved, access))


class BreakGlassView(APIView):
    @extend_schema(
        request=serializers.BreakGlassSerializer,
        responses={201: serializers.BreakGlassSerializer},
        summary="Open an out-of-scope referral in an emergency (recorded and reviewed)",
    )
    def post(self, request: Request, reference: str) -> Response:
        # The role first: whether a reference exists is not for those who may not ask.
        if not request.user.has_perm("referrals.break_glass"):
            raise PermissionDenied(
                "Only coordinators and lead professionals may use emergency access."
            )
        incoming = serializers.BreakGlassSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        referral = referral_for_break_glass(reference=reference)
        try:
            access = break_glass_open(
                referral=referral,
                actor=request.user,
                reason=incoming.validated_data["reason"],
                request=request,
            )
        except DjangoValidationError as exc:
            raise ValidationError({"reason": exc.messages}) from exc
        return Response(
            serializers.BreakGlassSerializer(access).data, status=status.HTTP_201_CREATED
        )
