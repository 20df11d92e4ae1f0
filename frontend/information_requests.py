"""Pages for the agency asked for information: its open requests, one request with exactly
what is needed to answer it, the answer (with an optional document) and the refusal. The
asking side reads requests and answers on the case page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from referrals.information_requests import (
    ANSWER_MAX_LENGTH,
    REASON_MAX_LENGTH,
    answering_membership,
    asked_values,
    information_request_answer,
    information_request_attachment,
    information_request_decline,
    information_request_get,
    information_request_open,
    information_requests_asked_of,
    information_requests_seen,
    may_answer,
    to_asked,
)
from reports.profiles import DOCUMENT_TYPES

from .forms import service_write
from .pagination import paginate

ACCEPTED_FILES = ",".join(DOCUMENT_TYPES)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="What does your agency know?",
        help_text="Answer the question only. Say where the information comes from and how "
        "recent it is.",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=ANSWER_MAX_LENGTH,
        error_messages={
            "required": "Enter the information",
            "max_length": f"Enter {ANSWER_MAX_LENGTH:,} characters or fewer",
        },
    )
    attachment = forms.FileField(
        label="Attach a document (optional)",
        help_text="PDF, DOCX, ODT or TXT, smaller than 10 MB",
        required=False,
        error_messages={"empty": "The selected file is empty"},
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why can your agency not answer?",
        help_text="For example, the young person is not known to us, or the information is "
        "held by another service.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "required": "Enter why you cannot answer",
            "max_length": f"Enter {REASON_MAX_LENGTH:,} characters or fewer",
        },
    )


@login_required
@require_GET
def information_requests_page(request: HttpRequest) -> HttpResponse:
    """The open requests to the user's agency, soonest due first; each recorded as seen."""
    pages = paginate(request, asked_values(information_requests_asked_of(user=request.user)))
    rows = [to_asked(row) for row in pages.rows]
    information_requests_seen(actor=request.user, shown=rows, request=request)
    context = {"pages": pages, "rows": rows, "today": timezone.localdate()}
    return render(request, "frontend/information_requests/list.html", context)


@login_required
@require_GET
def information_request_page(request: HttpRequest, pk: int) -> HttpResponse:
    asked = information_request_open(user=request.user, pk=pk, request=request)
    found = information_request_get(user=request.user, pk=pk)
    context = {
        "asked": asked,
        "may_answer": may_answer(user=request.user, information_request=found),
        "today": timezone.localdate(),
    }
    return render(request, "frontend/information_requests/detail.html", context)


def _form_page(
    request: HttpRequest, pk: int, form_class: type[forms.Form], template: str, write: Any
) -> HttpResponse:
    """The answer or refusal of one request: 404 out of scope, 403 for those who read it but
    do not answer for the agency, back to the request once it is answered."""
    found = information_request_get(user=request.user, pk=pk)
    if answering_membership(user=request.user, information_request=found) is None:
        raise PermissionDenied("Only the agency asked may answer this request.")
    if request.method != "POST" and not may_answer(user=request.user, information_request=found):
        return redirect("frontend:information-request", pk=found.pk)
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = form_class(data, files)
    if request.method == "POST" and service_write(form, lambda: write(found, form.cleaned_data)):
        return redirect("frontend:information-request", pk=found.pk)
    asked = information_request_open(user=request.user, pk=pk, request=request)
    context = {"asked": asked, "form": form, "accept": ACCEPTED_FILES}
    return render(request, f"frontend/information_requests/{template}", context)


@login_required
def information_request_answer_page(request: HttpRequest, pk: int) -> HttpResponse:
    def write(found: Any, data: dict[str, Any]) -> Any:
        done = information_request_answer(
            information_request=found,
            actor=request.user,
            answer=data["answer"],
            attachment=data["attachment"],
        )
        messages.success(request, f"Information sent to {done.referral.area.name}")
        return done

    return _form_page(request, pk, AnswerForm, "answer.html", write)


@login_required
def information_request_decline_page(request: HttpRequest, pk: int) -> HttpResponse:
    def write(found: Any, data: dict[str, Any]) -> Any:
        done = information_request_decline(
            information_request=found, actor=request.user, reason=data["reason"]
        )
        messages.success(request, "Request declined: the coordinator has been told why")
        return done

    return _form_page(request, pk, DeclineForm, "decline.html", write)


@login_required
@require_GET
def information_request_attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    found = information_request_attachment(user=request.user, pk=pk, request=request)
    suffix = found.attachment_name.rsplit(".", 1)[-1].lower()
    content_type = DOCUMENT_TYPES.get(f".{suffix}", ("application/octet-stream", b""))[0]
    return FileResponse(
        found.attachment.open("rb"),
        as_attachment=True,
        filename=found.attachment_name,
        content_type=content_type,
    )
