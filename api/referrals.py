"""Referrals: listed, raised as drafts, read, stepped through the workflow, opened in an
emergency; and their timelines."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.selectors import acting_membership
from referrals.audited_reads import referral_open
from referrals.break_glass import break_glass_open
from referrals.concerns import concern_raise, referral_update_draft
from referrals.models import Referral, ReferralEvent, ReferralEventType, ReferralState
from referrals.selectors import (
    ReferralAccess,
    referral_after_step,
    referral_for_break_glass,
    referral_get,
    referral_list,
    timeline,
)
from referrals.workflow import TransitionConflict, referral_transition, transitions_for

from . import serializers
from .errors import Conflict
from .toolkit import IDEMPOTENCY_KEY, AuditedListView, idempotent_response


def _conflict(exc: TransitionConflict) -> Conflict:
    label = ReferralState(exc.state).label.lower()
    return Conflict(f"The referral is now {label}: reload it and try again.")


class ReferralListView(AuditedListView):
    """Referrals the caller may see, newest first. Every referral listed is recorded as seen."""

    serializer_class = serializers.ReferralSummarySerializer
    queryset = Referral.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> Any:
        return referral_list(user=self.request.user)

    @extend_schema(summary="Referrals you may see, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if "queue" in request.query_params:
            # The queue was once `?queue=triage` here: refused, not answered as the plain list.
            raise ValidationError({"queue": ["The triage queue is GET /api/v1/triage-queue/."]})
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=serializers.ConcernRaiseSerializer,
        responses={201: serializers.DraftSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Raise a concern, as a draft, through the caller's acting membership",
    )
    def post(self, request: Request) -> Response:
        def create() -> Response:
            body = serializers.ConcernRaiseSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            draft = concern_raise(
                actor=request.user,
                membership=acting_membership(user=request.user),
                request=request._request,
                **body.validated_data,
            )
            return Response(serializers.DraftSerializer(draft).data, status.HTTP_201_CREATED)

        return idempotent_response(request, create)


def _detail(referral: Referral, access: ReferralAccess) -> Any:
    """A referral in as much detail as the caller's access allows."""
    if access is ReferralAccess.FULL:
        return serializers.ReferralFullSerializer(referral).data
    return serializers.ReferralSummaryDetailSerializer(referral).data


# What _detail answers: the whole referral or its summary, told apart by `access`.
REFERRAL_DETAIL = PolymorphicProxySerializer(
    component_name="ReferralDetail",
    serializers=[serializers.ReferralFullSerializer, serializers.ReferralSummaryDetailSerializer],
    resource_type_field_name="access",
)


class ReferralDetailView(APIView):
    @extend_schema(
        responses=REFERRAL_DETAIL,
        summary="One referral, in as much detail as the caller's role in it allows",
    )
    def get(self, request: Request, reference: str) -> Response:
        referral, access = referral_open(actor=request.user, reference=reference, request=request)
        return Response(_detail(referral, access))

    @extend_schema(
        request=serializers.ConcernSerializer(partial=True),
        responses=serializers.DraftSerializer,
        summary="Change a draft concern (its author only; 409 once it is submitted)",
    )
    def patch(self, request: Request, reference: str) -> Response:
        referral, _ = referral_get(user=request.user, reference=reference)
        body = serializers.ConcernSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            draft = referral_update_draft(
                referral=referral,
                actor=request.user,
                concern=body.validated_data,
                request=request._request,
            )
        except TransitionConflict as exc:
            raise _conflict(exc) from exc
        return Response(serializers.DraftSerializer(draft).data)


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
        responses={200: REFERRAL_DETAIL, 204: None},
        parameters=[IDEMPOTENCY_KEY],
        summary="Take one workflow step (409 when the referral has moved on meanwhile); "
        "204 when the step leaves the referral out of the caller's sight (a transfer declined)",
    )
    def post(self, request: Request, reference: str, name: str) -> Response:
        referral, _ = referral_get(user=request.user, reference=reference)
        incoming = serializers.TransitionInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)

        def step() -> Response:
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
                raise _conflict(exc) from exc
            try:
                shown, access = referral_after_step(user=request.user, referral=moved)
            except Http404:  # a transfer declined: the step is done, the referral out of sight
                return Response(status=status.HTTP_204_NO_CONTENT)
            return Response(_detail(shown, access))

        # A client that lost the answer (a dropped connection, a restarted database) sends the
        # step again with the same key: it is taken once, and the retry gets the first answer.
        return idempotent_response(request, step)


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


TIMELINE_TYPES = OpenApiParameter(
    "type",
    OpenApiTypes.STR,
    many=True,
    enum=ReferralEventType.values,
    description="Only events of these types (repeat for several)",
)


class TimelineView(AuditedListView):
    """Events of the referrals the caller sees in full, optionally of some types only."""

    serializer_class = serializers.TimelineEntrySerializer
    queryset = ReferralEvent.objects.none()  # for the schema; requests use get_queryset

    def event_types(self) -> list[str]:
        query = serializers.TimelineFilterSerializer(
            data={"type": self.request.query_params.getlist("type")}
        )
        query.is_valid(raise_exception=True)
        return list(query.validated_data.get("type", []))

    def referrals(self) -> QuerySet[Referral]:
        raise NotImplementedError

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return timeline(
            user=self.request.user, referrals=self.referrals(), event_types=self.event_types()
        )

    @extend_schema(parameters=[TIMELINE_TYPES])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
