"""Subject access requests, from a young person's chronology: a coordinator of their area
records a request (when it was received, who made it) and starts its export; the page lists
the young person's exports with their progress, due date and expiry, and their downloads.
From a person of concern's record the same, for the area's coordinators and police leads: a
coordinator starts the export, a police lead agrees to it, and then it runs."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.models import Role
from agencies.rules import coordinates_area_of
from agencies.selectors import active_memberships, signed_in
from disruption.models import PersonOfConcern
from referrals.audited_reads import records_seen
from subject_access.models import (
    EXTENSION,
    EXTENSION_REASON_CAP,
    ExportStatus,
    SubjectAccessExport,
)
from subject_access.selectors import (
    ONLY_COORDINATORS,
    export_get,
    exports_about,
    exports_for,
    suspect_for_subject_access,
    young_person_for_subject_access,
)
from subject_access.services import (
    KEEP_FOR,
    REQUESTER_CAP,
    export_agree,
    export_download,
    export_extend,
    export_start,
    suspect_export_start,
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


def _started(request: HttpRequest, form: SubjectAccessForm, start: Any) -> Any:
    """The export `start` writes from the form's answers, with its banner; None when refused."""
    export = service_write(
        form,
        lambda: start(
            actor=request.user,
            received_on=form.cleaned_data["received_on"],
            requester=form.cleaned_data["requester"],
            request=request,
        ),
    )
    if export is not None:
        waiting = " It starts once a police lead agrees." if export.status == "awaiting" else ""
        messages.success(
            request,
            f"Subject access export started for {export.subject}: the answer is due by "
            f"{export.due_on:%-d %B %Y}.{waiting}",
        )
    return export


def _page(request: HttpRequest, context: dict[str, Any], exports: Any) -> HttpResponse:
    context |= {
        "pages": paginate(request, exports),
        "running": ExportStatus.RUNNING,
        "done": ExportStatus.DONE,
        "failed": ExportStatus.FAILED,
        "awaiting": ExportStatus.AWAITING,
        "keep_days": KEEP_FOR.days,
        "today": timezone.localdate(),
    }
    return render(request, "frontend/subject_access/exports.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def subject_access_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = young_person_for_subject_access(user=signed_in(request.user), pk=pk)
    form = SubjectAccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _started(
        request, form, partial(export_start, young_person_id=person.pk)
    ):
        return redirect("frontend:subject-access", person.pk)
    records_seen(actor=signed_in(request.user), records=[person], request=request)
    context = {
        "person": person,
        "form": form,
        "back_url": reverse("frontend:young-person-timeline", args=[person.pk]),
        "back_label": "Back to the chronology",
        "can_download": True,
    }
    return _page(request, context, exports_for(user=request.user, young_person=person))


def _suspect_page(
    request: HttpRequest,
    person: PersonOfConcern,
    form: SubjectAccessForm | None,
    agree_form: forms.Form | None = None,
) -> HttpResponse:
    records_seen(actor=signed_in(request.user), records=[person], request=request)
    roles = {m.role for m in active_memberships(user=request.user) if m.area_id == person.area_id}
    context = {
        "person": person,
        "suspect": True,
        "form": form if Role.COORDINATOR in roles else None,
        "agree_form": agree_form,
        "back_url": reverse("frontend:entity", args=["person", person.pk]),
        "back_label": f"Back to {person}",
        "can_agree": Role.POLICE_LEAD in roles,
        "can_download": Role.COORDINATOR in roles,
    }
    return _page(request, context, exports_about(user=request.user, person_of_concern=person))


@login_required
@require_http_methods(["GET", "POST"])
def suspect_subject_access_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = suspect_for_subject_access(user=request.user, pk=pk)
    form = SubjectAccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _started(
        request, form, partial(suspect_export_start, person_id=person.pk)
    ):
        return redirect("frontend:suspect-subject-access", person.pk)
    return _suspect_page(request, person, form)


@login_required
@require_POST
def subject_access_agree(request: HttpRequest, pk: str) -> HttpResponse:
    """A police lead agrees to an export about a person of concern (a button on its page)."""
    agree_form = forms.Form(request.POST)
    export = service_write(
        agree_form, lambda: export_agree(actor=request.user, pk=pk, request=request)
    )
    if export is None:  # no longer waiting: the page again, saying so
        person = export_get(user=request.user, pk=pk).subject
        if not isinstance(person, PersonOfConcern):  # only those wait for agreement
            raise Http404("No such export waiting for agreement")
        return _suspect_page(request, person, SubjectAccessForm(), agree_form)
    messages.success(request, f"Export agreed: the export about {export.subject} has started")
    return redirect("frontend:suspect-subject-access", export.person_of_concern_id)


class ExtensionForm(forms.Form):
    reason = forms.CharField(
        label="Why does the request need longer?",
        help_text="For example, the records run to many years and need a redaction review by "
        "the police. The person who asked must be told this, before the first month ends.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=EXTENSION_REASON_CAP,
        error_messages={
            "required": "Enter why the request needs longer",
            "max_length": f"Enter why in {EXTENSION_REASON_CAP} characters or fewer",
        },
    )


def _export_page_url(export: SubjectAccessExport) -> str:
    if export.person_of_concern_id is not None:
        return reverse("frontend:suspect-subject-access", args=[export.person_of_concern_id])
    return reverse("frontend:subject-access", args=[export.young_person_id])


@login_required
@require_http_methods(["GET", "POST"])
def subject_access_extend(request: HttpRequest, pk: str) -> HttpResponse:
    """A coordinator extends a request's deadline by two months, saying why."""
    export = export_get(user=request.user, pk=pk)
    if not coordinates_area_of(request.user, export.subject):
        raise PermissionDenied(ONLY_COORDINATORS)
    form = ExtensionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        extended = service_write(
            form,
            lambda: export_extend(
                actor=request.user, pk=pk, reason=form.cleaned_data["reason"], request=request
            ),
        )
        if extended is not None:
            messages.success(
                request,
                f"Deadline extended: the answer to {extended.requester} is now due by "
                f"{extended.due_on:%-d %B %Y}. Tell them, with the reason, by "
                f"{extended.first_due_on:%-d %B %Y}.",
            )
            return redirect(_export_page_url(extended))
    context = {
        "export": export,
        "form": form,
        "back_url": _export_page_url(export),
        "extended_due_on": export.first_due_on + EXTENSION,
    }
    return render(request, "frontend/subject_access/extend.html", context)


@login_required
@require_GET
def subject_access_download(request: HttpRequest, pk: str, part: str) -> FileResponse:
    file, name = export_download(actor=request.user, pk=pk, part=part, request=request)
    content_type = "application/pdf" if part == "pdf" else "application/zip"
    return FileResponse(file, as_attachment=True, filename=name, content_type=content_type)
