"""What the service holds about one young person (or one person of concern), gathered kind by
kind for a subject access export. Each kind of record is a `Section` of `Item`s, and each item
says whether it must be reviewed for redaction before release (UK GDPR Article 15(4) and
DPA 2018 Schedule 2: third parties' personal data, and police intelligence whose disclosure
could prejudice the prevention or detection of crime).

The export is started by a coordinator and audited then; these reads run in the background job
that builds the files, for no one to see but that coordinator, so they are not audited one by
one."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst

from audit.models import AuditAction, AuditEvent
from disruption.models import (
    AgendaItem,
    DisruptionActivity,
    Link,
    LinkNature,
    Node,
    PersonOfConcern,
)
from notifications.models import Notification
from referrals.models import (
    CaseNote,
    InformationRequest,
    MissingEpisode,
    NRMReferral,
    ProtectiveAction,
    Referral,
    ReferralEvent,
    Section47Enquiry,
    StrategyDiscussion,
    YoungPerson,
)
from referrals.selectors import MERGE_CHAIN_LIMIT

# Why an item is marked for redaction review, in the words the reviewer reads.
THIRD_PARTY = (
    "May hold other people's personal data (the referrer, family, friends, professionals' "
    "opinions, people suspected): check and redact before release"
)
POLICE_INTELLIGENCE = (
    "Police intelligence: may be withheld where disclosure would prejudice the prevention or "
    "detection of crime (DPA 2018 Schedule 2 paragraph 2); ask the police lead before release"
)
OTHER_RECORD = "About another person or place linked to them: check before release"


@dataclass(frozen=True)
class Item:
    kind: str
    id: str
    when: str  # ISO date or local date and time; "" when the record has none
    fields: dict[str, str]
    review: str = ""  # why it must be reviewed for redaction before release; "" when not

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "when": self.when,
            "fields": self.fields,
            "redaction_review": bool(self.review),
            "redaction_reason": self.review,
        }


@dataclass(frozen=True)
class Document:
    """An uploaded file held about them, copied into the bundle under `path`."""

    path: str
    file: Any  # the FieldFile


@dataclass(frozen=True)
class Section:
    kind: str
    title: str
    items: list[Item]
    documents: list[Document] = field(default_factory=list)


@dataclass(frozen=True)
class Subject:
    """Whom the export is about: their own records (a young person's kept record and those
    merged into it; a person of concern's record), their referrals, their nodes in the
    network, and the kinds of record gathered about them."""

    records: Sequence[models.Model]
    referral_ids: list[int]
    node_ids: list[int]
    sections: tuple[tuple[str, Callable[[Subject], Section]], ...]

    def seen(self) -> dict[str, set[str]]:
        """The ids of the records whose reads count as seeing them, by audit object type."""
        seen: dict[str, set[str]] = {"referrals.referral": {str(pk) for pk in self.referral_ids}}
        for record in self.records:
            seen.setdefault(record._meta.label_lower, set()).add(str(record.pk))
        return seen


def subject_of(person: YoungPerson) -> Subject:
    """A young person: their own record and every record merged into it, however many merges
    back, and their referrals."""
    record_ids, newest = [person.pk], [person.pk]
    for _ in range(MERGE_CHAIN_LIMIT):
        newest = list(
            YoungPerson.objects.filter(merged_into_id__in=newest).values_list("pk", flat=True)
        )
        if not newest:
            break
        record_ids += newest
    referral_ids = list(
        Referral.objects.filter(young_person_id__in=record_ids).values_list("pk", flat=True)
    )
    node_ids = list(
        Node.objects.filter(young_person_id__in=record_ids).values_list("pk", flat=True)
    )
    records = list(YoungPerson.objects.filter(pk__in=record_ids).order_by("pk"))
    return Subject(records, referral_ids, node_ids, YOUNG_PERSON_SECTIONS)


def suspect_subject_of(person: PersonOfConcern) -> Subject:
    """A person of concern: their record and their place in the network."""
    node_ids = list(Node.objects.filter(person=person).values_list("pk", flat=True))
    return Subject([person], [], node_ids, PERSON_OF_CONCERN_SECTIONS)


# Turning a record into labelled words ------------------------------------------------------


def _person(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def _words(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return "; ".join(_words(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def _value(obj: models.Model, f: models.Field[Any, Any]) -> str:
    if f.is_relation:
        related = getattr(obj, f.name)
        return "" if related is None else str(related)
    value = getattr(obj, f.attname)
    base = getattr(f, "base_field", None)  # an array field's choices are its items'
    choices = dict(f.flatchoices) or dict(getattr(base, "flatchoices", ()))
    if choices and isinstance(value, list):
        return "; ".join(str(choices.get(v, v)) for v in value)
    if choices and value in choices:
        return str(choices[value])
    return "" if value is None else _words(value)


def _user_fields(model: type[models.Model]) -> set[str]:
    from django.contrib.auth import get_user_model

    return {
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is get_user_model()
    }


def record_fields(obj: models.Model, *, leave_out: Iterable[str] = ()) -> dict[str, str]:
    """Every filled-in field of the record, under its human label (files are listed apart)."""
    skip = {"id", *leave_out}
    people = _user_fields(type(obj))
    words: dict[str, str] = {}
    for f in obj._meta.concrete_fields:
        if f.name in skip or isinstance(f, models.FileField):
            continue
        text = _person(getattr(obj, f.name)) if f.name in people else _value(obj, f)
        if text:
            words[str(capfirst(f.verbose_name))] = text
    return words


def _when(value: date | datetime | None) -> str:
    return _words(value) if value is not None else ""


def _items(
    kind: str,
    rows: Iterable[models.Model],
    *,
    when: Callable[[Any], date | datetime | None],
    review: Callable[[Any], str] = lambda row: "",
    leave_out: Iterable[str] = (),
) -> list[Item]:
    return [
        Item(
            kind=kind,
            id=str(row.pk),
            when=_when(when(row)),
            fields=record_fields(row, leave_out=leave_out),
            review=review(row),
        )
        for row in rows
    ]


# Each kind of record --------------------------------------------------------------------------


def _records(subject: Subject) -> Section:
    items = _items("young_person_records", subject.records, when=lambda p: p.created_at)
    return Section("young_person_records", "Their record and records merged into it", items)


def _suspect_record(subject: Subject) -> Section:
    items = _items(
        "person_of_concern_record",
        subject.records,
        when=lambda p: p.created_at,
        review=lambda p: POLICE_INTELLIGENCE,  # what the police suspect of them
        leave_out=("name_signatures",),
    )
    return Section("person_of_concern_record", "Their record", items)


def _referrals(subject: Subject) -> Section:
    rows = (
        Referral.objects.filter(pk__in=subject.referral_ids)
        .select_related("area", "young_person", "raised_by", "raised_by_agency")
        .order_by("created_at", "pk")
    )
    items = _items(
        "referrals",
        rows,
        when=lambda r: r.created_at,
        review=lambda r: THIRD_PARTY,  # the concern names who raised it and who was involved
    )
    return Section("referrals", "Referrals (concerns raised about them)", items)


def _timeline(subject: Subject) -> Section:
    rows = (
        ReferralEvent.objects.filter(referral_id__in=subject.referral_ids)
        .select_related("referral", "actor")
        .order_by("created_at", "pk")
    )
    items = _items(
        "timeline",
        rows,
        when=lambda e: e.created_at,
        # Parameters carry reasons and names given by professionals.
        review=lambda e: THIRD_PARTY if e.parameters else "",
    )
    return Section("timeline", "Timeline of their referrals", items)


def _notes(subject: Subject) -> Section:
    rows = (
        CaseNote.objects.filter(referral_id__in=subject.referral_ids)
        .select_related("referral", "author", "author_agency", "corrects")
        .order_by("created_at", "pk")
    )
    items = _items("case_notes", rows, when=lambda n: n.created_at, review=lambda n: THIRD_PARTY)
    return Section("case_notes", "Case notes", items)


def _actions(subject: Subject) -> Section:
    rows = (
        ProtectiveAction.objects.filter(referral_id__in=subject.referral_ids)
        .select_related("referral", "action_type", "owner", "owner_agency", "created_by")
        .order_by("created_at", "pk")
    )
    items = _items(
        "protective_actions",
        rows,
        when=lambda a: a.created_at,
        review=lambda a: THIRD_PARTY if a.detail or a.outcome else "",
    )
    return Section("protective_actions", "Protective actions", items)


def _missing(subject: Subject) -> Section:
    rows = (
        MissingEpisode.objects.filter(referral_id__in=subject.referral_ids)
        .select_related("referral", "recorded_by")
        .order_by("started_at", "pk")
    )
    items = _items(
        "missing_episodes",
        rows,
        when=lambda e: e.started_at,
        review=lambda e: THIRD_PARTY,  # who reported them, what the interview heard
    )
    return Section("missing_episodes", "Missing episodes and return home interviews", items)


def _statutory(subject: Subject) -> Section:
    of_theirs = {"referral_id__in": subject.referral_ids}
    items = [
        *_items(
            "strategy_discussions",
            StrategyDiscussion.objects.filter(**of_theirs).order_by("pk"),
            when=lambda s: s.held_on,
            review=lambda s: THIRD_PARTY,
        ),
        *_items(
            "section_47_enquiries",
            Section47Enquiry.objects.filter(**of_theirs).order_by("pk"),
            when=lambda s: s.started_on,
            review=lambda s: THIRD_PARTY,
        ),
        *_items(
            "nrm_referrals",
            NRMReferral.objects.filter(**of_theirs).order_by("pk"),
            when=lambda n: n.referred_on,
        ),
    ]
    return Section("statutory_steps", "Strategy discussions, enquiries and NRM referrals", items)


def _information_requests(subject: Subject) -> Section:
    rows = (
        InformationRequest.objects.filter(referral_id__in=subject.referral_ids)
        .select_related("referral", "agency", "requested_by", "answered_by")
        .order_by("requested_at", "pk")
    )
    items = _items(
        "information_requests",
        rows,
        when=lambda r: r.requested_at,
        review=lambda r: THIRD_PARTY,  # an agency's answer holds its own records
    )
    return Section("information_requests", "Information asked of agencies", items)


def _link_query(subject: Subject) -> Q:
    return (
        Q(a_id__in=subject.node_ids)
        | Q(b_id__in=subject.node_ids)
        | Q(referral_id__in=subject.referral_ids)
    )


def _link_items(kind: str, links: Iterable[Link]) -> list[Item]:
    return _items(
        kind,
        links,
        when=lambda link: link.observed_on,
        review=lambda link: POLICE_INTELLIGENCE,
        leave_out=("absorbed_into",),
    )


def _links(subject: Subject) -> Section:
    rows = (
        Link.objects.filter(_link_query(subject))
        .exclude(nature=LinkNature.MENTIONED)
        .select_related("a", "b", "referral", "recorded_by", "shared_by")
        .order_by("recorded_at", "pk")
    )
    return Section(
        "links", "Links to people, places, vehicles and identifiers", _link_items("links", rows)
    )


def _mentions(subject: Subject) -> Section:
    rows = (
        Link.objects.filter(_link_query(subject), nature=LinkNature.MENTIONED)
        .select_related("a", "b", "referral", "recorded_by", "shared_by")
        .order_by("recorded_at", "pk")
    )
    items = _link_items("mentions", rows)
    return Section("mentions", "People, places and vehicles mentioned in concerns", items)


def _disruption(subject: Subject) -> Section:
    rows = (
        DisruptionActivity.objects.filter(
            Q(target_id__in=subject.node_ids) | Q(referrals__in=subject.referral_ids)
        )
        .distinct()
        .select_related("tactic", "target", "owner", "owner_agency", "created_by")
        .order_by("pk")
    )
    items = _items(
        "disruption",
        rows,
        when=lambda d: d.created_at,
        review=lambda d: POLICE_INTELLIGENCE,
    )
    return Section("disruption", "Disruption activity", items)


def _meetings_marked(mark: str) -> Callable[[Subject], Section]:
    """What MACE meetings decided about them, each item marked for review: a young person's
    decisions speak of others too; all about a person of concern is police intelligence."""

    def meetings(subject: Subject) -> Section:
        rows = (
            AgendaItem.objects.filter(
                Q(referral_id__in=subject.referral_ids) | Q(node_id__in=subject.node_ids)
            )
            .select_related("meeting", "referral", "node", "decided_by")
            .order_by("meeting__held_at", "pk")
        )
        items = _items(
            "meetings",
            rows,
            when=lambda item: item.meeting.held_at,
            review=lambda item: mark,
            leave_out=("position",),
        )
        return Section("meetings", "MACE meetings that discussed them", items)

    return meetings


def _documents(subject: Subject) -> Section:
    rows = (
        InformationRequest.objects.filter(referral_id__in=subject.referral_ids)
        .exclude(attachment="")
        .select_related("referral", "agency", "answered_by")
        .order_by("answered_at", "pk")
    )
    items, documents = [], []
    for row in rows:
        path = f"documents/{row.pk}-{_safe_name(row.attachment_name or row.attachment.name)}"
        items.append(
            Item(
                kind="documents",
                id=str(row.pk),
                when=_when(row.answered_at),
                fields={
                    "File name": row.attachment_name,
                    "In the bundle as": path,
                    "Referral": str(row.referral),
                    "Uploaded by": _person(row.answered_by),
                    "Agency": str(row.agency),
                },
                review=THIRD_PARTY,
            )
        )
        documents.append(Document(path=path, file=row.attachment))
    return Section("documents", "Uploaded documents", items, documents)


def _safe_name(name: str) -> str:
    """A file name safe inside a zip: its last part, no directories, at most 100 characters."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in last)[-100:] or "file"


def _notifications(subject: Subject) -> Section:
    rows = (
        Notification.objects.filter(referral_id__in=subject.referral_ids)
        .select_related("recipient", "referral", "area")
        .order_by("created_at", "pk")
    )
    items = _items(
        "notifications",
        rows,
        when=lambda n: n.created_at,
        leave_out=("event_key", "url", "email_error", "email_next_attempt_at", "email_attempts"),
    )
    return Section("notifications", "Notifications sent to staff about their referrals", items)


def _viewed(subject: Subject) -> Iterator[Item]:
    records = Q(pk__in=[])
    for object_type, ids in subject.seen().items():
        records |= Q(object_type=object_type, object_id__in=ids)
    rows = (
        AuditEvent.objects.filter(
            records, action__in=[AuditAction.VIEW, AuditAction.BREAK_GLASS, AuditAction.EXPORT]
        )
        .select_related("actor", "membership__agency")
        .order_by("created_at", "pk")
    )
    references = dict(
        Referral.objects.filter(pk__in=subject.referral_ids).values_list("pk", "reference")
    )
    for event in rows.iterator(chunk_size=2000):
        what = (
            f"Referral {references.get(int(event.object_id), event.object_id)}"
            if event.object_type == "referrals.referral"
            else "Their record"
        )
        membership = event.membership
        yield Item(
            kind="record_views",
            id=str(event.pk),
            when=_when(event.created_at),
            fields={
                "Who": _person(event.actor),
                "Agency": str(membership.agency) if membership and membership.agency else "",
                "Role": membership.get_role_display() if membership else "",
                "What": what,
                "How": event.get_action_display(),
            },
        )


def _views(subject: Subject) -> Section:
    return Section("record_views", "Who saw their record", list(_viewed(subject)))


# The kinds in the order the export shows them; each is one step of the job's progress.
YOUNG_PERSON_SECTIONS: tuple[tuple[str, Callable[[Subject], Section]], ...] = (
    ("Their record", _records),
    ("Referrals", _referrals),
    ("Timeline", _timeline),
    ("Case notes", _notes),
    ("Protective actions", _actions),
    ("Missing episodes", _missing),
    ("Statutory steps", _statutory),
    ("Information requests", _information_requests),
    ("Links", _links),
    ("Mentions", _mentions),
    ("Disruption activity", _disruption),
    ("MACE meetings", _meetings_marked(THIRD_PARTY)),
    ("Uploaded documents", _documents),
    ("Notifications", _notifications),
    ("Who saw their record", _views),
)
PERSON_OF_CONCERN_SECTIONS: tuple[tuple[str, Callable[[Subject], Section]], ...] = (
    ("Their record", _suspect_record),
    ("Links", _links),
    ("Mentions", _mentions),
    ("Disruption activity", _disruption),
    ("MACE meetings", _meetings_marked(POLICE_INTELLIGENCE)),
    ("Who saw their record", _views),
)
SUSPECT_KINDS = (
    "person_of_concern_record",
    "links",
    "mentions",
    "disruption",
    "meetings",
    "record_views",
)
KINDS = (
    "young_person_records",
    "referrals",
    "timeline",
    "case_notes",
    "protective_actions",
    "missing_episodes",
    "statutory_steps",
    "information_requests",
    "links",
    "mentions",
    "disruption",
    "meetings",
    "documents",
    "notifications",
    "record_views",
)
