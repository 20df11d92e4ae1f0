"""Matching, during triage: is the referral's young person one the area already knows? The
coordinator compares each possible match side by side with the referral's young person, with
the reasons it is offered (referrals.selectors.young_person_possible_matches), chooses, and
confirms on a check-answers page before anything is linked or merged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html

from agencies.rules import coordinates_area_of
from referrals.audited_reads import records_seen
from referrals.identity import young_person_confirm_new, young_person_link
from referrals.models import Referral, ReferralState, YoungPerson
from referrals.selectors import (
    PossibleMatch,
    has_other_referrals,
    open_referral_of,
    referral_for_casework,
    referrals_about,
    young_person_possible_matches,
)

from .forms import service_write

NEW = "new"


def described(person: YoungPerson) -> str:
    """The young person in one line, with what tells them apart."""
    parts = [str(person)]
    if person.date_of_birth:
        parts.append(f"born {person.date_of_birth:%-d %B %Y}")
    return ", ".join(parts + [value for value in (person.postcode, person.school) if value])


def _nhs_number(person: YoungPerson) -> str:
    number = person.nhs_number
    return f"{number[:3]} {number[3:6]} {number[6:]}" if number else ""


def _yes_no(value: bool | None) -> str:
    return {True: "Yes", False: "No", None: ""}[value]


# The details compared, in the order a person reads them, with how each is written.
DETAILS: list[tuple[str, Any]] = [
    ("Name", str),
    ("Other names", lambda p: ", ".join(p.aliases)),
    ("Date of birth", lambda p: f"{p.date_of_birth:%-d %B %Y}" if p.date_of_birth else ""),
    ("Estimated age", lambda p: "" if p.estimated_age is None else str(p.estimated_age)),
    ("Sex", lambda p: p.get_sex_display()),
    ("NHS number", _nhs_number),
    ("Address", lambda p: p.address),
    ("Postcode", lambda p: p.postcode),
    ("School or college", lambda p: p.school),
    ("Looked-after child", lambda p: _yes_no(p.looked_after)),
    ("Placement", lambda p: p.placement),
]


@dataclass(frozen=True)
class Row:
    label: str
    on_referral: str
    on_record: str

    @property
    def same(self) -> bool:
        return bool(self.on_referral) and self.on_referral.lower() == self.on_record.lower()


@dataclass(frozen=True)
class Candidate:
    """A possible match as the page shows it: the comparison, the reasons, its referrals."""

    number: int
    match: PossibleMatch
    rows: list[Row]
    referrals: list[Referral]

    @property
    def person(self) -> YoungPerson:
        return self.match.person

    @property
    def differences(self) -> list[Row]:
        """What the referral says that the record does not: not copied when they are linked."""
        return [row for row in self.rows if row.on_referral and not row.same]


def _candidates(referral: Referral) -> list[Candidate]:
    new = referral.young_person
    matches = young_person_possible_matches(young_person=new)
    referrals = referrals_about(young_people=[m.person for m in matches], area=referral.area)
    candidates = []
    for number, match in enumerate(matches, 1):
        rows = [Row(label, show(new), show(match.person)) for label, show in DETAILS]
        candidates.append(
            Candidate(
                number=number,
                match=match,
                rows=[row for row in rows if row.on_referral or row.on_record],
                referrals=referrals[match.person.pk],
            )
        )
    return candidates


def _in_triage(request: HttpRequest, reference: str) -> Referral:
    """The referral, for one of its area's coordinators while it is in triage."""
    referral = referral_for_casework(user=request.user, reference=reference)
    if not coordinates_area_of(request.user, referral):
        raise PermissionDenied("Only the area's coordinators match young people.")
    if referral.state != ReferralState.IN_TRIAGE:
        raise Http404("Young people are matched during triage")
    return referral


class MatchForm(forms.Form):
    """Whether the referral's young person is one of the possible matches, or new."""

    match = forms.ChoiceField(
        label="Is the young person on this referral one of these records?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a record, or say this is a new young person"},
    )

    def __init__(self, *args: Any, candidates: list[Candidate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["match"].choices = [  # type: ignore[attr-defined]
            *(
                (
                    str(c.person.pk),
                    f"Yes, the same as possible match {c.number}: {described(c.person)}",
                )
                for c in candidates
            ),
            (NEW, "No, a young person new to the area"),
        ]


@login_required
def young_person_match_page(request: HttpRequest, reference: str) -> HttpResponse:
    referral = _in_triage(request, reference)
    candidates = _candidates(referral)
    form = MatchForm(request.POST if request.method == "POST" else None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["match"] != NEW:
            return redirect(
                "frontend:young-person-match-confirm",
                referral.reference,
                form.cleaned_data["match"],
            )
        if service_write(
            form, lambda: young_person_confirm_new(referral=referral, actor=request.user)
        ):
            messages.success(
                request, f"{referral.young_person} is recorded as a young person new to the area"
            )
            return redirect("frontend:referral-detail", reference=referral.reference)
    # Every showing of the records is a read, the page sent back with an error included.
    records_seen(
        actor=request.user,
        records=[c.person for c in candidates],
        referral=referral,
        request=request,
    )
    context = {"referral": referral, "candidates": candidates, "form": form}
    return render(request, "frontend/matching/matches.html", context)


@login_required
def young_person_match_confirm_page(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Check answers before the referral is linked to the existing record (and merged into
    its open referral, if it has one): nothing is written until the coordinator confirms.
    When the referral's own record has other referrals too, both records are established: the
    page offers to merge them instead (compared side by side, frontend.merging)."""
    referral = _in_triage(request, reference)
    candidate = next((c for c in _candidates(referral) if c.person.pk == pk), None)
    if candidate is None:
        raise Http404("That record is not a possible match for this young person")
    existing = candidate.person
    already_open = open_referral_of(young_person=existing, besides=referral)
    form = forms.Form(request.POST if request.method == "POST" else None)
    linked = request.method == "POST" and service_write(
        form, lambda: young_person_link(referral=referral, actor=request.user, existing=existing)
    )
    if linked:
        said = format_html(
            '{} is now recorded against <a class="govuk-notification-banner__link" href="{}">'
            "the existing record of {}</a>",
            referral.reference,
            reverse("frontend:young-person-timeline", args=[existing.pk]),
            existing,
        )
        if linked.state == ReferralState.MERGED and already_open is not None:
            said = format_html(
                "{} and merged into {}, which was already open for them",
                said,
                already_open.reference,
            )
            referral = already_open  # the concern is worked there now
        messages.success(request, said)
        return redirect("frontend:referral-detail", reference=referral.reference)
    records_seen(actor=request.user, records=[existing], referral=referral, request=request)
    context = {
        "referral": referral,
        "candidate": candidate,
        "young_person_described": described(referral.young_person),
        "existing_described": described(existing),
        "differences": candidate.differences,
        "already_open": already_open,
        "established": has_other_referrals(young_person=referral.young_person, besides=referral),
        "form": form,
    }
    return render(request, "frontend/matching/confirm.html", context)
