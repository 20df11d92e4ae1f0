"""Subject access requests, from a young person's chronology: a coordinator of their area
records a request (when it was received, who made it) and starts its export; the page lists
the young person's exports with their progress, due date and expiry, and their downloads."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from agencies.rules import coordinates_area_of
from agencies.selectors import signed_in
from referrals.audited_reads import records_seen
from referrals.models import YoungPerson
from referrals.selectors import young_person_get
from subject_access.models import ExportStatus
from subject_access.selectors import exports_for
from subject_access.services import (
    KEEP_FOR,
    ONLY_COORDINATORS,
    REQUESTER_CAP,
    export_download,
    export_start,
)

from .form_fields import date_field
from .forms import service_write
from .pagination import paginate


class SubjectAccessForm(forms.Form):
    received_on = date_field(
        "When was the request received?",
        required="Enter the date the request was received",
        invalid="The date the request was received must be a real date, like 27 3 2026",
        hint="The one-month limit to answer runs from this day. For example, 27 3 2026.",
    )
    requester = forms.CharField(
        label="Who made the request?",
        help_text="The young person, or who asks for them: for example, their mother, or a "
        "solicitor acting for them.",
        max_length=REQUESTER_CAP,
        error_messages={
            "required": "Enter who made the request",
            "max_length": f"Enter who made the request in {REQUESTER_CAP} characters or fewer",
        },
    )


def _coordinated(request: HttpRequest, pk: int) -> YoungPerson:
    """The young person, for a coordinator of their area (404 out of sight, else 403)."""
    person = young_person_get(user=signed_in(request.user), pk=pk)
    if not coordinates_area_of(request.user, person):
        raise PermissionDenied(ONLY_COORDINATORS)
    return person


@login_required
@require_http_methods(["GET", "POST"])
def subject_access_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = _coordinated(request, pk)
    form = SubjectAccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        export = service_write(
            form,
            lambda: export_start(
                actor=request.user,
                young_person_id=person.pk,
                received_on=form.cleaned_data["received_on"],
                requester=form.cleaned_data["requester"],
                request=request,
            ),
        )
        if export is not None:
            messages.success(
                request,
                f"Subject access export started for {person}: the answer is due by "
                f"{export.due_on:%-d %B %Y}",
            )
            return redirect("frontend:subject-access", person.pk)
    records_seen(actor=signed_in(request.user), records=[person], request=request)
    pages = paginate(request, exports_for(user=request.user, young_person=person))
    context = {
        "person": person,
        "form": form,
        "pages": pages,
        "running": ExportStatus.RUNNING,
        "done": ExportStatus.DONE,
        "failed": ExportStatus.FAILED,
        "keep_days": KEEP_FOR.days,
    }
    return render(request, "frontend/subject_access/exports.html", context)


@login_required
@require_GET
def subject_access_download(request: HttpRequest, pk: str, part: str) -> FileResponse:
    file, name = export_download(actor=request.user, pk=pk, part=part, request=request)
    content_type = "application/pdf" if part == "pdf" else "application/zip"
    return FileResponse(file, as_attachment=True, filename=name, content_type=content_type)
