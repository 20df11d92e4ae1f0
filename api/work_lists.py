"""REST API v1 for casework beyond one referral's lists: the coordinator's overdue protective
actions, and correcting a referral's young person. Thin views over referrals' selectors and
services; every record shown is recorded as seen."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditEvent
from audit.selectors import audit_events_for_object
from referrals.audited_reads import records_seen, referral_open
from referrals.home_selectors import actions_owned_by, cases_led_by
from referrals.identity import CORRECTION_FIELDS, young_person_correct
from referrals.models import ProtectiveAction, Referral
from referrals.selectors import casework_membership, overdue_actions, referral_for_casework

from . import fields as checked
from .pagination import NumberedPagination
from .serializers import ActionSerializer, YoungPersonDetailSerializer, YoungPersonInputSerializer
from .toolkit import AuditedListView


class OverdueActionSerializer(ActionSerializer):
    referral = checked.CharField(source="referral.reference")

    class Meta(ActionSerializer.Meta):
        fields = ["referral", *ActionSerializer.Meta.fields]


class OverdueActionsView(AuditedListView):
    """Each action listed is recorded as seen."""

    serializer_class = OverdueActionSerializer
    pagination_class = NumberedPagination  # the oldest due first, not a creation cursor
    queryset = ProtectiveAction.objects.none()  # for the schema

    def get_queryset(self) -> Any:
        if not self.request.user.has_perm("referrals.view_overdue_actions"):
            raise PermissionDenied("Only coordinators see their areas' overdue actions.")
        return overdue_actions(user=self.request.user)

    @extend_schema(
        responses={
            200: OverdueActionSerializer(many=True),
            403: OpenApiResponse(description="Not a coordinator"),
        },
        summary="Open protective actions past their due date in the areas you coordinate, "
        "the longest overdue first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class MyCaseSerializer(checked.ModelSerializer[Referral]):
    young_person = checked.CharField(source="young_person.__str__")

    class Meta:
        model = Referral
        fields = ["reference", "state", "young_person", "rag", "next_review_due_on"]
        fields += ["risk_reassessment_due_on"]


class MyCasesView(AuditedListView):
    """Each case listed is recorded as seen."""

    serializer_class = MyCaseSerializer
    pagination_class = NumberedPagination  # the next review first, not a creation cursor
    queryset = Referral.objects.none()  # for the schema

    def get_queryset(self) -> Any:
        return cases_led_by(user=self.request.user)

    @extend_schema(summary="Open referrals on which you are the named lead professional")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class MyActionSerializer(checked.ModelSerializer[ProtectiveAction]):
    referral = checked.CharField(source="referral.reference")
    young_person = checked.CharField(source="referral.young_person.__str__")
    action_type = checked.CharField(source="action_type.code")
    action_type_label = checked.CharField(source="action_type.label")

    class Meta:
        model = ProtectiveAction
        fields = ["id", "referral", "young_person", "action_type", "action_type_label"]
        fields += ["detail", "due_on", "status"]


class MyActionsView(AuditedListView):
    """Each action listed is recorded as seen."""

    serializer_class = MyActionSerializer
    pagination_class = NumberedPagination  # the soonest due first
    queryset = ProtectiveAction.objects.none()  # for the schema

    def get_queryset(self) -> Any:
        return actions_owned_by(user=self.request.user)

    @extend_schema(summary="Open protective actions you own, the soonest due first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class CorrectionSerializer(YoungPersonInputSerializer):
    reason = checked.CharField(
        max_length=5000, help_text="Why; recorded with the correction, the old details kept"
    )

    class Meta(YoungPersonInputSerializer.Meta):
        fields = [*CORRECTION_FIELDS, "reason"]


class YoungPersonCorrectView(APIView):
    @extend_schema(
        request=CorrectionSerializer(partial=True),
        responses={
            200: YoungPersonDetailSerializer,
            400: OpenApiResponse(description="No reason, or a detail refused"),
            403: OpenApiResponse(description="You may read this case but not record on it"),
            404: OpenApiResponse(description="Not a referral you see in full"),
        },
        summary="Correct the young person's details (the details given; a reason is needed)",
    )
    def post(self, request: Request, reference: str) -> Response:
        referral = referral_for_casework(user=request.user, reference=reference)
        if casework_membership(user=request.user, referral=referral) is None:
            raise PermissionDenied("You may read this case but not record on it.")
        body = CorrectionSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        reason = changes.pop("reason", "")
        person = young_person_correct(
            referral=referral, actor=request.user, changes=changes, reason=reason
        )
        records_seen(actor=request.user, records=[person], referral=referral, request=request)
        return Response(YoungPersonDetailSerializer(person).data)


class SeenByEventSerializer(serializers.Serializer[Any]):
    created_at = checked.DateTimeField(read_only=True)
    actor = checked.CharField(source="actor.username", default=None)
    actor_name = checked.CharField(source="actor.get_full_name", default=None)
    agency = checked.CharField(source="membership.agency.name", default=None)
    action = checked.CharField()
    details = serializers.JSONField(help_text="A workflow step's `from` and `to` states")
    reason = checked.CharField(
        source="given_reason", help_text="The reason given; empty once erased"
    )


class ReferralSeenByView(AuditedListView):
    """Who has seen or changed the referral, newest first: for those the page shows it to.
    Reading it is recorded as a view of the referral."""

    serializer_class = SeenByEventSerializer
    pagination_class = NumberedPagination
    queryset = AuditEvent.objects.none()  # for the schema

    def get_queryset(self) -> Any:
        referral, _ = referral_open(
            actor=self.request.user, reference=self.kwargs["reference"], request=self.request
        )
        if not self.request.user.has_perm("referrals.view_referral_audit", referral):
            raise PermissionDenied("Only the area's coordinators see who has seen a referral.")
        return audit_events_for_object(target=referral)

    def record_seen(self, page: list[Any]) -> None:
        """The referral itself was recorded as seen; the events are not case records."""

    @extend_schema(
        responses={
            200: SeenByEventSerializer(many=True),
            403: OpenApiResponse(description="You see the referral but not its record trail"),
            404: OpenApiResponse(description="Not a referral you may see"),
        },
        summary="Who has seen or changed this referral, newest first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
