"""REST API v1 for area strategy profiles: thin views over reports.profiles.

Board members, coordinators and area administrators read their own areas' profiles, national
analysts every area's; for anyone else the list is empty and one profile answers 404. An
area's coordinators and administrators set its answers (PUT), as on the profile form.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import AgencyType
from referrals.audited_reads import records_seen
from reports.models import (
    ActivityStatus,
    CoordinatorStatus,
    DeliveryStatus,
    ProtocolStatus,
    ServiceStatus,
    StrategyProfile,
    YesNoNotKnown,
)
from reports.profiles import (
    FIRST_YEAR,
    kept_area,
    strategy_profile_get,
    strategy_profile_list,
    strategy_profile_save,
)

from . import fields as checked
from .pagination import StrictCursorPagination
from .toolkit import AuditedListView, QuerySerializer


class ProfileAnswersSerializer(serializers.Serializer[object]):
    """Every questionnaire item (docs/strategy-profiles.md)."""

    protocol = serializers.ChoiceField(choices=ProtocolStatus.choices)
    protocol_reviewed_on = checked.DateField(allow_null=True, required=False)
    protocol_reviewed_since_guidance = serializers.ChoiceField(choices=YesNoNotKnown.choices)
    sub_group = checked.BooleanField()
    lead_professional_agencies = serializers.ListField(
        child=serializers.ChoiceField(choices=AgencyType.choices),
        max_length=len(AgencyType.choices),
        required=False,
        help_text="The agency types that have identified lead professionals",
    )
    coordinator = serializers.ChoiceField(choices=CoordinatorStatus.choices)
    specialist_service = serializers.ChoiceField(choices=ServiceStatus.choices)
    awareness_professionals = serializers.ChoiceField(choices=DeliveryStatus.choices)
    awareness_young_people = serializers.ChoiceField(choices=DeliveryStatus.choices)
    awareness_parents_and_carers = serializers.ChoiceField(choices=DeliveryStatus.choices)
    training_identification = serializers.ChoiceField(choices=DeliveryStatus.choices)
    training_protection = serializers.ChoiceField(choices=DeliveryStatus.choices)
    training_evidence_gathering = serializers.ChoiceField(choices=DeliveryStatus.choices)
    disruption_activity = serializers.ChoiceField(choices=ActivityStatus.choices)
    local_data_collection = checked.BooleanField()


class StrategyProfileSerializer(ProfileAnswersSerializer):
    ons_code = checked.CharField(source="area.ons_code")
    area = checked.CharField(source="area.name")
    year = checked.IntegerField(help_text="The reporting year's start: 2026 is 2026-27")
    year_label = checked.CharField()
    responded = checked.BooleanField(
        help_text="False: the area has not answered, and every answer is its default (none)"
    )
    submitted_at = checked.DateTimeField(allow_null=True)


class ProfileFilterSerializer(QuerySerializer):
    ons_code = checked.CharField(required=False, max_length=9, help_text="One area's ONS code")
    year = checked.IntegerField(
        required=False, min_value=FIRST_YEAR, max_value=9999, help_text="One reporting year's start"
    )


class ProfilePagination(StrictCursorPagination):
    ordering = ("-id",)


class StrategyProfilesView(AuditedListView):
    """Strategy profiles of the areas the caller reads, newest first; each listed is recorded
    as seen."""

    serializer_class = StrategyProfileSerializer
    pagination_class = ProfilePagination
    queryset = StrategyProfile.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        query = ProfileFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return strategy_profile_list(user=self.request.user, **query.validated_data)

    @extend_schema(parameters=[ProfileFilterSerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class StrategyProfileView(APIView):
    @extend_schema(responses=StrategyProfileSerializer, summary="One area's profile for a year")
    def get(self, request: Request, ons_code: str, year: int) -> Response:
        profile = strategy_profile_get(user=request.user, ons_code=ons_code, year=year)
        records_seen(actor=request.user, records=[profile], request=request)
        return Response(StrategyProfileSerializer(profile).data)

    @extend_schema(
        request=ProfileAnswersSerializer,
        responses=StrategyProfileSerializer,
        summary="Answer every item for a year (the area's coordinators and administrators); "
        "the profile is then marked as responded",
    )
    def put(self, request: Request, ons_code: str, year: int) -> Response:
        area = kept_area(user=request.user, ons_code=ons_code)
        body = ProfileAnswersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        profile = strategy_profile_save(
            actor=request.user, area=area, year=year, answers=body.validated_data
        )
        return Response(StrategyProfileSerializer(profile).data)
