"""REST API v1 for turning a concern's mentions into records: thin views over
disruption.mention_selectors and disruption.services.mention_convert, as the mentions page.
For the area's coordinators and police leads who see the referral in full; anyone else is
answered 404. Every line read, and every record offered, is recorded as seen. The lines come
in numbered pages, as the concern may mention many."""

from __future__ import annotations

from typing import Any, cast

from django.db import transaction
from django.db.models import Model
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from disruption.mention_selectors import (
    MentionLine,
    mention_line,
    mention_lines_seen,
    referral_mentions,
)
from disruption.models import HandlingCode, IntelligenceAssessment, SourceEvaluation
from disruption.services import MentionKind, mention_convert
from referrals.models import Referral

from . import fields as checked
from .intelligence import LinkSerializer
from .pagination import NumberedPagination
from .toolkit import IDEMPOTENCY_KEY, idempotent_response

NEW_RECORD = "new"
NOT_YOURS = OpenApiResponse(
    description="No such referral or line, or not one whose area's intelligence you work"
)


class MentionSerializer(serializers.Serializer[object]):
    number = checked.IntegerField(help_text="The line's number, for its own address")
    kind = serializers.ChoiceField(MentionKind.choices, help_text="What the concern mentions")
    line = checked.CharField(help_text="The concern's own words")
    link = LinkSerializer(
        allow_null=True, help_text="The link made of the line once it is recorded, else null"
    )


class MatchSerializer(serializers.Serializer[object]):
    id = checked.IntegerField(help_text="Send it as record to link the line to this record")
    label = checked.CharField()  # type: ignore[assignment]  # the key clients read
    why = checked.CharField(help_text="Why the line may be this record")


class MentionDetailSerializer(MentionSerializer):
    matches = MatchSerializer(
        many=True,
        help_text="The area's records (persons of concern, locations or vehicles, as the line's "
        "kind) the line may already be",
    )


class MentionConvertSerializer(serializers.Serializer[object]):
    record = checked.CharField(
        required=False,
        max_length=20,
        help_text=f"The id of one of the records offered as matches, or {NEW_RECORD} for a new "
        "record; required when any record is offered",
    )
    name = checked.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=200,
        help_text="Name or registration, for a new record; the concern's words when blank",
    )
    source_evaluation = serializers.ChoiceField(SourceEvaluation.choices)
    intelligence_assessment = serializers.ChoiceField(IntelligenceAssessment.choices)
    handling_code = serializers.ChoiceField(HandlingCode.choices)


def _chosen(found: list[tuple[Model, str]], record: str | None) -> Model | None:
    """The offered record `record` names; None for a new one. As on the page, a line with
    records like it needs an answer: one of them, or a new record."""
    offered = {str(match.pk): match for match, _ in found}
    if record is None and offered:
        raise ValidationError({"record": [f"Choose the record it is, or {NEW_RECORD}"]})
    if record is None or record == NEW_RECORD:
        return None
    if record not in offered:
        raise ValidationError({"record": [f"Choose a record offered, or {NEW_RECORD}"]})
    return offered[record]


class MentionsView(generics.ListAPIView[Any]):
    """The lines in the concern's order, numbered pages (they are not rows a cursor can
    follow); the referral and the links of the lines on the page are recorded as seen, in one
    transaction with the read."""

    serializer_class = MentionSerializer
    pagination_class = NumberedPagination
    queryset = Referral.objects.none()  # for the schema: the path names a referral

    @extend_schema(
        responses={200: MentionSerializer(many=True), 404: NOT_YOURS},
        summary="The lines of what a concern mentions (people, places, vehicles), each with "
        "the link made of it so far",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            mentions = referral_mentions(
                user=request.user, reference=kwargs["reference"], request=request, record=False
            )
            # Django's Paginator pages any sequence; DRF's stubs name only a QuerySet.
            page: list[MentionLine] = self.paginate_queryset(cast(Any, mentions.lines)) or []
            mention_lines_seen(user=request.user, mentions=mentions, lines=page, request=request)
        return self.get_paginated_response(MentionSerializer(page, many=True).data)


class MentionView(APIView):
    @extend_schema(
        responses={200: MentionDetailSerializer, 404: NOT_YOURS},
        summary="One line of a concern's mentions, with the area's records it may already be",
    )
    def get(self, request: Request, reference: str, number: int) -> Response:
        mentions = referral_mentions(user=request.user, reference=reference, request=request)
        line, found = mention_line(
            user=request.user, mentions=mentions, number=number, request=request
        )
        matches = [{"id": record.pk, "label": str(record), "why": why} for record, why in found]
        return Response(MentionDetailSerializer({**vars(line), "matches": matches}).data)

    @extend_schema(
        request=MentionConvertSerializer,
        responses={
            201: LinkSerializer,
            400: OpenApiResponse(
                description="No answer where records are offered, a record not offered, a "
                "name that is not one (a registration, for a vehicle) or a grading refused, "
                "by field"
            ),
            404: NOT_YOURS,
        },
        parameters=[IDEMPOTENCY_KEY],
        summary="Record one line as a person of concern, location or vehicle (a new record, "
        "or one of those offered) linked to the young person, sourced from the concern",
    )
    def post(self, request: Request, reference: str, number: int) -> Response:
        def run() -> Response:
            mentions = referral_mentions(user=request.user, reference=reference, request=request)
            line, found = mention_line(
                user=request.user, mentions=mentions, number=number, request=request
            )
            body = MentionConvertSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = dict(body.validated_data)
            link = mention_convert(
                actor=request.user,
                referral=mentions.referral,
                kind=line.kind,
                line=line.line,
                existing=_chosen(found, data.pop("record", None)),
                request=request._request,
                **data,
            )
            return Response(LinkSerializer(link).data, status=status.HTTP_201_CREATED)

        return idempotent_response(request, run)
