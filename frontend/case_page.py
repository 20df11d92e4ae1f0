"""The case page of a referral: what the coordinator and the lead professional work from.

Built here so the view stays a few lines: the concern as raised and the young person's facts
in words, the status and the next deadline, the sections of the case, and (for those who may
see it) who has seen or changed the record, one page at a time, with people's names and the
record's labels in place of field names and ids."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import capfirst

from agencies.rules import coordinates_area_of
from agencies.selectors import signed_in
from audit.models import AuditAction, AuditEvent
from audit.selectors import audit_events_for_object, field_history, names_behind_changes
from disruption.activity_selectors import activities_for_referral
from disruption.selectors import intelligence_area_ids, links_for
from referrals.audited_reads import records_seen
from referrals.models import (
    OPEN_STATES,
    QUEUE_STATES,
    Decision,
    Rag,
    Referral,
    ReferralState,
    YoungPerson,
)
from referrals.selectors import (
    ReferralAccess,
    emergency_access_until,
    information_requests_for,
    timeline,
)
from referrals.workflow import transitions_for

from .casework import casework_context
from .chronology import chronology
from .pagination import Pages, paginate
from .record_history import HISTORY_LABELS, casework_history
from .restriction import restriction_context
from .statutory import statutory_context

HISTORY_PER_PAGE = 10
SEEN_PER_PAGE = 10
LATEST_EVENTS = 3  # the chronology's newest entries shown on the case page
TRAIL = "record-trail"  # the id of the section of who has seen or changed the referral
NOT_GIVEN = "Not given"

# GOV.UK tag colours: the case's state, and its urgency (Red, Amber, Green).
STATE_COLOURS = {
    ReferralState.DRAFT: "grey",
    ReferralState.SUBMITTED: "light-blue",
    ReferralState.IN_TRIAGE: "blue",
    ReferralState.ACTIVE: "turquoise",
    ReferralState.TRANSFER_REQUESTED: "purple",
}
RAG_COLOURS = {Rag.RED: "red", Rag.AMBER: "orange", Rag.GREEN: "green"}

# Labels for fields whose verbose names do not read well on their own.
FIELD_LABELS = {
    "state": "Status",
    "rag": "RAG rating",
    "rag_due_at": "RAG deadline",
    "triage_due_at": "Triage decision due",
    "triaged_by": "Taken for triage by",
    "raised_by": "Raised by",
    "raised_by_agency": "Raising agency",
    "contact_phone": "Referrer's phone number",
    "contact_email": "Referrer's email address",
    "statutory_type": "Statutory route",
    "external_reference": "Children's social care reference",
    "transfer_to_area": "Transfer requested to",
    "transferred_from": "Transferred from",
    "merged_into": "Merged into",
    "young_person": "Young person",
    "screening_tool": "Screening tool",
    "proposed_risk": "Risk proposed by the screening tool",
    "send": "Special educational needs or disability",
    "nhs_number": "NHS number",
}


@dataclass(frozen=True)
class Deadline:
    label: str
    when: date | datetime

    @property
    def day(self) -> date:
        return timezone.localdate(self.when) if isinstance(self.when, datetime) else self.when

    @property
    def in_words(self) -> str:
        if isinstance(self.when, datetime):
            return date_format(timezone.localtime(self.when), "l j F Y, H:i")
        return date_format(self.when, "l j F Y")


def _said(value: Any) -> str:
    if value in (None, "", []):
        return NOT_GIVEN
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    if isinstance(value, date):
        return date_format(value, "j F Y")
    return str(value)


def _label(model: type[models.Model], name: str) -> str:
    if (model, name) in HISTORY_LABELS:
        return HISTORY_LABELS[(model, name)]
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    return capfirst(str(getattr(model._meta.get_field(name), "verbose_name", name)))


def _rows(record: models.Model, names: Iterable[str]) -> list[tuple[str, str]]:
    """(label, value in words) for each field of `record`: choices by their labels."""
    rows = []
    for name in names:
        display = getattr(record, f"get_{name}_display", None)
        value = display() if display and getattr(record, name) else getattr(record, name)
        rows.append((_label(type(record), name), _said(value)))
    return rows


def concern_summary(referral: Referral) -> list[tuple[str, list[tuple[str, str]]]]:
    """The concern as the referrer raised it, in words, section by section."""
    models_chosen = [
        dict(Referral._meta.get_field("exploitation_models").base_field.choices).get(code, code)
        for code in referral.exploitation_models
    ]
    by_category: dict[str, list[str]] = {}
    for indicator in referral.screening_indicators.all():
        by_category.setdefault(indicator.get_category_display(), []).append(indicator.label)
    screening = [(category, "\n".join(labels)) for category, labels in by_category.items()]
    screening = screening or [("Indicators", "None chosen")]
    if referral.screening_tool is not None:  # the version it was screened with, for good
        tool = referral.screening_tool
        screening.insert(0, ("Screened with", f"{tool.name}, version {tool.number}"))
    if referral.screening_score is not None:
        proposed = referral.get_proposed_risk_display() or NOT_GIVEN
        screening.append(("Score", f"{referral.screening_score}: proposes {proposed.lower()}"))
    return [
        (
            "What happened",
            [
                *_rows(referral, ["narrative", "concern_date"]),
                ("Kind of exploitation", referral.get_exploitation_type_display() or "Not known"),
                ("Models of exploitation", _said(models_chosen)),
                ("In immediate danger", _said(referral.immediate_danger)),
            ],
        ),
        ("Screening indicators", screening),
        (
            "Sharing",
            [
                ("Lawful basis", _said(referral.get_lawful_basis_display())),
                ("Consent", _said(referral.get_consent_display())),
                ("About consent", _said(referral.consent_details)),
            ],
        ),
    ]


def mentioned(referral: Referral) -> list[tuple[str, str]]:
    """The people, places and vehicles the concern names, as the referrer wrote them."""
    return [
        ("People", _said(referral.people_mentioned)),
        ("Places", _said(referral.places_mentioned)),
        ("Vehicles", _said(referral.vehicles_mentioned)),
    ]


def referrer(referral: Referral) -> str:
    """Who raised the concern and how to reach them, in a line."""
    person = referral.raised_by
    parts = [
        person.get_full_name() or person.get_username(),
        referral.raised_by_agency.name,
        referral.contact_phone,
        referral.contact_email,
    ]
    return ", ".join(part for part in parts if part)


def _moment(when: datetime) -> str:
    return date_format(timezone.localtime(when), "j F Y, H:i")


def _in_a_sentence(label: str) -> str:
    """A label inside a sentence: lower case, but "NHS number" stays as it is."""
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def young_person_facts(person: YoungPerson, today: date) -> list[tuple[str, str]]:
    """What is known of the young person; what is not known is named in a last row."""
    if person.date_of_birth:
        born = f"{date_format(person.date_of_birth, 'j F Y')} (aged {person.age_on(today)})"
    elif person.estimated_age is not None:
        born = f"Not known (aged about {person.estimated_age})"
    else:
        born = "Not known"
    home = ", ".join(part for part in (person.address.strip(), person.postcode) if part)
    facts = [
        ("Date of birth", born),
        *_rows(person, ["aliases", "sex", "gender", "ethnicity", "nhs_number"]),
        ("Address", _said(home)),
        *_rows(person, ["school", "looked_after", "placement", "send", "languages"]),
        *_rows(person, ["phone_numbers", "online_handles"]),
    ]
    known = [(label, value) for label, value in facts if value != NOT_GIVEN]
    unknown = [label for label, value in facts if value == NOT_GIVEN]
    if unknown:
        known.append(("Not known", capfirst(", ".join(_in_a_sentence(label) for label in unknown))))
    return known


def next_deadline(referral: Referral, context: dict[str, Any]) -> Deadline | None:
    """The nearest date the case must meet: the triage decision while it is in the queue; the
    review, the risk reassessment, an open action or an information request once a plan runs."""
    if referral.state in QUEUE_STATES:
        due = referral.due_at
        return Deadline("Triage decision due", due) if due else None
    if referral.state not in OPEN_STATES:
        return None
    deadlines = [
        Deadline(label, when)
        for label, when in (
            ("Next review due", referral.next_review_due_on),
            ("Risk reassessment due", referral.risk_reassessment_due_on),
        )
        if when
    ]
    deadlines += [
        Deadline(f"Action due: {action.action_type}", action.due_on)
        for action, _ in context.get("actions", [])
        if action.status == "open"
    ]
    deadlines += [
        Deadline(f"Information due from {asked.agency.name}", asked.due_on)
        for asked in context.get("information_requests", [])
        if not asked.answered_at
    ]
    return min(deadlines, key=lambda d: d.day, default=None)


# --- who has seen or changed this --------------------------------------------------------


@dataclass(frozen=True)
class ChangeInWords:
    label: str
    old: str
    new: str


def _value_in_words(field: Any, value: Any, names: dict[Any, dict[Any, str]]) -> str:
    if value in (None, "", []):
        return "nothing"
    if field.is_relation:
        return names.get(field.related_model, {}).get(value, "a record since removed")
    choices = dict(getattr(field, "flatchoices", None) or ())
    base = getattr(field, "base_field", None)
    if isinstance(value, list):
        labels = dict(getattr(base, "flatchoices", None) or ())
        return ", ".join(str(labels.get(item, item)) for item in value)
    if choices:
        return str(choices.get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return _moment(value)
    if isinstance(value, date):
        return date_format(value, "j F Y")
    return str(value)


def changes_in_words(entries: list[tuple[type[models.Model], dict[str, Any]]]) -> list[Any]:
    """A page of field history: each entry's when and who, and its changes with the record's
    labels, choice labels and the names of the people and records an id points at."""
    pairs = [(model, change) for model, entry in entries for change in entry["changes"]]
    names = names_behind_changes(changes=pairs)
    shown = []
    for model, entry in entries:
        who = entry["who"]
        shown.append(
            {
                "when": entry["when"],
                "who": (who.get_full_name() or who.get_username()) if who else "",
                "record": entry.get("record")
                or ("the young person's details" if model is YoungPerson else "the referral"),
                "changes": [
                    ChangeInWords(
                        _label(model, change.field),
                        _value_in_words(model._meta.get_field(change.field), change.old, names),
                        _value_in_words(model._meta.get_field(change.field), change.new, names),
                    )
                    for change in entry["changes"]
                ],
            }
        )
    return shown


def _history_page(request: HttpRequest, referral: Referral) -> Pages:
    entries: list[tuple[type[models.Model], dict[str, Any]]] = [
        (Referral, entry) for entry in field_history(target=referral)
    ] + [(YoungPerson, entry) for entry in field_history(target=referral.young_person)]
    entries += casework_history(referral=referral)
    entries.sort(key=lambda pair: pair[1]["when"], reverse=True)
    page = paginate(request, entries, HISTORY_PER_PAGE, param="changes", anchor=TRAIL)
    return replace(page, rows=changes_in_words(page.rows))


def _what_was_done(event: AuditEvent) -> str:
    """An audit event's action in words; a workflow step says from which status to which."""
    what = event.get_action_display()
    moved = event.details.get("from"), event.details.get("to")
    if event.action == AuditAction.TRANSITION and all(moved):
        states = dict(ReferralState.choices)
        return f"{what}: {states.get(moved[0], moved[0])} to {states.get(moved[1], moved[1])}"
    return what


def record_trail(request: HttpRequest, referral: Referral) -> dict[str, Any]:
    """Who has seen or changed the referral, a page of each at a time."""
    seen = paginate(
        request, audit_events_for_object(target=referral), SEEN_PER_PAGE, param="seen", anchor=TRAIL
    )
    return {
        "seen_by": replace(seen, rows=[(event, _what_was_done(event)) for event in seen.rows]),
        "history": _history_page(request, referral),
        "seen_open": "seen" in request.GET,
        "changes_open": "changes" in request.GET,
    }


# --- the page ------------------------------------------------------------------------------


def _intelligence(request: HttpRequest, referral: Referral) -> dict[str, Any]:
    """Disruption protecting the young person (for those who work the area's intelligence)
    and the links recorded through, or shared to, this referral; both recorded as seen."""
    works_intelligence = referral.area_id in intelligence_area_ids(user=request.user)
    activities = (
        list(activities_for_referral(user=request.user, referral=referral))
        if works_intelligence
        else []
    )
    links = list(links_for(user=request.user, referral=referral))
    with transaction.atomic():
        records_seen(
            actor=request.user, records=[*activities, *links], referral=referral, request=request
        )
    return {
        "activities": activities,
        "links": links,
        "may_log_disruption": works_intelligence and referral.state in OPEN_STATES,
    }


def _latest_events(request: HttpRequest, referral: Referral) -> list[Any]:
    """The chronology's newest entries, newest first, in words."""
    events = timeline(user=request.user, referrals=Referral.objects.filter(pk=referral.pk))
    return chronology(events.reverse()[:LATEST_EVENTS])


def case_sections(context: dict[str, Any]) -> list[tuple[str, str]]:
    """The case's sections, in the page's order (their ids and labels, with how many each
    holds), for its contents list."""
    held = len(context["activities"]) + len(context["links"])
    statutory = sum(
        len(context[name])
        for name in ("strategy_discussions", "section_47_enquiries", "nrm_referrals")
    )
    sections = [
        ("concern", "The concern"),
        ("young-person", "The young person"),
        ("plan", "The plan"),
        ("missing", f"Missing episodes ({len(context['episodes'])})"),
        ("statutory", f"Strategy discussions, section 47 and NRM ({statutory})"),
        ("notes", f"Case notes ({len(context['notes'])})"),
        ("disruption", f"Disruption and links ({held})"),
        ("chronology", "Chronology"),
    ]
    if "seen_by" in context:
        sections.append((TRAIL, "Who has seen or changed this referral"))
    return sections


# What a decision means and what happens next, for the person who raised the concern.
DECISION_MEANS = {
    Decision.NO_FURTHER_ACTION: "The coordinator found no need for the partnership to act "
    "on this concern.",
    Decision.ADVICE_AND_SIGNPOSTING: "The coordinator gave advice and pointed the young person "
    "or their family to services that can help.",
    Decision.STATUTORY_REFERRAL: "The concern was passed to children's social care, who lead "
    "from here.",
    Decision.MULTI_AGENCY_PLAN: "Agencies are working together on a plan to protect the young "
    "person, each with a named lead professional.",
}
NEXT_FOR_THE_REFERRER = {
    ReferralState.DRAFT: "This concern has not been sent yet.",
    ReferralState.SUBMITTED: "The area's coordinator will read the concern and decide what "
    "happens next, normally within one working day.",
    ReferralState.IN_TRIAGE: "A coordinator is looking at the concern and will record a decision.",
    ReferralState.ACTIVE: "The plan is under way. If you learn anything new, tell the area's "
    "coordinator or raise a new concern.",
    ReferralState.TRANSFER_REQUESTED: "The young person has moved: the case is being passed to "
    "the area where they now live.",
    ReferralState.CLOSED: "The case is closed. If you are worried again, raise a new concern.",
    ReferralState.WITHDRAWN: "The concern was withdrawn.",
    ReferralState.TRANSFERRED: "The case was passed to another area, which leads it now.",
    ReferralState.MERGED: "This concern was joined to another referral about the same young "
    "person; what is decided there applies to it.",
}


def referrer_view(referral: Referral) -> dict[str, Any]:
    """Where the concern stands, for whoever raised it (or their agency's safeguarding lead):
    what was decided and what happens next, without the case itself."""
    return {
        "decision_means": DECISION_MEANS[Decision(referral.decision)] if referral.decision else "",
        "next_for_referrer": NEXT_FOR_THE_REFERRER[ReferralState(referral.state)],
    }


def case_page_context(
    request: HttpRequest, referral: Referral, access: ReferralAccess
) -> dict[str, Any]:
    full = access is ReferralAccess.FULL
    today = timezone.localdate()
    context: dict[str, Any] = {
        "today": today,
        "referral": referral,
        "full": full,
        "steps": transitions_for(referral=referral, user=request.user),
        "state_colour": STATE_COLOURS.get(ReferralState(referral.state), "grey"),
        "rag_colour": RAG_COLOURS.get(Rag(referral.rag), "grey") if referral.rag else "",
    }
    if full:
        context |= casework_context(request, referral)
        context |= statutory_context(request, referral)
        context |= _intelligence(request, referral)
        context |= {
            "assignments": list(referral.current_assignments),
            "information_requests": list(
                information_requests_for(referral=referral, actor=request.user)
            ),
            "concern": concern_summary(referral),
            "mentioned": mentioned(referral),
            "referrer": referrer(referral),
            "facts": young_person_facts(referral.young_person, today),
            "latest_events": _latest_events(request, referral),
            "emergency_until": emergency_access_until(user=request.user, referral=referral),
            # A subject access request is answered from the young person's record: the way
            # there is offered where a coordinator works the case, not only on the chronology.
            "can_answer_subject_access": coordinates_area_of(request.user, referral.young_person),
        }
        context |= restriction_context(
            user=signed_in(request.user), young_person=referral.young_person
        )
        context["deadline"] = next_deadline(referral, context)
    else:
        context |= referrer_view(referral)
        # The referrer is told when to expect a decision, not the case's later deadlines.
        due = referral.due_at if referral.state in QUEUE_STATES else None
        context["deadline"] = Deadline("Decision expected by", due) if due else None
    if request.user.has_perm("referrals.view_referral_audit", referral):
        context |= record_trail(request, referral)
    if full:
        context["sections"] = case_sections(context)
    return context
