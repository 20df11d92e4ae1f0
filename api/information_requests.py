"""REST API v1 for information requests: thin views over referrals.information_requests.

The caller's requests both ways (asked of their agency, asked by them), one request, and the
agency's answer or refusal. Out of scope is 404; reading but not answering for the agency is
403; a request already answered or declined is 409. Every request shown is recorded as seen."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.dates import BIRTH_DATE, DUE_DATE
from referrals.information_requests import (
    ANSWER_MAX_LENGTH,
    REASON_MAX_LENGTH,
    Asked,
    Direction,
    InformationRequestClosed,
    answering_membership,
    asked_values,
    information_request_answer,
    information_request_decline,
    information_request_get,
    information_request_list,
    information_request_open,
    information_requests_seen,
    to_asked,
)
from referrals.models import InformationRequestStatus, LawfulBasis

from . import fields as checked
from .errors import Conflict
from .pagination import StrictCursorPagination
from .parsers import DepthLimitedJSONParser
from .toolkit import IDEMPOTENCY_KEY, QuerySerializer, idempotent_response


class RequestedCursorPagination(StrictCursorPagination):
    """Newest first, ties broken by id: stable pages while requests are added."""

    ordering = ("-requested_at", "-pk")


class InformationRequestSerializer(serializers.Serializer[Asked]):
    id = checked.IntegerField(source="pk")
    referral = checked.CharField(source="reference", help_text="The referral's reference")
    young_person = checked.CharField(help_text="Name, shared under the lawful basis")
    date_of_birth = checked.DateField(allowed=BIRTH_DATE, allow_null=True)
    lawful_basis = checked.CharField(
        help_text=f"The lawful basis recorded for sharing, in words: one of {len(LawfulBasis)}"
    )
    agency = checked.CharField(help_text="The agency asked")
    agency_id = checked.IntegerField()
    question = checked.CharField()
    due_on = checked.DateField(allowed=DUE_DATE)
    requested_by = checked.CharField()
    requested_at = checked.DateTimeField()
    status = serializers.ChoiceField(choices=InformationRequestStatus.choices)
    answer = checked.CharField()
    attachment_name = checked.CharField(help_text="The attached document's name, if any")
    declined_reason = checked.CharField()
    answered_by = checked.CharField(help_text="Who answered or declined it")
    answered_at = checked.DateTimeField(allow_null=True)


class AnswerTextSerializer(serializers.Serializer[object]):
    """An answer sent as JSON: its text alone, as JSON carries no file."""

    answer = checked.CharField(max_length=ANSWER_MAX_LENGTH)


class AnswerSerializer(AnswerTextSerializer):
    """An answer sent as multipart: its text, and a document if one is attached."""

    attachment = serializers.FileField(
        required=False,
        help_text="PDF, DOCX, ODT or TXT (multipart). An API request body is at most 1 MiB; "
        "the page takes documents up to 10 MB",
    )


class DeclineSerializer(serializers.Serializer[object]):
    reason = checked.CharField(max_length=REASON_MAX_LENGTH)


_NOT_FOUND = OpenApiResponse(description="No such request among those you may read")
_NOT_ANSWERER = OpenApiResponse(
    description="You may read the request but do not answer for the agency asked"
)
_CLOSED = OpenApiResponse(description="The request has already been answered or declined")
_INVALID = OpenApiResponse(description="The request has errors: they name the field")


class DirectionQuerySerializer(QuerySerializer):
    direction = serializers.ChoiceField(
        choices=[(Direction.OF_ME, "Asked of your agency"), (Direction.BY_ME, "Asked by you")],
        required=False,
        help_text="Only those asked of your agency, or only those you asked",
    )


class InformationRequestListView(generics.ListAPIView[Any]):
    """The caller's information requests, newest first; each recorded as seen."""

    serializer_class = InformationRequestSerializer
    pagination_class = RequestedCursorPagination

    def get_queryset(self) -> Any:
        query = DirectionQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        direction = query.validated_data.get("direction", "")
        return asked_values(information_request_list(user=self.request.user, direction=direction))

    @extend_schema(
        parameters=[DirectionQuerySerializer],
        responses={200: InformationRequestSerializer(many=True), 400: _INVALID},
        summary="Information requests asked of your agency and asked by you",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            page = [to_asked(row) for row in self.paginate_queryset(self.get_queryset()) or []]
            information_requests_seen(actor=request.user, shown=page, request=request._request)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class InformationRequestView(APIView):
    @extend_schema(
        responses={200: InformationRequestSerializer, 404: _NOT_FOUND},
        summary="One information request (recorded as seen)",
    )
    def get(self, request: Request, pk: int) -> Response:
        with transaction.atomic():
            shown = information_request_open(user=request.user, pk=pk, request=request._request)
        return Response(InformationRequestSerializer(shown).data)


def _answered(request: Request, pk: int, body: serializers.Serializer[Any], write: Any) -> Response:
    found = information_request_get(user=request.user, pk=pk)  # 404, then 403, then the body
    if answering_membership(user=request.user, information_request=found) is None:
        raise PermissionDenied("Only the agency asked may answer this request.")
    body.is_valid(raise_exception=True)
    try:
        write(found, body.validated_data)
    except InformationRequestClosed as exc:
        raise Conflict(exc.messages[0]) from exc
    shown = information_request_open(user=request.user, pk=pk, request=request._request)
    return Response(InformationRequestSerializer(shown).data)


class InformationRequestAnswerView(APIView):
    parser_classes = [DepthLimitedJSONParser, MultiPartParser]

    @extend_schema(
        request={
            "application/json": AnswerTextSerializer,
            "multipart/form-data": AnswerSerializer,
        },
        responses={
            200: InformationRequestSerializer,
            400: _INVALID,
            403: _NOT_ANSWERER,
            404: _NOT_FOUND,
            409: _CLOSED,
        },
        parameters=[IDEMPOTENCY_KEY],
        summary="Answer for the agency asked, once: text, and a document as multipart",
    )
    def post(self, request: Request, pk: int) -> Response:
        return idempotent_response(
            request,
            lambda: _answered(
                request,
                pk,
                AnswerSerializer(data=request.data),
                lambda found, data: information_request_answer(
                    information_request=found,
                    actor=request.user,
                    answer=data["answer"],
                    attachment=data.get("attachment"),
                ),
            ),
        )


class InformationRequestDeclineView(APIView):
    @extend_schema(
        request=DeclineSerializer,
        responses={
            200: InformationRequestSerializer,
            400: _INVALID,
            403: _NOT_ANSWERER,
            404: _NOT_FOUND,
            409: _CLOSED,
        },
        parameters=[IDEMPOTENCY_KEY],
        summary="Decline for the agency asked, once, saying why",
    )
    def post(self, request: Request, pk: int) -> Response:
        return idempotent_response(
            request,
            lambda: _answered(
                request,
                pk,
                DeclineSerializer(data=request.data),
                lambda found, data: information_request_decline(
                    information_request=found, actor=request.user, reason=data["reason"]
                ),
            ),
        )
