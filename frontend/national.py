"""The national picture: an area's return for the national body, and for national analysts the
import of many areas' returns and the national tables (reports.national)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from reports.national import (
    ImportRefused,
    import_limits,
    national_return_areas,
    national_return_export,
    national_returns_import,
    national_tables,
    return_csv,
)
from reports.periods import Period, PeriodKind, period_containing, period_from
from reports.tokens import TokenKeyMissing

from .form_fields import date_field
from .forms import add_service_errors


def _allowed(request: HttpRequest, permission: str) -> None:
    """Everyone without the permission gets 404: the page is not theirs to know of."""
    if not request.user.has_perm(permission):
        raise Http404("No such page")


class PeriodForm(forms.Form):
    """A period as reports.periods reads it: a kind with a day inside it, or custom dates."""

    kind = forms.ChoiceField(
        label="Period",
        choices=[
            (PeriodKind.MONTH.value, "A month"),
            (PeriodKind.QUARTER.value, "A quarter"),
            (PeriodKind.YEAR.value, "A year (April to March)"),
            (PeriodKind.CUSTOM.value, "Other dates"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a period", "invalid_choice": "Choose a period"},
    )
    on = date_field("A day in the month, quarter or year", required=None)
    start = date_field("First day (other dates)", required=None)
    end = date_field("Last day (other dates)", required=None)

    def period(self) -> Period | None:
        if not self.is_valid():
            return None
        data = self.cleaned_data
        try:
            return period_from(
                kind=data["kind"],
                on=data["on"],
                start=data["start"],
                end=data["end"],
                today=timezone.localdate(),
                whole_months=False,  # a return is records, not figures
            )
        except ValidationError as error:
            add_service_errors(self, error)
            return None


class TablesForm(forms.Form):
    start = date_field("First day", required="Enter the first day", hint="The first day of a month")
    end = date_field("Last day", required="Enter the last day", hint="The last day of a month")

    def period(self) -> Period | None:
        if not self.is_valid():
            return None
        try:
            return period_from(
                kind=PeriodKind.CUSTOM,
                on=None,
                start=self.cleaned_data["start"],
                end=self.cleaned_data["end"],
                today=timezone.localdate(),
            )
        except ValidationError as error:
            add_service_errors(self, error)
            return None


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Upload a CSV file of national returns",
        help_text="One row per concern, with the columns in the guide below.",
        error_messages={
            "required": "Choose a CSV file to upload",
            "empty": "The file is empty: choose a CSV file of national returns",
            "invalid": "Choose a CSV file to upload",
        },
    )
    replace = forms.BooleanField(
        label="Replace any area's return for the same period that was imported before",
        required=False,
    )


@login_required
def national_page(request: HttpRequest) -> HttpResponse:
    _allowed(request, "reports.view_national_picture")
    context = {
        "areas": national_return_areas(user=request.user),
        "analyst": request.user.has_perm("reports.analyse_national_returns"),
    }
    return render(request, "frontend/national/index.html", context)


@login_required
def national_return_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    _allowed(request, "reports.produce_national_return")
    area = next(
        (a for a in national_return_areas(user=request.user) if a.ons_code == ons_code), None
    )
    if area is None:
        raise Http404("No such area among your national returns")
    form = PeriodForm(request.GET if "kind" in request.GET else None)
    period = form.period() if form.is_bound else None
    if period is not None:
        try:
            made = national_return_export(
                actor=request.user, ons_code=ons_code, period=period, request=request
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except TokenKeyMissing as missing:
            form.add_error(None, str(missing))
        else:
            response = HttpResponse(return_csv(made.rows), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
            return response
    return render(request, "frontend/national/return.html", {"area": area, "form": form})


@login_required
def national_import_page(request: HttpRequest) -> HttpResponse:
    _allowed(request, "reports.analyse_national_returns")
    posted = request.method == "POST"
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None)
    problems, more = [], 0
    if posted and form.is_valid():
        try:
            imported = national_returns_import(
                actor=request.user,
                file=form.cleaned_data["file"],
                replace=form.cleaned_data["replace"],
                today=timezone.localdate(),
                request=request,
            )
        except ImportRefused as refused:
            problems, more = refused.problems, refused.more
            form.add_error(
                "file",
                f"Nothing was imported: the file has {len(problems) + more:,} "
                f"problem{'s' if len(problems) + more != 1 else ''}, listed below",
            )
        else:
            replaced = f", replacing {imported.replaced}" if imported.replaced else ""
            messages.success(
                request,
                f"Imported {len(imported.returns)} returns with {imported.rows:,} rows{replaced}.",
            )
            return redirect("frontend:national-import")
    context = {"form": form, "problems": problems, "more": more, "limits": import_limits()}
    return render(request, "frontend/national/import.html", context)


def _last_year(today: date) -> Period:
    return period_containing(PeriodKind.YEAR, today).previous()


@login_required
def national_tables_page(request: HttpRequest) -> HttpResponse:
    """The tables for the dates asked, or for the last whole reporting year until some are."""
    _allowed(request, "reports.analyse_national_returns")
    year = _last_year(timezone.localdate())
    asked = any(name.startswith(("start_", "end_")) for name in request.GET)
    form = TablesForm(
        request.GET if asked else None, initial={"start": year.start, "end": year.end}
    )
    period = form.period() if asked else year
    tables = national_tables(user=request.user, period=period, request=request) if period else None
    context = {"form": form, "tables": tables, "period": period}
    return render(request, "frontend/national/tables.html", context)
