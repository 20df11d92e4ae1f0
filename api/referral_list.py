"""GET /api/v1/referrals/: the referrals the caller sees, newest first, or with `queue=triage`
the triage queue itself, in the queue's order (Red first, then the nearest deadline) with the
triage page's filters and its keyset pages. Both record every row shown as seen."""

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
from . import referrals
from .errors import RULE
from .serializers import ReferralSummarySerializer
from .toolkit import QuerySerializer

TRIAGE = "triage"
TRIAGE_PAGE_SIZE = 50


class ReferralListQuerySerializer(QuerySerializer):
    queue = serializers.ChoiceField(
        choices=[(TRIAGE, "The triage queue")],
        required=False,
        help_text="`triage`: the queue of the areas you coordinate, most urgent first; the "
        "filters below apply to it only",
    )
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

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        filtering = {"rag", "state", "taken", "agency", "after"} & set(data) or data["overdue"]
        if filtering and data.get("queue") != TRIAGE:
            raise ValidationError(
                {"queue": ["These filters apply to the triage queue: add queue=triage."]},
                code=RULE,
            )
        return data


class TriageRowSerializer(ReferralSummarySerializer):
    """A row of the triage queue, as the coordinator's page shows it."""

    due_at = checked.DateTimeField(
        read_only=True, help_text="The nearer of the RAG and triage deadlines"
    )
    age = serializers.SerializerMethodField()
    triaged_by = checked.CharField(source="triaged_by.get_full_name", default=None)

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
    next = checked.URLField(allow_null=True)
    next_after = checked.CharField(allow_blank=True)
    results = TriageRowSerializer(many=True)


class ReferralListView(referrals.ReferralListView):
    @extend_schema(
        parameters=[ReferralListQuerySerializer],
        responses={
            200: ReferralSummarySerializer(many=True),
            400: OpenApiResponse(description="A filter not understood"),
            422: OpenApiResponse(description="A filter of the triage queue without the queue"),
        },
        summary="Referrals you may see, newest first; with queue=triage, the triage queue "
        "(its rows carry the RAG rating, deadline and risk level; answered as TriagePage)",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = ReferralListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if query.validated_data.get("queue") != TRIAGE:
            return super().get(request, *args, **kwargs)
        return self._triage(request, query.validated_data)

    def _triage(self, request: Request, chosen: dict[str, Any]) -> Response:
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
