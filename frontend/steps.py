"""The referral's workflow steps, one page each (`frontend:referral-step`).

A step's page shows what the person needs to decide it, asks the questions its transition
declares (referrals.inputs) in the GOV.UK patterns, and, for the steps that are hard to undo
or change who is responsible, shows the answers to check before anything is written. The rules
stay in referrals: the page checks a step exactly as taking it does (`referral_step_check`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_http_methods

from referrals.audited_reads import records_seen, referral_open
from referrals.inputs import STEP_INPUTS, choice_hints, input_choices
from referrals.models import ClosureOutcome, Decision, Referral, ReferralState, check_decision
from referrals.selectors import (
    referral_after_step,
    referral_get,
    young_person_possible_matches,
)
from referrals.workflow import (
    TransitionConflict,
    referral_step_check,
    referral_transition,
    transitions_for,
)

from .autocomplete import OptionsPicker
from .case_page import STATE_COLOURS, concern_summary, mentioned, referrer
from .form_fields import date_field
from .forms import RADIOS_UP_TO, add_service_errors

# Steps that are hard to undo or change who is responsible: answers are checked first.
CHECK_FIRST = frozenset({"decide", "merge", "transfer", "close"})
# Follow-up questions shown only under one answer (GOV.UK conditional reveal): input ->
# the answer -> the inputs revealed under it. Answers to them are discarded under any other.
REVEALS: dict[str, dict[str, tuple[str, ...]]] = {
    "decision": {
        Decision.STATUTORY_REFERRAL.value: ("statutory_type", "external_reference", "keep_active")
    },
}
# Step inputs whose choices are the partnership's agencies, people or areas: lists that grow
# with the partnership, so typed into an autocomplete rather than scrolled.
PICKED = frozenset({"agency", "lead_professional", "area"})
NOT_GIVEN = "Not given"
DECISION_PARTS = ("decision", "statutory_type", "external_reference", "keep_active")

# What each step is for, above its questions.
INTRODUCTIONS = {
    "submit": "Send the concern to the area's coordinators. The triage clock starts now.",
    "withdraw": "Take the concern back before anyone has decided on it. The coordinators "
    "see your reason.",
    "start_triage": "Take this concern for triage: the queue shows that you have it.",
    "set_rag": "Rate how quickly the partnership must respond. The RAG clock starts again "
    "from now, in the area's working hours.",
    "decide": "Read the concern, then record what happens next. A decision is expected within "
    "one working day of the referral.",
    "assign_lead": "Name an agency on the case and, if you know them, its lead professional. "
    "Naming an agency again replaces its lead professional.",
    "request_information": "Ask an agency for what it knows. Its safeguarding leads, and "
    "the lead professional named for it, see the question, the date it is due by, and the "
    "young person's name and date of birth under the lawful basis recorded: nothing else of "
    "the case. Their answer appears under the plan.",
    "review": "Record what the multi-agency review found and when the next one is due.",
    "reassess_risk": "Set the risk level from what is known now. The screening tool only "
    "proposes one; you decide.",
    "close": "Close the case with its outcome. It can be reopened, with a reason, if new "
    "information comes.",
    "reopen": "New information: the referral goes back to triage with everything recorded so far.",
    "transfer": "The young person has moved: ask the coordinators of the area they live in "
    "now to take the case.",
    "accept_transfer": "Take the case into your area. Your area gets its own referral, in "
    "triage, with the concern and what triage found; the sending area keeps a closed record. "
    "If your area may already know the young person, you are shown the records to compare.",
    "decline_transfer": "Say why your area will not take the case: it goes back to the "
    "sending area's coordinators.",
    "merge": "This referral duplicates another open referral in the area: keep that one and "
    "close this one, pointing to it.",
}

# The banner after each step, filled with the answers in words.
DONE = {
    "submit": "Concern sent to the area's coordinators",
    "withdraw": "Concern withdrawn",
    "start_triage": "Triage started: the queue shows that you have this concern",
    "set_rag": "RAG rating set: {rag}",
    "decide": "Decision recorded: {decision}. {now}",
    "assign_lead": "{agency} named on the case. Lead professional: {lead_professional}",
    "request_information": "Information requested from {agency}, due by {due_on}",
    "review": "Review recorded. Next review by {next_review_on}",
    "reassess_risk": "Risk level set: {risk_level}",
    "close": "Referral closed: {outcome}",
    "reopen": "Referral reopened: it is back in triage",
    "transfer": "Transfer requested: the coordinators of {area} are asked to accept it",
    "accept_transfer": "Transfer accepted: the case is now in your area",
    "decline_transfer": "Transfer declined: the case stays with its own area",
    "merge": "Merged into {into}: this referral is closed",
}


def _field(name: str, referral: Referral) -> forms.Field:
    """The form field for step input `name` (referrals.inputs): radios for a few choices; for
    more, a select, or an autocomplete for the partnership's agencies, people and areas; the
    GOV.UK date input for a date; a textarea for text."""
    spec = STEP_INPUTS[name]
    common: dict[str, Any] = {"label": spec.label, "help_text": spec.hint}
    missing = spec.missing or f"Answer: {spec.label}"
    choices = input_choices(name, referral)
    if choices:
        radios = len(choices) <= RADIOS_UP_TO
        long = OptionsPicker if spec.kind in PICKED else forms.Select
        return forms.ChoiceField(
            choices=choices if radios else [("", "Choose one"), *choices],
            widget=forms.RadioSelect if radios else long,
            required=spec.required,
            error_messages={
                "required": missing,
                "invalid_choice": f"Choose one of the answers offered: {spec.label}",
            },
            **common,
        )
    if spec.kind == "date":
        return date_field(
            spec.label,
            required=missing if spec.required else None,
            hint=spec.hint,
            allowed=spec.allowed,
        )
    return forms.CharField(
        max_length=2000,
        required=spec.required,
        widget=forms.Textarea if spec.kind == "text" else forms.TextInput,
        error_messages={"required": missing},
        **common,
    )


class StepForm(forms.Form):
    """The inputs one workflow step declares, as form fields."""

    def __init__(
        self, *args: Any, inputs: tuple[str, ...], referral: Referral, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.referral = referral
        for name in inputs:
            self.fields[name] = _field(name, referral)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, under in REVEALS.items():
            for answer, revealed in under.items():
                if name in data and data.get(name) != answer:
                    data.update(dict.fromkeys(revealed, ""))  # asked only under that answer
        if data.get("decision"):  # the decision as a whole, by the workflow's own rule
            try:
                check_decision(**{name: data.get(name) or "" for name in DECISION_PARTS})
            except ValidationError as exc:
                for name, problems in exc.message_dict.items():
                    if name not in self.errors:
                        self.add_error(name, problems)
        return data

    def inputs(self) -> dict[str, str]:
        """The answers as the step takes them: text, a date as YYYY-MM-DD."""
        return {
            name: value.isoformat() if isinstance(value, date) else str(value or "")
            for name, value in self.cleaned_data.items()
        }

    def in_words(self) -> dict[str, str]:
        """Each answer as the page showed it: a choice by its label, a date in words."""
        words = {}
        for name, value in self.cleaned_data.items():
            choices = dict(getattr(self.fields[name], "choices", ()))
            if value in ("", None):
                words[name] = NOT_GIVEN
            elif choices:
                words[name] = str(choices.get(value, value))
            elif isinstance(value, date):
                words[name] = date_format(value, "j F Y")
            else:
                words[name] = str(value)
        return words


@dataclass
class Option:
    value: str
    label: str
    id: str
    checked: bool
    hint: str = ""
    revealed: list[Question] = field(default_factory=list)


@dataclass
class Question:
    bound: forms.BoundField
    kind: str  # radios | select | date | textarea | text
    options: list[Option] = field(default_factory=list)


def _kind(bound: forms.BoundField) -> str:
    widget = bound.field.widget
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(bound.field, forms.DateField):
        return "date"
    return "textarea" if isinstance(widget, forms.Textarea) else "text"


def questions(form: StepForm) -> list[Question]:
    """The form's questions in order, each follow-up under the answer that reveals it."""
    revealed_names = {n for under in REVEALS.values() for names in under.values() for n in names}

    def question(name: str) -> Question:
        bound = form[name]
        asked = Question(bound=bound, kind=_kind(bound))
        if asked.kind != "radios":
            return asked
        hints = choice_hints(name, form.referral)
        chosen = str(bound.value() or "")
        for index, (value, label) in enumerate(bound.field.choices):  # type: ignore[attr-defined]
            revealed = REVEALS.get(name, {}).get(str(value), ())
            asked.options.append(
                Option(
                    value=str(value),
                    label=str(label),
                    id=bound.auto_id if index == 0 else f"{bound.auto_id}_{index}",
                    checked=chosen == str(value),
                    hint=hints.get(str(value), ""),
                    revealed=[question(n) for n in revealed if n in form.fields],
                )
            )
        return asked

    return [question(name) for name in form.fields if name not in revealed_names]


def answers_to_check(form: StepForm) -> list[tuple[str, str]]:
    """(question, answer in words) for the check-answers page; follow-ups not asked left out."""
    words = form.in_words()
    unasked = {
        name
        for parent, under in REVEALS.items()
        for answer, revealed in under.items()
        if form.cleaned_data.get(parent) != answer
        for name in revealed
    }
    return [(str(form.fields[n].label or n), words[n]) for n in form.fields if n not in unasked]


def what_will_happen(name: str, form: StepForm, request: HttpRequest) -> str:
    """The consequence of a step that is checked first, in a sentence or two."""
    referral, answers, words = form.referral, form.cleaned_data, form.in_words()
    area = referral.area
    if name == "decide":
        stays = answers["decision"] == Decision.MULTI_AGENCY_PLAN or (
            answers["decision"] == Decision.STATUTORY_REFERRAL and answers["keep_active"] == "yes"
        )
        if stays:
            return (
                "The referral becomes an active plan: name the lead professionals and their "
                f"actions next. Reviews are due every {area.review_interval_weeks} weeks and "
                f"the risk is reassessed every {area.risk_reassessment_months} months."
            )
        outcome = (
            ClosureOutcome.TRANSFERRED_TO_STATUTORY.label
            if answers["decision"] == Decision.STATUTORY_REFERRAL
            else words["decision"]
        )
        return f"The referral closes with the outcome “{outcome}”. The referrer sees the decision."
    if name == "close":
        return (
            f"The referral closes with the outcome “{words['outcome']}”. Open actions and "
            "requests stay on the record; it can be reopened with a reason."
        )
    if name == "transfer":
        return (
            f"The coordinators of {words['area']} are asked to accept the case. Until they "
            "do it waits here, awaiting transfer; once they accept, this area keeps a closed "
            "record and theirs starts in triage."
        )
    kept = _referral_to_keep(request, answers.get("into", ""))
    return (
        f"This referral closes and points to {kept}, which keeps the case. Everything "
        "recorded on this referral stays on it."
    )


def _referral_to_keep(request: HttpRequest, reference: str) -> str:
    """The referral a merge keeps, named with its young person where the user may see it."""
    reference = reference.strip().upper()
    try:
        kept, _ = referral_get(user=request.user, reference=reference)
    except Http404:
        return reference
    return f"{kept.reference} ({kept.young_person}, {kept.get_state_display().lower()})"


def _carried(data: QueryDict) -> list[tuple[str, str]]:
    """The answers as posted, for the check-answers page to post again on "Confirm"."""
    control = {"csrfmiddlewaretoken", "confirm", "change"}
    return [(key, value) for key in data if key not in control for value in data.getlist(key)]


def done_message(name: str, form: StepForm, moved: Referral) -> str:
    now = (
        "The plan is active: name its lead professionals next"
        if moved.state == ReferralState.ACTIVE
        else "The referral is closed"
    )
    words = form.in_words() | {"now": now}
    if moved.next_review_due_on:  # the date the step set, when the answer left it to the area
        words["next_review_on"] = date_format(moved.next_review_due_on, "j F Y")
    if moved.merged_into_id:
        words["into"] = Referral.objects.get(pk=moved.merged_into_id).reference
    if name == "assign_lead" and words.get("lead_professional") == NOT_GIVEN:
        return f"{words['agency']} named on the case. Name its lead professional later"
    return DONE[name].format_map(words)


def _step_context(referral: Referral, name: str) -> dict[str, Any]:
    """What the person needs to decide the step, beside its questions."""
    context: dict[str, Any] = {
        "state_colour": STATE_COLOURS.get(ReferralState(referral.state), "grey"),
        "introduction": INTRODUCTIONS.get(name, ""),
    }
    if name == "decide":
        context |= {
            "concern": concern_summary(referral),
            "mentioned": mentioned(referral),
            "referrer": referrer(referral),
        }
    return context


@login_required
@require_http_methods(["GET", "POST"])
def referral_step_page(request: HttpRequest, reference: str, name: str) -> HttpResponse:
    """One workflow step on its own page: what to know, its questions, for some a check of
    the answers, then back to the referral with a banner saying what was done."""
    if request.method == "GET":  # the page shows the case: the view is recorded
        referral, _ = referral_open(actor=request.user, reference=reference, request=request)
    else:
        referral, _ = referral_get(user=request.user, reference=reference)
    step = next(
        (t for t in transitions_for(referral=referral, user=request.user) if t.name == name), None
    )
    if step is None and request.method != "POST":
        raise Http404("That step is not open to you now")
    inputs = tuple(step.custom["inputs"]) if step else ()
    posted = request.POST if request.method == "POST" else None
    form = StepForm(posted, inputs=inputs, referral=referral)
    context = {
        "referral": referral,
        "step": step,
        "form": form,
        "name": name,
        "check_first": CHECK_FIRST,
    }
    if posted is not None and "change" not in posted and form.is_valid():
        answers = form.inputs()
        try:
            if name in CHECK_FIRST and "confirm" not in posted:
                referral_step_check(
                    referral=referral, actor=request.user, name=name, inputs=answers
                )
                check = {
                    "answers": answers_to_check(form),
                    "what_will_happen": what_will_happen(name, form, request),
                    "carried": _carried(posted),
                }
                return _shown(request, referral, "frontend/steps/check.html", context | check)
            moved = referral_transition(
                referral=referral, actor=request.user, name=name, inputs=answers, request=request
            )
        except LookupError as exc:
            raise Http404("No such step") from exc
        except TransitionConflict as exc:
            state = ReferralState(exc.state).label.lower()
            form.add_error(None, f"Someone else has moved this referral on: it is now {state}.")
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done_message(name, form, moved))
            try:
                shown, _ = referral_after_step(user=request.user, referral=moved)
            except Http404:  # a transfer declined: the referral is back with its own area
                return redirect("frontend:home")
            if name == "accept_transfer" and young_person_possible_matches(
                young_person=shown.young_person
            ):  # the receiving area may know them already: offer the match first
                return redirect("frontend:young-person-match", shown.reference)
            return redirect("frontend:referral-detail", reference=shown.reference)
    context |= _step_context(referral, name) | {"questions": questions(form)}
    return _shown(request, referral, "frontend/steps/step.html", context)


def _shown(
    request: HttpRequest, referral: Referral, template: str, context: dict[str, Any]
) -> HttpResponse:
    """A step page shows the case: a GET recorded the view as it opened the referral; a POST
    answered with the page again (its check, or its errors) records it here."""
    if request.method == "POST":
        records_seen(actor=request.user, records=[referral], referral=referral, request=request)
    return render(request, template, context)
