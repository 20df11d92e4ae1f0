"""A chronology in words: each timeline event's label, when, who, and its key parameters.

Events store ids and codes (referrals.events); here they become the names people read. The
names are looked up once per page, not once per event."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import capfirst

from agencies.models import Agency, Area, User
from disruption.models import DisruptionStatus
from referrals.models import (
    ActionStatus,
    ClosureOutcome,
    Decision,
    NRMDecision,
    ProtectiveActionType,
    Rag,
    ReferralEvent,
    ReferralState,
    ReturnInterview,
    RiskLevel,
    Section47Outcome,
    StatutoryType,
    YoungPerson,
)


@dataclass(frozen=True)
class Entry:
    event: ReferralEvent
    details: list[tuple[str, str]]


def _day(value: str) -> str:
    return date_format(date.fromisoformat(value), "j F Y")


def _moment(value: str) -> str:
    return date_format(timezone.localtime(datetime.fromisoformat(value)), "j F Y, H:i")


def _choice(choices: type[TextChoices]) -> Callable[[str], str]:
    return lambda value: str(dict(choices.choices).get(value, value))


def _fields(names: list[str]) -> str:
    labels = (getattr(YoungPerson._meta.get_field(name), "verbose_name", name) for name in names)
    return capfirst(", ".join(str(label) for label in labels)) or "None"


# Parameter name: (label, how to put its value in words). Names left out (ids of rows, the
# history a transfer carries) are not shown.
_IN_WORDS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "source": ("From", _choice(ReferralState)),
    "target": ("To", _choice(ReferralState)),
    "decision": ("Decision", _choice(Decision)),
    "statutory_type": ("Statutory referral", _choice(StatutoryType)),
    "external_reference": ("Children's social care reference", str),
    "keep_active": ("Kept open", lambda value: "Yes" if value == "yes" else "No"),
    "outcome": ("Outcome", _choice(ClosureOutcome)),
    "rag": ("RAG rating", _choice(Rag)),
    "risk_level": ("Risk level", _choice(RiskLevel)),
    "question": ("Question", str),
    "summary": ("Summary", str),
    "due_on": ("Due by", _day),
    "next_review_on": ("Next review by", _day),
    "into": ("Kept referral", str),
    "duplicate": ("Duplicate referral", str),
    "kept_record": ("Record kept", str),
    "merged_record": ("Record merged into it", str),
    "links_moved": ("Network links moved with it", str),
    "links_absorbed": ("Of them, links the kept record already had (shown once)", str),
    "agenda_items": ("Meeting agenda items moved with it", str),
    "from_reference": ("From referral", str),
    "from_area": ("From area", str),
    "status": ("Status", _choice(ActionStatus)),
    "previous_status": ("Was", _choice(ActionStatus)),
    "previous_outcome": ("Earlier outcome", str),
    "started_at": ("Went missing", _moment),
    "ended_at": ("Returned", _moment),
    "interview_due_at": ("Return home interview due", _moment),
    "interview": ("Return home interview", _choice(ReturnInterview)),
    "restricted": ("Restricted", lambda value: "Yes" if value else "No"),
    "fields": ("Details corrected", _fields),
    "expires_at": ("Access until", _moment),
    "reason": ("Reason", str),
    "attachment": ("Document attached", lambda value: "Yes" if value else "No"),
    "tactic": ("Disruption tactic", str),
    "disruption_status": ("Disruption status", _choice(DisruptionStatus)),
    "previous_disruption_status": ("Was", _choice(DisruptionStatus)),
    "held_on": ("Held on", _day),
    "section_47": ("A section 47 enquiry follows", lambda value: "Yes" if value else "No"),
    "started_on": ("Started on", _day),
    "section_47_outcome": ("What the enquiry found", _choice(Section47Outcome)),
    "conference_on": ("Initial child protection conference", _day),
    "referred_on": ("Referred on", _day),
    "reasonable_grounds": ("Reasonable grounds decision", _choice(NRMDecision)),
    "reasonable_grounds_on": ("Reasonable grounds decided on", _day),
    "conclusive_grounds": ("Conclusive grounds decision", _choice(NRMDecision)),
    "conclusive_grounds_on": ("Conclusive grounds decided on", _day),
}


class _Names:
    """Names of the agencies, areas, people and action types a page of events refers to."""

    def __init__(self, events: list[ReferralEvent]) -> None:
        def ids(*keys: str) -> set[int]:
            return {
                int(e.parameters[k])
                for e in events
                for k in keys
                if str(e.parameters.get(k) or "").isdigit()
            } | {int(i) for e in events for i in e.parameters.get("agency_ids", [])}

        self.agencies = dict(
            Agency.objects.filter(
                pk__in=ids(
                    "agency",
                    "agency_id",
                    "owner_agency_id",
                    "previous_owner_agency_id",
                    "author_agency_id",
                )
            ).values_list("pk", "name")
        )
        self.areas = dict(Area.objects.filter(pk__in=ids("area")).values_list("pk", "name"))
        self.people = {
            u.pk: u.get_full_name() or u.get_username()
            for u in User.objects.filter(pk__in=ids("lead_professional", "owner", "previous_owner"))
        }
        self.action_types = dict(ProtectiveActionType.objects.values_list("code", "label"))

    def words(self, name: str, value: Any) -> tuple[str, str] | None:
        looked_up = {
            "agency": ("Agency", self.agencies),
            "agency_id": ("Agency", self.agencies),
            "owner_agency_id": ("Owner's agency", self.agencies),
            "author_agency_id": ("Author's agency", self.agencies),
            "area": ("Area", self.areas),
            "lead_professional": ("Lead professional", self.people),
            "owner": ("Owner", self.people),
            "previous_owner": ("Was owned by", self.people),
            "previous_owner_agency_id": ("Their agency", self.agencies),
        }
        if name in looked_up:
            label, names = looked_up[name]
            return label, names.get(int(value), "Unknown")
        if name == "agency_ids":
            return "Agencies", ", ".join(
                sorted(self.agencies.get(int(i), "Unknown") for i in value)
            )
        if name == "previous":  # what an update replaced, in the same words
            was = (self.words(key, old) for key, old in value.items() if old not in ("", None))
            return "Before the change", "; ".join(f"{w[0]}: {w[1]}" for w in was if w)
        if name == "action_type":
            return "Action", self.action_types.get(value, value)
        if name in _IN_WORDS:
            label, in_words = _IN_WORDS[name]
            return label, in_words(value)
        return None


def chronology(events: Iterable[ReferralEvent]) -> list[Entry]:
    events = list(events)
    names = _Names(events)
    entries = []
    for event in events:
        details = [
            words
            for name, value in event.parameters.items()
            if value not in ("", None) and (words := names.words(name, value)) is not None
        ]
        entries.append(Entry(event=event, details=details))
    return entries
