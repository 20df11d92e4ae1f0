"""REST API v1 for an area's settings: its timescales, escalation and out-of-hours contact.
Only the area's administrators read or change them; any other caller gets 404."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency, Area, User
from agencies.selectors import administered_area
from agencies.services import AREA_SETTING_MAXIMUMS, AREA_SETTINGS, area_settings_update


class AreaSettingsSerializer(serializers.ModelSerializer[Area]):
    """Every setting; a PATCH sends only those it changes. People and agencies by id."""

    escalation_manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False
    )
    emergency_duty_person = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False
    )
    emergency_duty_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Area
        fields = ["ons_code", "name", *AREA_SETTINGS]
        read_only_fields = ["ons_code", "name"]
        # The same largest values as the page; the smallest come from the model.
        extra_kwargs = {
            name: {"max_value": maximum, "required": False}
            for name, maximum in AREA_SETTING_MAXIMUMS.items()
        }


class AreaSettingsView(APIView):
    @extend_schema(
        responses={
            200: AreaSettingsSerializer,
            404: OpenApiResponse(description="Not an area you administer"),
        },
        summary="An area's settings (its administrators)",
    )
    def get(self, request: Request, ons_code: str) -> Response:
        area = administered_area(user=request.user, ons_code=ons_code)
        return Response(AreaSettingsSerializer(Area.objects.get(pk=area.pk)).data)

    @extend_schema(
        request=AreaSettingsSerializer,
        responses={
            200: AreaSettingsSerializer,
            400: OpenApiResponse(
                description="A setting out of range, or a manager, person or agency who may "
                "not be named: the error names the field"
            ),
            404: OpenApiResponse(description="Not an area you administer"),
        },
        summary="Change some of an area's settings (its administrators)",
    )
    def patch(self, request: Request, ons_code: str) -> Response:
        area = administered_area(user=request.user, ons_code=ons_code)
        body = AreaSettingsSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes: dict[str, Any] = dict(body.validated_data)
        saved = area_settings_update(actor=request.user, area=area, changes=changes)
        return Response(AreaSettingsSerializer(saved).data)
