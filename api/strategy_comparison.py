"""REST API v1 for the national comparison of strategy profiles: a thin view over
reports.profiles.national_comparison, which applies disclosure control and records each
reading. National analysts and board members read it; other roles are answered 403, as on
the page."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.profiles import check_year, national_comparison, reporting_year

from . import fields as checked
from .errors import RULE
from .reports import FigureSerializer
from .toolkit import QuerySerializer


class ComparisonQuerySerializer(QuerySerializer):
    year = checked.IntegerField(
        required=False,
        help_text="The reporting year's start (2026 is 2026-27); the current one when left out",
    )

    def validate_year(self, year: int) -> int:
        if problem := check_year(year, today=timezone.localdate()):
            raise serializers.ValidationError(problem, code=RULE)
        return year


class ShownSerializer(FigureSerializer):
    """A published figure, read from reports.disclosure.Figure."""

    shown = checked.CharField(
        source="text",
        help_text="What a reader sees: a number, c (suppressed), z (not applicable) or : "
        "(not available)",
    )


class ItemRowSerializer(serializers.Serializer[object]):
    key = checked.CharField()
    label = checked.CharField()  # type: ignore[assignment]  # the key clients read
    count = ShownSerializer(help_text="Areas that responded with it")
    of_responding = ShownSerializer(help_text="Percentage of the areas that responded")
    of_all = ShownSerializer(
        help_text="Percentage of all areas, a non-responder counted as having nothing"
    )


class CellsSerializer(serializers.Serializer[object]):
    """Areas in each cell: the row's item yes or no, then the column's."""

    yes_yes = ShownSerializer(source="cells.yes_yes")
    yes_no = ShownSerializer(source="cells.yes_no")
    no_yes = ShownSerializer(source="cells.no_yes")
    no_no = ShownSerializer(source="cells.no_no", help_text="Non-responders are counted here")


class CrossTableSerializer(serializers.Serializer[object]):
    slug = checked.CharField()
    title = checked.CharField()
    row_label = checked.CharField()
    column_label = checked.CharField()
    cells = CellsSerializer(source="*")
    total = ShownSerializer(help_text="All areas")


class ComparisonSerializer(serializers.Serializer[object]):
    year = checked.IntegerField()
    label = checked.CharField(  # type: ignore[assignment]  # the key clients read
        help_text="The reporting year, as 2026-27"
    )
    all_areas = ShownSerializer()
    responding = ShownSerializer(help_text="Areas that answered for the year")
    not_responding = ShownSerializer()
    items = ItemRowSerializer(many=True, help_text="Each questionnaire item")
    groups = ItemRowSerializer(
        many=True, help_text="The dual strategy groups: every responding area is in one"
    )
    cross_tables = CrossTableSerializer(many=True)
    statements = serializers.ListField(
        child=checked.CharField(), help_text="The headlines, as the 2010 study made them"
    )


class StrategyComparisonView(APIView):
    @extend_schema(
        parameters=[ComparisonQuerySerializer],
        responses={
            200: ComparisonSerializer,
            400: OpenApiResponse(description="A year the service does not keep"),
            403: OpenApiResponse(description="Not a national analyst or board member"),
        },
        summary="Every area's strategy profile answers compared for a year, of the areas that "
        "responded and of all areas, with disclosure control (the reading is recorded)",
    )
    def get(self, request: Request) -> Response:
        query = ComparisonQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year", reporting_year(timezone.localdate()))
        comparison = national_comparison(user=request.user, year=year, request=request)
        return Response(ComparisonSerializer(comparison).data)
