"""REST API v1: an area's dashboard as a file (CSV, XLSX or PDF), with the same disclosure
control, permissions and audit record as the page's downloads."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from api.reports import PeriodQuerySerializer
from reports.exports import FORMATS, dashboard_download, export_format
from reports.selectors import area_dashboard
from reports.services import report_exported


class FileNegotiation(BaseContentNegotiation):
    """A download is the file its URL names, whatever the Accept header says; only an error
    is rendered, as JSON."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class DashboardExportView(APIView):
    content_negotiation_class = FileNegotiation

    @extend_schema(
        parameters=[
            OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(FORMATS)),
            PeriodQuerySerializer,
        ],
        responses={
            **{
                (200, content_type): OpenApiResponse(
                    OpenApiTypes.BINARY, description="The dashboard as a file"
                )
                for _, content_type in FORMATS.values()
            },
            400: OpenApiResponse(description="The period is not one: the error names the field"),
            404: OpenApiResponse(description="No such area among those you may report on"),
        },
        operation_id="reports_area_dashboard_export",
        summary="The area's dashboard for a period, as a CSV, XLSX or PDF file: the same "
        "suppressed figures as the dashboard (c for hidden counts); recorded in the audit trail",
    )
    def get(self, request: Request, ons_code: str, fmt: str) -> HttpResponse:
        export_format(fmt)
        query = PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = query.validated_data["period"]
        dashboard = area_dashboard(user=request.user, ons_code=ons_code, period=period)
        download = dashboard_download(dashboard, fmt)
        report_exported(
            actor=request.user, area=dashboard.area, period=period, fmt=fmt, request=request
        )
        return download.response()
