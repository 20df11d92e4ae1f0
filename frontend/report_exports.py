"""Downloads of an area's dashboard (CSV, XLSX, PDF) and of its charts (SVG), for the people
who may read it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone

from reports.exports import chart_download, dashboard_download, export_format
from reports.periods import period_from_query
from reports.selectors import area_dashboard
from reports.services import report_exported


def bad_period(error: ValidationError) -> HttpResponse:
    return HttpResponseBadRequest(
        " ".join(error.messages), content_type="text/plain; charset=utf-8"
    )


@login_required
def report_export(request: HttpRequest, ons_code: str, fmt: str) -> HttpResponse:
    """The dashboard the same query string shows, as a file. 404 for an area the user may not
    report on (as the dashboard), 400 for a period that is not one."""
    export_format(fmt)
    try:
        period = period_from_query(request.GET, today=timezone.localdate())
    except ValidationError as error:
        return bad_period(error)
    dashboard = area_dashboard(user=request.user, ons_code=ons_code, period=period)
    download = dashboard_download(dashboard, fmt)
    report_exported(
        actor=request.user, area=dashboard.area, period=period, fmt=fmt, request=request
    )
    return download.response()


@login_required
def report_chart(request: HttpRequest, ons_code: str, slug: str) -> HttpResponse:
    """One table's chart, for the period the query string names, as an SVG file."""
    try:
        period = period_from_query(request.GET, today=timezone.localdate())
    except ValidationError as error:
        return bad_period(error)
    dashboard = area_dashboard(user=request.user, ons_code=ons_code, period=period)
    download = chart_download(dashboard, slug)
    report_exported(
        actor=request.user,
        area=dashboard.area,
        period=period,
        fmt="svg",
        chart=slug,
        request=request,
    )
    return download.response()
