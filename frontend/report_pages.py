"""Board report pages: the areas a person may report on, and an area's dashboard for a chosen
period beside the one before, every figure disclosure-controlled. Each reading is audited."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from reports.charts import chart_svg
from reports.periods import Period, PeriodKind, period_from
from reports.selectors import area_dashboard, report_area, report_areas
from reports.services import report_viewed

from .form_fields import date_field

KIND_LABELS = {
    PeriodKind.MONTH: "Month",
    PeriodKind.QUARTER: "Quarter",
    PeriodKind.YEAR: "Year (April to March)",
    PeriodKind.CUSTOM: "Custom dates",
}
# The first column's heading where it is not "Group".
ROW_HEADINGS = {"summary": "Measure", "raised_by_month": "Month"}
# The page lays its charts out two a row on a wide screen (each column 465 px of the 960 px
# page): drawn this wide, their words keep their size there rather than shrinking to fit.
PAGE_CHART_WIDTH = 460


class PeriodForm(forms.Form):
    kind = forms.ChoiceField(
        label="Period",
        choices=[(kind.value, label) for kind, label in KIND_LABELS.items()],
        widget=forms.RadioSelect,
        required=False,
        initial=PeriodKind.YEAR.value,
        error_messages={"invalid_choice": "Choose a month, quarter, year or custom dates"},
    )
    on = date_field(
        "A day in the month, quarter or year",
        required=None,
        hint="For example, 1 4 2026. Leave it empty for the last whole period before today.",
    )
    start = date_field(
        "Custom period: first day",
        required=None,
        hint="The first day of a month, for example 1 1 2026",
    )
    end = date_field(
        "Custom period: last day",
        required=None,
        hint="The last day of a month, for example 31 3 2026. Custom periods are whole months, "
        "so that no figure can be worked out for a few days, or one child.",
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            cleaned["period"] = period_from(
                kind=cleaned.get("kind") or "",
                on=cleaned.get("on"),
                start=cleaned.get("start"),
                end=cleaned.get("end"),
                today=self.today,
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                self.add_error("kind" if name == "period" else name, messages)
        return cleaned

    def period(self) -> Period | None:
        """The period asked for (the last whole year when nothing was asked); None when the
        answers are wrong."""
        if not self.is_bound:
            return period_from(kind="", on=None, start=None, end=None, today=self.today)
        return self.cleaned_data["period"] if self.is_valid() else None


@login_required
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    areas = list(report_areas(user=request.user).order_by("name"))
    if not areas:
        raise Http404("No area's reports are yours to read")
    if len(areas) == 1:
        return redirect("frontend:report-dashboard", ons_code=areas[0].ons_code)
    return render(request, "frontend/reports/areas.html", {"areas": areas})


@login_required
@require_GET
def report_dashboard_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    area = report_area(user=request.user, ons_code=ons_code)
    form = PeriodForm(request.GET or None, today=timezone.localdate())
    period = form.period()
    context: dict[str, Any] = {"area": area, "form": form}
    if period is not None:
        dashboard = area_dashboard(user=request.user, ons_code=area.ons_code, period=period)
        report_viewed(
            actor=request.user, area=area, period=period, request=request, report="dashboard"
        )
        labels = {"current": period.label, "previous": dashboard.previous.label}
        context |= {
            "dashboard": dashboard,
            # For links to this period's figures elsewhere (downloads): ?kind=…&on=…
            "period_query": urlencode(period.as_query()),
            "sections": [
                (
                    table,
                    chart_svg(table, width=PAGE_CHART_WIDTH, **labels),
                    ROW_HEADINGS.get(table.slug, "Group"),
                )
                for table in [dashboard.series, *dashboard.tables]
            ],
            "summary_heading": ROW_HEADINGS["summary"],
        }
    return render(request, "frontend/reports/dashboard.html", context)
