"""REST API v1 for reviewing emergency ("break-glass") access: the accesses to referrals of
the areas the caller coordinates, unreviewed first, and recording a review. Thin views over
referrals' selectors and services; coordinators only (403 for any other role)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from referrals.break_glass import break_glass_review
from referrals.models import BreakGlassAccess
from referrals.selectors import break_glass_for_review

from . import fields as checked
from .pagination import NumberedPagination
from .toolkit import AuditedListView

NOT_A_REVIEWER = OpenApiResponse(description="Not a coordinator")


def _name(user: Any) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


class BreakGlassAccessSerializer(checked.ModelSerializer[BreakGlassAccess]):
    referral = checked.CharField(source="referral.reference")
    user = serializers.SerializerMethodField(help_text="Who opened it")
    agency = checked.CharField(source="membership.agency.name", default=None)
    reviewed_by = serializers.SerializerMethodField()

    class Meta:
        model = BreakGlassAccess
        fields = ["id", "referral", "user", "agency", "reason", "granted_at", "expires_at"]
        fields += ["reviewed_by", "reviewed_at", "review_note"]

    def get_user(self, access: BreakGlassAccess) -> str | None:
        return _name(access.user)

    def get_reviewed_by(self, access: BreakGlassAccess) -> str | None:
        return _name(access.reviewed_by)


class ReviewSerializer(serializers.Serializer[Any]):
    note = checked.CharField(max_length=2000, help_text="What you found when you reviewed it")


class ReviewerView:
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if not request.user.has_perm("referrals.review_break_glass"):
            raise PermissionDenied("Only coordinators review emergency access.")


class BreakGlassReviewsView(ReviewerView, AuditedListView):
    """Each access listed is recorded as seen."""

    serializer_class = BreakGlassAccessSerializer
    pagination_class = NumberedPagination
    queryset = BreakGlassAccess.objects.none()  # for the schema

    def get_queryset(self) -> Any:
        return break_glass_for_review(user=self.request.user)

    @extend_schema(
        responses={200: BreakGlassAccessSerializer(many=True), 403: NOT_A_REVIEWER},
        summary="Emergency accesses to your areas' referrals, unreviewed first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class BreakGlassReviewView(ReviewerView, APIView):
    @extend_schema(
        request=ReviewSerializer,
        responses={
            200: BreakGlassAccessSerializer,
            400: OpenApiResponse(description="No note, or another coordinator reviewed it"),
            403: NOT_A_REVIEWER,
            404: OpenApiResponse(description="Not an access to a referral of your areas"),
        },
        summary="Record your review of an emergency access",
    )
    def post(self, request: Request, pk: int) -> Response:
        access = get_object_or_404(break_glass_for_review(user=request.user), pk=pk)
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reviewed = break_glass_review(
            access=access, actor=request.user, note=body.validated_data["note"]
        )
        return Response(BreakGlassAccessSerializer(reviewed).data)
