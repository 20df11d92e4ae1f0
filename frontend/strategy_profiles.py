"""Area strategy profile pages: an area's profile by reporting year, the sessions it logs, its
evidence documents and the library, the national import and the national comparison."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from reports.models import ImportStatus, StrategyProfile
from reports.profile_imports import (
    COLUMNS,
    NOT_QUEUED,
    PROBLEMS_KEPT,
    import_limits,
    profile_import,
    profile_import_start,
    template_csv,
)
from reports.profiles import (
    FIRST_YEAR,
    check_year,
    document_content_type,
    first_answered_year,
    kept_area,
    library_areas,
    library_document,
    library_documents,
    national_comparison,
    profile_area,
    profile_areas,
    reporting_year,
    session_agencies,
    strategy_document_add,
    strategy_profile_for,
    strategy_profile_page,
    strategy_profile_save,
    strategy_session_log,
    strategy_sessions,
    year_label,
)

from .case_page import changes_in_words
from .forms import service_write
from .record_history import strategy_profile_history
from .strategy_profile_forms import (
    DocumentForm,
    ImportForm,
    LibrarySearchForm,
    SessionForm,
    StrategyProfileForm,
)

readers_only = permission_required("reports.view_strategy_profiles", raise_exception=True)
LIBRARY_SHOWN = 100  # a search shows its newest documents; narrower searches find the rest
RECENT_YEARS = 5


def _years(first_with_data: int | None = None) -> list[dict[str, Any]]:
    """The latest reporting years, newest first, back to the first with data if earlier."""
    latest = reporting_year(timezone.localdate())
    first = min(latest - RECENT_YEARS, first_with_data or latest)
    return [
        {"year": year, "label": year_label(year)}
        for year in range(latest, max(FIRST_YEAR, first) - 1, -1)
    ]


@login_required
@readers_only
def strategy_profiles_page(request: HttpRequest) -> HttpResponse:
    context = {
        "areas": list(profile_areas(user=request.user)),
        "years": _years(),
        "current": reporting_year(timezone.localdate()),
    }
    return render(request, "frontend/profiles/index.html", context)


@login_required
@readers_only
def profile_page(request: HttpRequest, ons_code: str, year: int) -> HttpResponse:
    page = strategy_profile_page(user=request.user, ons_code=ons_code, year=year, request=request)
    history = changes_in_words(
        [(StrategyProfile, e) for e in strategy_profile_history(profile=page.profile)]
    )
    return render(request, "frontend/profiles/profile.html", {"page": page, "history": history})


@login_required
@readers_only
def profile_edit_page(request: HttpRequest, ons_code: str, year: int) -> HttpResponse:
    area = kept_area(user=request.user, ons_code=ons_code, year=year)
    form = StrategyProfileForm(
        request.POST or None, profile=strategy_profile_for(area=area, year=year)
    )
    if request.method == "POST" and (
        service_write(
            form,
            lambda: strategy_profile_save(
                actor=request.user, area=area, year=year, answers=form.answers()
            ),
        )
        is not None
    ):
        messages.success(request, f"The strategy profile for {year_label(year)} has been saved.")
        return redirect("frontend:strategy-profile", ons_code=area.ons_code, year=year)
    context = {"form": form, "area": area, "year": year, "label": year_label(year)}
    return render(request, "frontend/profiles/edit.html", context)


@login_required
@readers_only
def document_add_page(request: HttpRequest, ons_code: str, year: int) -> HttpResponse:
    area = kept_area(user=request.user, ons_code=ons_code, year=year)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and (
        service_write(
            form,
            lambda: strategy_document_add(
                actor=request.user,
                area=area,
                year=year,
                title=form.cleaned_data["title"],
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            ),
        )
        is not None
    ):
        messages.success(request, "The document has been added to the library.")
        return redirect("frontend:strategy-profile", ons_code=area.ons_code, year=year)
    context = {"form": form, "area": area, "year": year, "label": year_label(year)}
    return render(request, "frontend/profiles/document_add.html", context)


@login_required
@readers_only
def sessions_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    area = profile_area(user=request.user, ons_code=ons_code)
    may_log = request.user.has_perm("reports.edit_strategy_profile", area)
    form = SessionForm(request.POST or None, agencies=list(session_agencies(area=area)))
    if request.method == "POST":
        if not may_log:
            raise PermissionDenied
        if (
            service_write(
                form,
                lambda: strategy_session_log(actor=request.user, area=area, **form.cleaned_data),
            )
            is not None
        ):
            messages.success(request, "The session has been logged.")
            return redirect("frontend:strategy-sessions", ons_code=area.ons_code)
    context = {
        "area": area,
        "form": form if may_log else None,
        "sessions": strategy_sessions(user=request.user, area=area),
    }
    return render(request, "frontend/profiles/sessions.html", context)


@login_required
@readers_only
def library_page(request: HttpRequest) -> HttpResponse:
    form = LibrarySearchForm(request.GET or None, areas=list(library_areas()))
    search = form.search() if request.GET else {}
    found = library_documents(user=request.user, **search)
    context = {
        "form": form,
        "documents": list(found[:LIBRARY_SHOWN]),
        "total": found.count(),
        "shown_at_most": LIBRARY_SHOWN,
        "searched": any(search.values()),
    }
    return render(request, "frontend/profiles/library.html", context)


@login_required
@readers_only
def library_download(request: HttpRequest, pk: int) -> FileResponse:
    document = library_document(user=request.user, pk=pk, request=request)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document_content_type(document),
    )


importers_only = permission_required("reports.import_strategy_profiles", raise_exception=True)


@login_required
@importers_only
def import_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        job = service_write(
            form,
            lambda: profile_import_start(actor=request.user, upload=form.cleaned_data["file"]),
        )
        if job is not None:
            return redirect("frontend:strategy-import", pk=job.pk)
    context = {"form": form, "columns": COLUMNS, "limits": import_limits()}
    return render(request, "frontend/profiles/import.html", context)


@login_required
@importers_only
def import_status_page(request: HttpRequest, pk: str) -> HttpResponse:
    job = profile_import(user=request.user, pk=pk)
    context = {
        "job": job,
        "checking": job.status == ImportStatus.CHECKING,
        "failed": job.status == ImportStatus.FAILED,
        "not_checked": job.problems == [NOT_QUEUED.as_json()],
        "cut_short": len(job.problems) >= PROBLEMS_KEPT,
        "progress_url": reverse("frontend:strategy-import-progress", kwargs={"pk": job.pk}),
    }
    return render(request, "frontend/profiles/import_status.html", context)


@require_GET
@login_required
@importers_only
def import_progress(request: HttpRequest, pk: str) -> JsonResponse:
    """The job's progress for the status page's script to show while it checks."""
    job = profile_import(user=request.user, pk=pk)
    return JsonResponse(
        {"status": job.status, "rows_checked": job.rows_checked, "rows_total": job.rows_total}
    )


@require_GET
@login_required
@importers_only
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="strategy-profiles-template.csv"'
    return response


@login_required
@permission_required("reports.view_national_comparison", raise_exception=True)
def comparison_page(request: HttpRequest) -> HttpResponse:
    latest = reporting_year(timezone.localdate())
    asked = request.GET.get("year", "")
    # A year the service does not keep shows the latest, as an unfiltered page does.
    year = int(asked) if asked.isdigit() and len(asked) == 4 else latest
    if check_year(year, today=timezone.localdate()):
        year = latest
    comparison = national_comparison(user=request.user, year=year, request=request)
    return render(
        request,
        "frontend/profiles/comparison.html",
        {"comparison": comparison, "years": _years(first_answered_year())},
    )
