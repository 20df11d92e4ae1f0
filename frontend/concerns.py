"""Raising a concern, one page at a time. Every page's Continue saves to the draft, so a
practitioner can leave and come back; "Check your answers" submits it."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from agencies.selectors import acting_membership
from notifications.out_of_hours import emergency_duty_told
from referrals.audited_reads import records_seen
from referrals.concerns import concern_raise, referral_update_draft, young_person_update_draft
from referrals.models import Referral, ReferralState
from referrals.selectors import referral_get
from referrals.workflow import TransitionConflict, referral_transition

from . import concern_forms as cf
from .forms import add_service_errors


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    form: type[cf.ConcernPageForm]
    section: str


YOUNG_PERSON, CONCERN, SHARING, YOU = (
    "The young person",
    "The concern",
    "Sharing this information",
    "Your contact details",
)
PAGES = (
    Page("name", "What is the young person's name?", cf.NameForm, YOUNG_PERSON),
    Page("age", "How old are they?", cf.AgeForm, YOUNG_PERSON),
    Page("about", "About them", cf.AboutForm, YOUNG_PERSON),
    Page("home", "Where they live and how they can be reached", cf.HomeForm, YOUNG_PERSON),
    Page("what-happened", "What was seen or disclosed", cf.WhatHappenedForm, CONCERN),
    Page("indicators", "Screening indicators", cf.IndicatorsForm, CONCERN),
    Page("models", "Models of exploitation", cf.ModelsForm, CONCERN),
    Page("mentioned", "Places, people and vehicles mentioned", cf.MentionedForm, CONCERN),
    Page("danger", "Immediate danger", cf.DangerForm, CONCERN),
    Page("lawful-basis", "Lawful basis for sharing", cf.LawfulBasisForm, SHARING),
    Page("consent", "Consent", cf.ConsentForm, SHARING),
    Page("contact", "Your contact details", cf.ContactForm, YOU),
)
PAGE_BY_SLUG = {page.slug: page for page in PAGES}


def _page_url(referral: Referral, page: Page, *, change: bool = False) -> str:
    url = reverse("frontend:concern-page", args=[referral.reference, page.slug])
    return f"{url}?change=1" if change else url


def _check_url(referral: Referral) -> str:
    return reverse("frontend:concern-check", args=[referral.reference])


def _own_referral(request: HttpRequest, reference: str) -> Referral:
    """The user's own concern; 404 for anyone else's, as for any referral out of scope."""
    referral, _ = referral_get(user=request.user, reference=reference)
    if referral.raised_by_id != request.user.pk:
        raise Http404("No referral found")
    return referral


def _moved_on(state: str) -> str:
    label = ReferralState(state).label.lower()
    return f"This concern is now {label}, perhaps from another tab or window"


def _not_saved(state: str) -> str:
    return (
        f"{_moved_on(state)}, so this page was not saved. What you typed is still below: "
        "copy anything you need before you leave."
    )


@login_required
@permission_required("referrals.raise_concern", raise_exception=True)
def concern_start_page(request: HttpRequest) -> HttpResponse:
    """The first question, the young person's name, starts the draft."""
    form = cf.NameForm(request.POST or None, referral=None)
    if request.method == "POST" and form.is_valid():
        membership = acting_membership(user=request.user)
        if membership is None:  # the permission needs one; this keeps the types honest
            raise PermissionDenied
        try:
            referral = concern_raise(
                actor=request.user,
                membership=membership,
                young_person=form.changes(),
                concern={},
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(_page_url(referral, PAGES[1]))
    context = {"page": PAGES[0], "form": form, "back_url": reverse("frontend:home")}
    return render(request, "frontend/concerns/page.html", context)


def _save(request: HttpRequest, referral: Referral, form: cf.ConcernPageForm) -> bool:
    """Write the page's answers through the services; False when they were not saved, with
    the reason shown on the form."""
    try:
        if form.saves == "young_person":
            young_person_update_draft(
                young_person=referral.young_person,
                actor=request.user,
                changes=form.changes(),
                request=request,
            )
        else:
            referral_update_draft(
                referral=referral, actor=request.user, concern=form.changes(), request=request
            )
    except TransitionConflict as exc:
        form.add_error(None, _not_saved(exc.state))
    except PermissionDenied:
        # The young person's details close when the concern leaves the draft state.
        referral.refresh_from_db(fields=["state"])
        if referral.state == ReferralState.DRAFT:
            raise
        form.add_error(None, _not_saved(referral.state))
    except ValidationError as exc:
        add_service_errors(form, exc)
    else:
        return True
    return False


@login_required
def concern_page(request: HttpRequest, reference: str, slug: str) -> HttpResponse:
    page = PAGE_BY_SLUG.get(slug)
    if page is None:
        raise Http404("No such page")
    referral = _own_referral(request, reference)
    if request.method != "POST" and referral.state != ReferralState.DRAFT:
        return redirect("frontend:referral-detail", reference=referral.reference)
    form = page.form(request.POST if request.method == "POST" else None, referral=referral)
    changing = "change" in request.GET
    position = PAGES.index(page)
    if request.method == "POST" and form.is_valid() and _save(request, referral, form):
        last = position + 1 == len(PAGES)
        return redirect(
            _check_url(referral) if changing or last else _page_url(referral, PAGES[position + 1])
        )
    if changing:
        back_url = _check_url(referral)
    elif position:
        back_url = _page_url(referral, PAGES[position - 1])
    else:
        back_url = reverse("frontend:home")
    context = {"page": page, "form": form, "referral": referral, "back_url": back_url}
    return render(request, "frontend/concerns/page.html", context)


@login_required
def concern_check_page(request: HttpRequest, reference: str) -> HttpResponse:
    """Every answer with a link to change it; submitting sends the concern to the area."""
    referral = _own_referral(request, reference)
    if referral.state != ReferralState.DRAFT and request.method != "POST":
        return redirect("frontend:concern-sent", reference=referral.reference)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            referral_transition(
                referral=referral, actor=request.user, name="submit", request=request
            )
        except TransitionConflict as exc:
            url = reverse("frontend:referral-detail", args=[referral.reference])
            errors.append((f"{_moved_on(exc.state)}.", url))
        except ValidationError as exc:
            asked_on = {
                name: _page_url(referral, page, change=True)
                for page in PAGES
                for name in page.form.base_fields
            }
            errors = [
                (message, asked_on.get(name, _check_url(referral)))
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
        else:
            return redirect("frontend:concern-sent", reference=referral.reference)
    sections: dict[str, list[tuple[str, str, str, str]]] = {}
    for page in PAGES:
        rows = sections.setdefault(page.section, [])
        for label, value in page.form(referral=referral).answers():
            rows.append((label, value, _page_url(referral, page, change=True), label.lower()))
    context = {"referral": referral, "sections": sections, "errors": errors}
    return render(request, "frontend/concerns/check.html", context)


@login_required
def concern_sent_page(request: HttpRequest, reference: str) -> HttpResponse:
    """The referrer's acknowledgement: the concern was received, with its reference."""
    referral = _own_referral(request, reference)
    if referral.submitted_at is None:  # a draft still, or one withdrawn before it was sent
        to = "concern-check" if referral.state == ReferralState.DRAFT else "referral-detail"
        return redirect(f"frontend:{to}", reference=referral.reference)
    records_seen(actor=request.user, records=[referral], referral=referral, request=request)
    context = {"referral": referral, "duty": emergency_duty_told(referral=referral)}
    return render(request, "frontend/concerns/sent.html", context)
