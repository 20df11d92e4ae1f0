"""Restricting a young person's record (UK GDPR Article 18) and lifting the restriction, from
the young person's chronology: the coordinator says why, checks the answers, and confirms.
While it stands the record's pages show them a "Restricted" banner (referrals.restriction)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from agencies.models import User
from agencies.rules import coordinates_area_of
from agencies.selectors import signed_in
from referrals.audited_reads import records_seen
from referrals.models import YoungPerson
from referrals.restriction import (
    LIFT_REASON_REQUIRED,
    REASON_CAP,
    REASON_REQUIRED,
    young_person_restrict,
    young_person_restriction_lift,
)
from referrals.restriction_selectors import restriction_standing
from referrals.selectors import young_person_get

from .forms import service_write


def restriction_context(*, user: User, young_person: YoungPerson) -> dict[str, Any]:
    """What a young person's pages show of a restriction: to the area's coordinators, the
    banner while one stands and the way to place or lift it; to anyone else nothing (they do
    not see a restricted record at all)."""
    if not coordinates_area_of(user, young_person):
        return {}
    return {
        "can_restrict": True,
        "restriction": restriction_standing(user=user, young_person=young_person),
    }


def _coordinated(request: HttpRequest, pk: int) -> YoungPerson:
    """The young person, for one of their area's coordinators (404 out of sight, else 403)."""
    person = young_person_get(user=signed_in(request.user), pk=pk)
    if not coordinates_area_of(request.user, person):
        raise PermissionDenied("Only the area's coordinators restrict a young person's record.")
    return person


def _reason_field(label: str, hint: str, required: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_CAP,
        error_messages={
            "required": required,
            "max_length": f"Enter a reason of {REASON_CAP} characters or fewer",
        },
    )


class RestrictForm(forms.Form):
    reason = _reason_field(
        "Why are you restricting this record?",
        "For example: the young person contests that their details are accurate and we are "
        "checking them.",
        REASON_REQUIRED,
    )


class LiftForm(forms.Form):
    reason = _reason_field(
        "Why are you lifting the restriction?",
        "For example: their details were checked with them and corrected.",
        LIFT_REASON_REQUIRED,
    )


@login_required
@require_http_methods(["GET", "POST"])
def young_person_restrict_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The reason; then the check of the answers; then, on "Confirm", the restriction.
    Nothing is written before "Confirm"."""
    person = _coordinated(request, pk)
    posted = request.POST if request.method == "POST" else None
    form = RestrictForm(posted)  # "Change your answers" shows them again
    context: dict[str, Any] = {"person": person, "form": form}
    if posted is not None and "change" not in posted and form.is_valid():
        if "confirm" not in posted:
            records_seen(actor=signed_in(request.user), records=[person], request=request)
            return render(request, "frontend/restriction/check.html", context)
        done = service_write(
            form,
            lambda: young_person_restrict(
                actor=signed_in(request.user),
                young_person=person,
                reason=form.cleaned_data["reason"],
                request=request,
            ),
        )
        if done:
            messages.success(
                request,
                f"Record restricted: only the coordinators of {person.area} can see and use "
                f"the record of {person} until the restriction is lifted",
            )
            return redirect("frontend:young-person-timeline", person.pk)
    records_seen(actor=signed_in(request.user), records=[person], request=request)
    return render(request, "frontend/restriction/restrict.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def young_person_restriction_lift_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = _coordinated(request, pk)
    restriction = restriction_standing(user=signed_in(request.user), young_person=person)
    if restriction is None:  # lifted meanwhile: the chronology says so
        return redirect("frontend:young-person-timeline", person.pk)
    form = LiftForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and service_write(
        form,
        lambda: young_person_restriction_lift(
            actor=signed_in(request.user),
            young_person=person,
            reason=form.cleaned_data["reason"],
            request=request,
        ),
    ):
        messages.success(request, f"Restriction lifted: the record of {person} is used as before")
        return redirect("frontend:young-person-timeline", person.pk)
    records_seen(actor=signed_in(request.user), records=[person], request=request)
    context = {"person": person, "restriction": restriction, "form": form}
    return render(request, "frontend/restriction/lift.html", context)
