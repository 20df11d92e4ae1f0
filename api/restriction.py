"""REST API v1: restricting a young person's record (UK GDPR Article 18) and lifting the
restriction (referrals.restriction). Coordinators of the young person's area only: a record
out of the caller's sight answers 404 (as it does, once restricted, to every other role), a
role that sees it but may not restrict it 403; restricting a restricted record, or lifting a
restriction that does not stand, 409."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import User
from agencies.rules import coordinates_area_of
from agencies.selectors import signed_in
from referrals.models import YoungPerson, YoungPersonRestriction
from referrals.restriction import (
    ALREADY_RESTRICTED,
    NOT_RESTRICTED,
    REASON_CAP,
    young_person_restrict,
    young_person_restriction_lift,
)
from referrals.restriction_selectors import young_person_restrictions
from referrals.selectors import young_person_get

from . import fields as checked
from .errors import Conflict

NOT_FOUND = OpenApiResponse(description="No such record among those you may see")
FORBIDDEN = OpenApiResponse(description="You see the record but are not a coordinator of its area")
CONFLICT = OpenApiResponse(
    description="Already restricted (to restrict), or not restricted (to lift)"
)


class ReasonSerializer(serializers.Serializer[Any]):
    reason = checked.CharField(max_length=REASON_CAP, help_text="Why, in a sentence or two")


class RestrictionSerializer(checked.ModelSerializer[YoungPersonRestriction]):
    young_person = checked.IntegerField(source="young_person_id")
    placed_by = checked.CharField(source="placed_by.get_full_name")
    lifted_by = checked.CharField(source="lifted_by.get_full_name", allow_null=True)

    class Meta:
        model = YoungPersonRestriction
        fields = [
            "id",
            "young_person",
            "reason",
            "placed_by",
            "placed_at",
            "lift_reason",
            "lifted_by",
            "lifted_at",
        ]


def _coordinated(request: Request, pk: int) -> tuple[User, YoungPerson]:
    """The young person, for one of their area's coordinators: 404 out of sight, else 403."""
    user = signed_in(request.user)
    person = young_person_get(user=user, pk=pk)
    if not coordinates_area_of(user, person):
        raise PermissionDenied("Only the area's coordinators restrict a young person's record.")
    return user, person


def _conflict_on(message: str, write: Any) -> Any:
    """`write()`, with the state conflict `message` answered 409 rather than 422."""
    try:
        return write()
    except ValidationError as exc:
        if message in exc.messages:
            raise Conflict(message) from exc
        raise


class YoungPersonRestrictionView(APIView):
    @extend_schema(
        responses={200: RestrictionSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
        summary="The restrictions placed on a young person's record, newest first (the one "
        "standing has no lifted_at)",
    )
    def get(self, request: Request, pk: int) -> Response:
        user, person = _coordinated(request, pk)
        restrictions = young_person_restrictions(user=user, young_person=person)
        return Response(RestrictionSerializer(restrictions, many=True).data)

    @extend_schema(
        request=ReasonSerializer,
        responses={201: RestrictionSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
        summary="Restrict a young person's record: until it is lifted, only the area's "
        "coordinators see it, nothing new is linked to it and nobody else is told of it",
    )
    def post(self, request: Request, pk: int) -> Response:
        user, person = _coordinated(request, pk)
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        restriction = _conflict_on(
            ALREADY_RESTRICTED,
            lambda: young_person_restrict(
                actor=user,
                young_person=person,
                reason=body.validated_data["reason"],
                request=request._request,
            ),
        )
        return Response(RestrictionSerializer(restriction).data, status=status.HTTP_201_CREATED)


class YoungPersonRestrictionLiftView(APIView):
    @extend_schema(
        request=ReasonSerializer,
        responses={200: RestrictionSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
        summary="Lift the restriction on a young person's record: it is used as before",
    )
    def post(self, request: Request, pk: int) -> Response:
        user, person = _coordinated(request, pk)
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        restriction = _conflict_on(
            NOT_RESTRICTED,
            lambda: young_person_restriction_lift(
                actor=user,
                young_person=person,
                reason=body.validated_data["reason"],
                request=request._request,
            ),
        )
        return Response(RestrictionSerializer(restriction).data)
