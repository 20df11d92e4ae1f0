"""REST API v1: disruption activity and the tactics catalogue.

Only the police leads and coordinators of an area see its activity: for anyone else the list
is empty and one activity, or a target to log against, answers 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.dates import DUE_DATE, EXPIRY_DATE
from disruption.activity_selectors import (
    ENTITY_KIND_CHOICES,
    activity_get,
    disruption_log,
    tactic_catalogue,
)
from disruption.activity_services import (
    disruption_activity_add,
    disruption_activity_open,
    disruption_activity_update,
)
from disruption.models import (
    ENTITY_MODELS,
    NODE_FIELDS,
    DisruptionActivity,
    DisruptionMode,
    DisruptionStatus,
    Node,
    NodeKind,
)
from disruption.selectors import intelligence_area_ids, referrals_named, writable_entity_get
from referrals.models import Referral

from . import fields as checked
from .serializers import LONG_TEXT
from .toolkit import IDEMPOTENCY_KEY, AuditedListView, QuerySerializer, idempotent_response


class DisruptionTargetSerializer(checked.ModelSerializer[Node]):
    kind = serializers.ChoiceField(choices=ENTITY_KIND_CHOICES)
    id = serializers.SerializerMethodField(help_text="The person, location, vehicle or identifier")

    class Meta:
        model = Node
        fields = ["kind", "id", "label"]

    def get_id(self, node: Node) -> int:
        return int(getattr(node, f"{NODE_FIELDS[NodeKind(node.kind)]}_id"))


class DisruptionActivitySerializer(checked.ModelSerializer[DisruptionActivity]):
    area = checked.CharField(source="area.name")
    tactic = checked.CharField(source="tactic.code")
    tactic_label = checked.CharField(source="tactic.label")
    target = DisruptionTargetSerializer()
    referrals: serializers.SlugRelatedField[Referral] = serializers.SlugRelatedField(
        slug_field="reference", many=True, read_only=True
    )
    owner_name = checked.CharField(source="owner.get_full_name")
    owner_agency = checked.CharField(source="owner_agency.name")

    class Meta:
        model = DisruptionActivity
        fields = [
            "id",
            "area",
            "tactic",
            "tactic_label",
            "target",
            "referrals",
            "mode",
            "legal_power",
            "owner",
            "owner_name",
            "owner_agency",
            "status",
            "planned_on",
            "issued_on",
            "served_on",
            "expires_on",
            "breached_on",
            "outcome",
            "court",
            "court_reference",
            "created_at",
            "updated_at",
        ]


class _ActivityFields(serializers.Serializer[object]):
    """What a client may set; the rules (dates in order, an outcome for a finished status)
    are the service's."""

    mode = serializers.ChoiceField(choices=DisruptionMode.choices)
    referrals = serializers.ListField(
        child=checked.CharField(max_length=20),
        required=False,
        max_length=50,
        help_text="References of the open referrals whose young people it protects",
    )
    legal_power = checked.CharField(
        required=False, allow_blank=True, max_length=300, help_text="Defaults to the tactic's"
    )
    owner = checked.IntegerField(
        help_text="A police lead, or someone of a partner agency serving the area"
    )
    status = serializers.ChoiceField(choices=DisruptionStatus.choices)
    planned_on = checked.DateField(allowed=DUE_DATE, required=False, allow_null=True)
    issued_on = checked.DateField(required=False, allow_null=True)
    served_on = checked.DateField(required=False, allow_null=True)
    expires_on = checked.DateField(
        allowed=EXPIRY_DATE,
        required=False,
        allow_null=True,
        help_text="For an order or notice; defaults to the tactic's duration from issue",
    )
    breached_on = checked.DateField(required=False, allow_null=True)
    outcome = checked.CharField(required=False, allow_blank=True, max_length=LONG_TEXT)
    court = checked.CharField(required=False, allow_blank=True, max_length=200)
    court_reference = checked.CharField(required=False, allow_blank=True, max_length=60)


class DisruptionActivityCreateSerializer(_ActivityFields):
    target_kind = serializers.ChoiceField(choices=ENTITY_KIND_CHOICES)
    target_id = checked.IntegerField(min_value=1, max_value=2**31 - 1)
    tactic = serializers.SlugRelatedField(slug_field="code", queryset=tactic_catalogue())
    status = serializers.ChoiceField(
        choices=DisruptionStatus.choices, default=DisruptionStatus.PLANNED
    )


class DisruptionActivityUpdateSerializer(_ActivityFields):
    pass


class DisruptionLogFilterSerializer(QuerySerializer):
    tactic = checked.CharField(required=False, max_length=60, help_text="A tactic's code")
    status = serializers.ChoiceField(choices=DisruptionStatus.choices, required=False)
    target_kind = serializers.ChoiceField(choices=ENTITY_KIND_CHOICES, required=False)
    owner = checked.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="The owner's user id"
    )
    since = checked.DateField(
        required=False, help_text="Activity issued (else planned, else logged) on or after"
    )
    until = checked.DateField(required=False, help_text="... on or before")
    expiring_within_days = checked.IntegerField(
        required=False,
        min_value=0,
        max_value=3660,
        help_text="Only live orders and notices lapsing from today to this many days on",
    )
    referral = checked.CharField(
        required=False, max_length=20, help_text="Only activity protecting this referral"
    )


def _with_referrals(rows: QuerySet[DisruptionActivity]) -> QuerySet[DisruptionActivity]:
    return rows.prefetch_related("referrals")


def _owner(user: Any, pk: int) -> Any:
    """Someone who is or was a member of one of the caller's areas (the service says whether
    they may own the activity); nobody else is looked up."""
    owner = (
        get_user_model()
        .objects.filter(pk=pk, memberships__area_id__in=intelligence_area_ids(user=user))
        .distinct()
        .first()
    )
    if owner is None:
        raise ApiValidationError(
            {"owner": ["Choose a police lead, or someone of a partner agency in the area."]}
        )
    return owner


def _resolved(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    if "referrals" in data:
        data["referrals"] = referrals_named(user=user, references=data["referrals"])
    if "owner" in data:
        data["owner"] = _owner(user, data["owner"])
    for name in ("legal_power", "outcome", "court", "court_reference"):
        if name in data:
            data[name] = data[name].strip()
    return data


def _shown(activity: DisruptionActivity) -> Any:
    fresh = _with_referrals(
        DisruptionActivity.objects.select_related(
            "area", "tactic", "target", "owner", "owner_agency"
        )
    ).get(pk=activity.pk)
    return DisruptionActivitySerializer(fresh).data


class DisruptionActivitiesView(AuditedListView):
    """Disruption activity of the caller's intelligence areas, newest first. Every activity
    listed is recorded as seen."""

    serializer_class = DisruptionActivitySerializer
    queryset = DisruptionActivity.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        query = DisruptionLogFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return _with_referrals(disruption_log(user=self.request.user, **query.validated_data))

    @extend_schema(parameters=[DisruptionLogFilterSerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=DisruptionActivityCreateSerializer,
        responses={201: DisruptionActivitySerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Log disruption activity against a person, location, vehicle or identifier",
    )
    def post(self, request: Request) -> Response:
        def create() -> Response:
            body = DisruptionActivityCreateSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = dict(body.validated_data)
            target = writable_entity_get(
                user=request.user,
                model=ENTITY_MODELS[NodeKind(data.pop("target_kind"))],
                pk=data.pop("target_id"),
            )
            activity = disruption_activity_add(
                actor=request.user,
                target=target,
                request=request._request,
                **_resolved(request.user, data),
            )
            return Response(_shown(activity), status=status.HTTP_201_CREATED)

        return idempotent_response(request, create)


class DisruptionActivityView(APIView):
    @extend_schema(
        responses=DisruptionActivitySerializer,
        summary="One disruption activity (recorded as seen)",
    )
    def get(self, request: Request, pk: int) -> Response:
        activity = disruption_activity_open(actor=request.user, pk=pk, request=request._request)
        return Response(_shown(activity))

    @extend_schema(
        request=DisruptionActivityUpdateSerializer(partial=True),
        responses=DisruptionActivitySerializer,
        summary="Record what became of a disruption activity: status, outcome, dates, court",
    )
    def patch(self, request: Request, pk: int) -> Response:
        activity = activity_get(user=request.user, pk=pk)
        body = DisruptionActivityUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changed = disruption_activity_update(
            activity=activity,
            actor=request.user,
            request=request._request,
            **_resolved(request.user, dict(body.validated_data)),
        )
        return Response(_shown(changed))
