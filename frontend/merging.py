"""Merging two records of one young person, from the young person's chronology: the
coordinator picks the other record, compares the two side by side (details and referrals),
chooses which to keep and says why, checks the answers, and confirms. A merge can be undone
within the area's period (referrals.identity_merging)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from agencies.models import User
from agencies.rules import coordinates_area_of
from agencies.selectors import signed_in
from referrals.audited_reads import records_seen
from referrals.identity_merging import (
    REASON_CAP,
    REASON_REQUIRED,
    UNDO_REASON_REQUIRED,
    young_person_merge,
    young_person_unmerge,
)
from referrals.identity_merging_selectors import young_person_merge_get, young_person_merges
from referrals.models import YoungPerson, YoungPersonMerge
from referrals.selectors import (
    referrals_about,
    young_person_get,
    young_person_possible_matches,
)

from .autocomplete import RecordField, value_of
from .forms import service_write
from .matching import DETAILS, described


def _coordinated(request: HttpRequest, pk: int) -> YoungPerson:
    """The young person, for one of their area's coordinators (404 out of sight, else 403)."""
    person = young_person_get(user=signed_in(request.user), pk=pk)
    if not coordinates_area_of(request.user, person):
        raise PermissionDenied("Only the area's coordinators merge young people's records.")
    return person


def merging_context(*, user: User, young_person: YoungPerson) -> dict[str, Any]:
    """What the chronology of a young person shows about merging, to their coordinators."""
    if not coordinates_area_of(user, young_person):
        return {}
    return {
        "can_merge": True,
        "merges": list(young_person_merges(user=user, young_person=young_person)),
    }


class OtherRecordForm(forms.Form):
    other = RecordField(
        kinds=("young_person",),
        label="Which other record is the same young person?",
        help_text="Start typing their name. Records that look alike are listed first.",
        required_message="Choose the other record of this young person",
    )

    def __init__(self, *args: Any, user: User, person: YoungPerson, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(RecordField, self.fields["other"])
        alike = young_person_possible_matches(young_person=person)
        field.offer(
            user=user,
            area_id=person.area_id,
            chosen=self.data.get("other", ""),
            exclude=value_of("young_person", person),
            first=[value_of("young_person", match.person) for match in alike],
            first_heading="Records that look alike",
        )


@login_required
@require_http_methods(["GET", "POST"])
def young_person_merge_start_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = _coordinated(request, pk)
    form = OtherRecordForm(
        request.POST if request.method == "POST" else None,
        user=signed_in(request.user),
        person=person,
    )
    if request.method == "POST" and form.is_valid():
        other = form.cleaned_data["other"]
        if other.pk == person.pk:
            form.add_error("other", "Choose a record other than this one")
        else:
            return redirect("frontend:young-person-merge-compare", person.pk, other.pk)
    records_seen(actor=signed_in(request.user), records=[person], request=request)
    return render(request, "frontend/merging/start.html", {"person": person, "form": form})


class MergeForm(forms.Form):
    keep = forms.ChoiceField(
        label="Which record do you want to keep?",
        help_text="The other record's referrals and links move to it. The other record is "
        "kept too, marked as merged into it.",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the record to keep"},
    )
    reason = forms.CharField(
        label="Why are these records the same young person?",
        help_text="What you checked, for example the NHS number with their GP.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_CAP,
        error_messages={
            "required": REASON_REQUIRED,
            "max_length": f"Enter a reason of {REASON_CAP} characters or fewer",
        },
    )

    def __init__(self, *args: Any, records: tuple[YoungPerson, YoungPerson], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [  # type: ignore[attr-defined]
            (str(p.pk), f"Record {number}: {described(p)}") for number, p in enumerate(records, 1)
        ]


def _comparison(records: tuple[YoungPerson, YoungPerson]) -> list[tuple[str, str, str, bool]]:
    """Each detail of the two records side by side, and whether they agree."""
    rows = []
    for label, show in DETAILS:
        first, second = show(records[0]), show(records[1])
        if first or second:
            rows.append((label, first, second, bool(first) and first.lower() == second.lower()))
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def young_person_merge_compare_page(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    """Both records side by side; then the check of the answers; then, on "Confirm", the
    merge. Nothing is written before "Confirm"."""
    person = _coordinated(request, pk)
    records = (person, young_person_get(user=signed_in(request.user), pk=other))
    if records[1].pk == person.pk or records[1].area_id != person.area_id:
        raise Http404("No other record of this young person in the area")
    about = referrals_about(young_people=records, area=person.area)
    posted = request.POST if request.method == "POST" else None
    form = MergeForm(posted, records=records)  # "Change your answers" shows them again
    context: dict[str, Any] = {
        "records": records,
        "rows": _comparison(records),
        "columns": [(record, about[record.pk]) for record in records],
        "form": form,
    }
    if posted is not None and "change" not in posted and form.is_valid():
        kept = records[0] if form.cleaned_data["keep"] == str(records[0].pk) else records[1]
        merged = records[1] if kept is records[0] else records[0]
        if "confirm" not in posted:
            records_seen(actor=signed_in(request.user), records=list(records), request=request)
            check = {"kept": kept, "merged": merged, "reason": form.cleaned_data["reason"]}
            return render(request, "frontend/merging/check.html", context | check)
        done = service_write(
            form,
            lambda: young_person_merge(
                actor=signed_in(request.user),
                kept=kept,
                merged=merged,
                reason=form.cleaned_data["reason"],
                request=request,
            ),
        )
        if done:
            messages.success(
                request,
                f"Records merged: {merged} is now part of the record of {kept}. It can be "
                f"undone until {done.undo_until():%-d %B %Y}",
            )
            return redirect("frontend:young-person-timeline", kept.pk)
    records_seen(actor=signed_in(request.user), records=list(records), request=request)
    return render(request, "frontend/merging/compare.html", context)


class UndoForm(forms.Form):
    reason = forms.CharField(
        label="Why are you undoing the merge?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_CAP,
        error_messages={
            "required": UNDO_REASON_REQUIRED,
            "max_length": f"Enter a reason of {REASON_CAP} characters or fewer",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def young_person_unmerge_page(request: HttpRequest, pk: int) -> HttpResponse:
    merge: YoungPersonMerge = young_person_merge_get(user=signed_in(request.user), pk=pk)
    if not coordinates_area_of(request.user, merge.kept):
        raise PermissionDenied("Only the area's coordinators undo a merge.")
    form = UndoForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and service_write(
        form,
        lambda: young_person_unmerge(
            actor=signed_in(request.user),
            merge=merge,
            reason=form.cleaned_data["reason"],
            request=request,
        ),
    ):
        messages.success(request, f"Merge undone: {merge.merged} has a record of their own again")
        return redirect("frontend:young-person-timeline", merge.merged_id)
    records_seen(actor=signed_in(request.user), records=[merge.kept, merge.merged], request=request)
    context = {"merge": merge, "form": form, "moved": len(merge.moved_referrals)}
    return render(request, "frontend/merging/undo.html", context)
