"""Pages for the statutory steps beside a referral: strategy discussions, section 47 enquiries
and National Referral Mechanism referrals. One page a record (a new one, or a change to one),
then a check of the answers; nothing is written before "Confirm". The rules stay in
`referrals.statutory`: the check page asks its checks, the confirmation its services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_http_methods

from agencies.dates import DUE_DATE
from agencies.models import Agency
from referrals.audited_reads import records_seen
from referrals.models import (
    NRMDecision,
    NRMReferral,
    Referral,
    Section47Enquiry,
    Section47Outcome,
    StrategyDiscussion,
)
from referrals.statutory import (
    TEXT_CAP,
    nrm_referral_check,
    nrm_referral_record,
    nrm_referral_update,
    section_47_check,
    section_47_record,
    section_47_update,
    strategy_discussion_check,
    strategy_discussion_record,
    strategy_discussion_update,
)
from referrals.statutory_selectors import (
    nrm_referral_get,
    nrm_referrals_for,
    section_47_enquiries_for,
    section_47_enquiry_get,
    strategy_discussion_choices,
    strategy_discussion_get,
    strategy_discussions_for,
)

from .casework import _for_casework
from .form_fields import date_field
from .forms import add_service_errors

SECTION = "statutory"  # the case page's section id
# A radio for "not yet": no answer is chosen for the person, so "not yet" is one they choose.
NOT_YET = "not_yet"
YES_NO = [("yes", "Yes"), ("no", "No")]


class StatutoryForm(forms.Form):
    """A record's questions; `answers()` are the service's keyword arguments."""

    def __init__(self, *args: Any, referral: Referral, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.referral, self.user = referral, user

    def answers(self) -> dict[str, Any]:
        return {
            name: "" if value == NOT_YET else value for name, value in self.cleaned_data.items()
        }

    def in_words(self) -> list[tuple[str, str]]:
        """Each question and its answer in words, for the check-answers page."""
        shown = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if isinstance(value, date):
                words = date_format(value, "j F Y")
            elif isinstance(field, forms.ModelMultipleChoiceField):
                words = ", ".join(str(v) for v in value or [])
            elif isinstance(field, forms.ModelChoiceField):
                words = field.label_from_instance(value) if value else "None"
            elif isinstance(field, forms.ChoiceField):
                words = str(dict(cast(Any, field.choices)).get(self.data.get(name), value))
            else:
                words = str(value or "")
            shown.append((str(field.label), words or "Not given"))
        return shown


class DiscussionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"Strategy discussion held on {date_format(obj.held_on, 'j F Y')}"


class StrategyDiscussionForm(StatutoryForm):
    held_on = date_field("When was the strategy discussion held?", required="Enter the date held")
    agencies = forms.ModelMultipleChoiceField(
        label="Which agencies took part?",
        help_text="Children's social care, police and health at least",
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the agencies that took part"},
    )
    outcome = forms.CharField(
        label="What was agreed?",
        max_length=TEXT_CAP,
        widget=forms.Textarea,
        error_messages={"required": "Enter what was agreed"},
    )
    section_47 = forms.TypedChoiceField(
        label="Does a section 47 enquiry follow?",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether a section 47 enquiry follows"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agencies = cast(forms.ModelMultipleChoiceField, self.fields["agencies"])
        agencies.queryset = Agency.objects.filter(
            areas=self.referral.area_id, is_active=True
        ).order_by("name")


class Section47Form(StatutoryForm):
    started_on = date_field("When did the enquiry start?", required="Enter the date it started")
    strategy_discussion = DiscussionChoiceField(
        label="Which strategy discussion started it? (optional)",
        help_text="The initial child protection conference is due within 15 working days of it",
        queryset=StrategyDiscussion.objects.none(),
        required=False,
        empty_label="None recorded here",
    )
    outcome = forms.ChoiceField(
        label="What has the enquiry found?",
        choices=[*Section47Outcome.choices, (NOT_YET, "Not concluded yet")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the enquiry found, or that it goes on"},
    )
    conference_on = date_field(
        "When is the initial child protection conference? (optional)",
        required=None,
        hint="Only when concerns are substantiated and a conference is held. "
        "For example, 27 3 2026",
        allowed=DUE_DATE,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(DiscussionChoiceField, self.fields["strategy_discussion"])
        field.queryset = strategy_discussion_choices(user=self.user, referral=self.referral)


def _decision(words: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=f"What was the {words} decision?",
        choices=[(NOT_YET, "Not made yet"), *NRMDecision.choices],
        widget=forms.RadioSelect,
        error_messages={"required": f"Choose the {words} decision, or that it is not made yet"},
    )


class NRMReferralForm(StatutoryForm):
    referred_on = date_field("When was the referral made?", required="Enter the date referred")
    first_responder = forms.CharField(
        label="Which first responder organisation referred?",
        help_text="For example, the local authority or the police force",
        max_length=200,
        error_messages={"required": "Enter the first responder organisation"},
    )
    reasonable_grounds = _decision("reasonable grounds")
    reasonable_grounds_on = date_field(
        "When was the reasonable grounds decision made? (optional)", required=None
    )
    conclusive_grounds = _decision("conclusive grounds")
    conclusive_grounds_on = date_field(
        "When was the conclusive grounds decision made? (optional)", required=None
    )


def _discussion_initial(discussion: StrategyDiscussion) -> dict[str, Any]:
    return {
        "held_on": discussion.held_on,
        "agencies": [a.pk for a in discussion.agencies.all()],
        "outcome": discussion.outcome,
        "section_47": "yes" if discussion.section_47 else "no",
    }


def _enquiry_initial(enquiry: Section47Enquiry) -> dict[str, Any]:
    return {
        "started_on": enquiry.started_on,
        "strategy_discussion": enquiry.strategy_discussion_id,
        "outcome": enquiry.outcome or NOT_YET,
        "conference_on": enquiry.conference_on,
    }


def _nrm_initial(nrm: NRMReferral) -> dict[str, Any]:
    return {
        "referred_on": nrm.referred_on,
        "first_responder": nrm.first_responder,
        "reasonable_grounds": nrm.reasonable_grounds or NOT_YET,
        "reasonable_grounds_on": nrm.reasonable_grounds_on,
        "conclusive_grounds": nrm.conclusive_grounds or NOT_YET,
        "conclusive_grounds_on": nrm.conclusive_grounds_on,
    }


@dataclass(frozen=True)
class Kind:
    """One kind of record: its words, its form, and the services behind it."""

    noun: str
    form: type[StatutoryForm]
    check: Callable[..., Any]  # (referral, answers) -> None, raising ValidationError
    record: Callable[..., Model]
    update: Callable[..., Model]
    keyword: str  # the update service's keyword for the record
    get_one: Callable[..., Model]
    initial: Callable[[Any], dict[str, Any]]
    what_will_happen: str


KINDS = {
    "strategy-discussions": Kind(
        "strategy discussion",
        StrategyDiscussionForm,
        lambda referral, a: strategy_discussion_check(
            referral=referral, held_on=a["held_on"], agencies=a["agencies"], outcome=a["outcome"]
        ),
        strategy_discussion_record,
        strategy_discussion_update,
        "discussion",
        strategy_discussion_get,
        _discussion_initial,
        "The strategy discussion goes on the referral's chronology. When a section 47 enquiry "
        "follows, the area's coordinators and the lead professionals are told.",
    ),
    "section-47-enquiries": Kind(
        "section 47 enquiry",
        Section47Form,
        lambda referral, a: section_47_check(referral=referral, **a),
        section_47_record,
        section_47_update,
        "enquiry",
        section_47_enquiry_get,
        _enquiry_initial,
        "The enquiry goes on the referral's chronology. Once it has found something, the "
        "area's coordinators and the lead professionals are told.",
    ),
    "nrm-referrals": Kind(
        "National Referral Mechanism referral",
        NRMReferralForm,
        lambda referral, a: nrm_referral_check(**a),
        nrm_referral_record,
        nrm_referral_update,
        "nrm",
        nrm_referral_get,
        _nrm_initial,
        "The referral and its decisions go on the chronology. Each new decision is told to "
        "the area's coordinators and the lead professionals.",
    ),
}


def _carried(request: HttpRequest) -> list[tuple[str, str]]:
    """The answers as posted, for the check-answers page to post again on "Confirm"."""
    control = {"csrfmiddlewaretoken", "confirm", "change"}
    data = request.POST
    return [(key, value) for key in data if key not in control for value in data.getlist(key)]


def _title(kind: Kind, changing: bool) -> str:
    return f"Change the {kind.noun}" if changing else f"Record a {kind.noun}"


@login_required
@require_http_methods(["GET", "POST"])
def statutory_record_page(
    request: HttpRequest, reference: str, kind: str, pk: int | None = None
) -> HttpResponse:
    """A new record (no `pk`) or a change to one: the questions, then the answers to check."""
    spec = KINDS[kind]
    referral = _for_casework(request, reference)
    found = spec.get_one(user=request.user, referral=referral, pk=pk) if pk else None
    posted = request.POST if request.method == "POST" else None
    initial = spec.initial(found) if found is not None and posted is None else None
    form = spec.form(posted, referral=referral, user=request.user, initial=initial)
    title = _title(spec, found is not None)
    if posted is not None and "change" not in posted and form.is_valid():
        answers = form.answers()
        try:
            if "confirm" not in posted:
                spec.check(referral, answers)
                context = {
                    "referral": referral,
                    "title": title,
                    "answers": form.in_words(),
                    "what_will_happen": spec.what_will_happen,
                    "carried": _carried(request),
                }
                return render(request, "frontend/statutory/check.html", context)
            if found is not None:
                spec.update(actor=request.user, **{spec.keyword: found}, **answers)
            else:
                spec.record(referral=referral, actor=request.user, **answers)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done = "changed" if found is not None else "recorded"
            messages.success(request, f"{spec.noun[0].upper()}{spec.noun[1:]} {done}")
            url = reverse("frontend:referral-detail", args=[referral.reference])
            return redirect(f"{url}#{SECTION}")
    context = {"referral": referral, "form": form, "title": title, "button": "Continue"}
    return render(request, "frontend/casework_form.html", context)


def statutory_context(request: HttpRequest, referral: Referral) -> dict[str, Any]:
    """The case page's statutory steps, each record shown recorded as seen."""
    user = request.user
    discussions = list(strategy_discussions_for(user=user, referral=referral))
    enquiries = list(section_47_enquiries_for(user=user, referral=referral))
    nrm = list(nrm_referrals_for(user=user, referral=referral))
    with transaction.atomic():
        records_seen(
            actor=user, records=[*discussions, *enquiries, *nrm], referral=referral, request=request
        )
    return {
        "strategy_discussions": discussions,
        "section_47_enquiries": [(e, e.conference_due_on()) for e in enquiries],
        "nrm_referrals": nrm,
    }
