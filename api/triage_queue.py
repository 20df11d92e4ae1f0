"""GET /api/v1/triage-queue/: the triage queue of the areas the caller coordinates, in the
queue's order (Red first, then the nearest deadline), with the triage page's filters and its
keyset pages. Every row shown is recorded as seen. Its own operation, not a mode of the
referral list: its rows, its pages and its filters are not the list's, and one operation
answering two shapes could not be documented as either."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from referrals.audited_reads import records_seen
from referrals.models import QUEUE_STATES, Rag, Referral
from referrals.selectors import (
    Taken,
    TriageFilters,
    triage_queue,
    triage_queue_agencies,
    triage_queue_page,
)

from . import fields as checked
from .serializers import ReferralSummarySerializer
from .toolkit import QuerySerializer

TRIAGE_PAGE_SIZE = 50


class TriageQueueQuerySerializer(QuerySerializer):
    rag = serializers.ChoiceField(choices=Rag.choices, required=False)
    state = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in QUEUE_STATES], required=False
    )
    taken = serializers.ChoiceField(
        choices=[(Taken.BY_ME.value, "By me"), (Taken.NOT_TAKEN.value, "By nobody")],
        required=False,
    )
    agency = checked.IntegerField(required=False, help_text="The raising agency's id")
    overdue = checked.BooleanField(required=False, default=False)
    after = checked.CharField(
        required=False, max_length=80, help_text="The queue's `next_after` of the page before"
    )


class TriageRowSerializer(ReferralSummarySerializer):
    """A row of the triage queue, as the coordinator's page shows it."""

    due_at = checked.DateTimeField(
        read_only=True, help_text="The nearer of the RAG and triage deadlines"
    )
    age = serializers.SerializerMethodField()
    triaged_by = checked.CharField(
        source="triaged_by.get_full_name", default=None, allow_null=True, read_only=True
    )

    class Meta(ReferralSummarySerializer.Meta):
        fields = [
            *ReferralSummarySerializer.Meta.fields,
            "rag",
            "due_at",
            "risk_level",
            "proposed_risk",
            "age",
            "triaged_by",
        ]

    def get_age(self, referral: Referral) -> int | None:
        return referral.young_person.age_on(timezone.localdate())


class TriagePageSerializer(serializers.Serializer[Any]):
    next = checked.URLField(allow_null=True, help_text="The next page, or null at the end")
    next_after = checked.CharField(
        allow_blank=True, help_text="`after` for the next page; empty at the end"
    )
    results = TriageRowSerializer(many=True)


class TriageQueueView(APIView):
    @extend_schema(
        parameters=[TriageQueueQuerySerializer],
        responses={
            200: TriagePageSerializer,
            400: OpenApiResponse(description="A filter not understood"),
            404: OpenApiResponse(description="`agency` is not one that raises referrals here"),
        },
        summary="The triage queue of the areas you coordinate, most urgent first (empty for "
        "those who coordinate none)",
    )
    def get(self, request: Request) -> Response:
        query = TriageQueueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        chosen = query.validated_data
        agency = chosen.get("agency")
        if agency is not None and not triage_queue_agencies(user=request.user).filter(pk=agency):
            raise ValidationError(
                {"agency": ["Not an agency that raises referrals here."]}, code="does_not_exist"
            )
        filters = TriageFilters(
            rag=chosen.get("rag", ""),
            state=chosen.get("state", ""),
            overdue=chosen["overdue"],
            taken=chosen.get("taken", ""),
            agency_id=agency,
        )
        queue = triage_queue(user=request.user, filters=filters).select_related("area")
        with transaction.atomic():
            page = triage_queue_page(queue, after=chosen.get("after", ""), size=TRIAGE_PAGE_SIZE)
            records_seen(actor=request.user, records=page.rows, request=request)
        url = request.build_absolute_uri()
        body = {
            "next": replace_query_param(url, "after", page.next_after) if page.next_after else None,
            "next_after": page.next_after,
            "results": page.rows,
        }
        return Response(TriagePageSerializer(body).data)
