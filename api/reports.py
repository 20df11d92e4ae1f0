"""REST API v1 for board reports: the areas a person may report on, and an area's dashboard
for a period beside the one before, every figure disclosure-controlled as on the page. Each
reading of a dashboard is audited; another area's answers 404."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.periods import PeriodKind, period_from
from reports.selectors import area_dashboard, report_area, report_areas
from reports.services import report_viewed

from . import fields as checked
from .errors import RULE
from .toolkit import QuerySerializer


class ReportAreaSerializer(serializers.Serializer[Any]):
    ons_code = checked.CharField()
    name = checked.CharField()


DATE_ERROR: dict[str, Any] = {"invalid": "Enter a real date as YYYY-MM-DD, for example 2026-03-31"}


class PeriodQuerySerializer(QuerySerializer):
    """A custom period is whole months: `start` the first day of a month, `end` the last day
    of one, so that no two periods differ by a few days (reports.periods)."""

    kind = serializers.ChoiceField(
        choices=[kind.value for kind in PeriodKind],
        required=False,
        allow_blank=True,
        help_text="month, quarter, year (April to March) or custom; year when not given",
    )
    on = checked.DateField(
        required=False,
        error_messages=DATE_ERROR,
        help_text="A day in the month, quarter or year (ISO); the last whole one before today "
        "when not given",
    )
    start = checked.DateField(
        required=False, error_messages=DATE_ERROR, help_text="First day of a custom period (ISO)"
    )
    end = checked.DateField(
        required=False, error_messages=DATE_ERROR, help_text="Last day of a custom period (ISO)"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            period = period_from(
                kind=attrs.get("kind", ""),
                on=attrs.get("on"),
                start=attrs.get("start"),
                end=attrs.get("end"),
                today=timezone.localdate(),
            )
        except DjangoValidationError as exc:
            raise ValidationError(
                {
                    "kind" if name == "period" else name: messages
                    for name, messages in exc.message_dict.items()
                },
                code=RULE,
            ) from None
        return {**attrs, "period": period}


class FigureSerializer(serializers.Serializer[Any]):
    shown = checked.CharField(
        help_text="What a reader sees: a number, c (suppressed), z (not applicable) or : "
        "(not available)"
    )
    value = serializers.FloatField(
        allow_null=True, help_text="The number shown; null when it is c, z or :"
    )


class RowSerializer(serializers.Serializer[Any]):
    key = checked.CharField()
    label = checked.CharField()  # type: ignore[assignment]  # the key clients read
    current = FigureSerializer()
    previous = FigureSerializer()
    change = FigureSerializer(help_text="c unless both periods' counts are shown")


class TableSerializer(serializers.Serializer[Any]):
    slug = checked.CharField()
    title = checked.CharField()
    note = checked.CharField(allow_blank=True)
    chart = checked.CharField(allow_blank=True, help_text="bar, line, or empty for none")
    rows = RowSerializer(many=True)
    total = RowSerializer(allow_null=True)


class PeriodSerializer(serializers.Serializer[Any]):
    kind = checked.CharField(help_text="month, quarter, year or custom")
    start = checked.DateField()
    end = checked.DateField(help_text="The last day, included")
    label = checked.CharField()  # type: ignore[assignment]  # the key clients read


class DashboardSerializer(serializers.Serializer[Any]):
    area = ReportAreaSerializer()
    period = PeriodSerializer()
    previous_period = PeriodSerializer()
    incomplete_period = checked.CharField(
        allow_null=True,
        help_text="Why the period cannot yet be compared as a whole (it is not over); null when "
        "it can",
    )
    key_messages = serializers.ListField(
        child=checked.CharField(),
        help_text="Up to five sentences from the summary's published figures, as the page shows",
    )
    suppression = checked.CharField(help_text="How figures are suppressed")
    tables = TableSerializer(many=True, help_text="The summary, the months, then breakdowns")


class ReportAreasView(APIView):
    @extend_schema(
        responses=ReportAreaSerializer(many=True),
        summary="The areas whose reports you may read",
    )
    def get(self, request: Request) -> Response:
        areas = report_areas(user=request.user).order_by("name")
        return Response(ReportAreaSerializer(areas, many=True).data)


class ReportDashboardView(APIView):
    @extend_schema(
        parameters=[PeriodQuerySerializer],
        responses=DashboardSerializer,
        summary="An area's dashboard for a period beside the one before, small counts "
        "suppressed (recorded as read)",
    )
    def get(self, request: Request, ons_code: str) -> Response:
        area = report_area(user=request.user, ons_code=ons_code)
        query = PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = query.validated_data["period"]
        dashboard = area_dashboard(user=request.user, ons_code=area.ons_code, period=period)
        report_viewed(
            actor=request.user,
            area=area,
            period=period,
            request=request._request,
            report="dashboard",
        )
        return Response(dashboard.as_json())
