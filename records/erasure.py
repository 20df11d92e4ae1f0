"""Erasure of one record an approved review names: anonymised or deleted, inside the
approval's transaction (records.services.review_approve), returning how many rows of each kind
it touched for the tombstone.

What each kind clears is declared once below. The counts stay right without help: the
rollups' triggers mark the days whose breakdowns change (a date of birth cleared moves a
referral's age band to "not known"), and a referral is never deleted, so no total changes.
What is cleared or deleted also leaves the field-level history (audit.services.
audit_history_erase): a snapshot of a cleared row takes its cleared values, and keeps its
states and dates; the snapshots of a deleted row go.
Uploaded files are removed from storage only once the transaction has committed.

Case notes and the documents attached to a case (answers' attachments to information
requests) have no erasure of their own: young_person_anonymise clears and removes them, as
the schedule says (records.models.FIXED_KINDS)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Model, Q, QuerySet

from agencies.models import Area
from agencies.storage import files_removed_on_commit
from audit.models import HISTORY_MODELS, AuditEvent
from audit.services import audit_details_erase, audit_history_erase
from disruption.models import (
    ENTITY_MODELS,
    AgendaItem,
    DisruptionActivity,
    Link,
    LinkAlert,
    Location,
    Meeting,
    Node,
    OnlineIdentifier,
    PersonOfConcern,
    Vehicle,
)
from notifications.models import Notification
from referrals.inputs import STEP_INPUTS
from referrals.models import (
    BreakGlassAccess,
    CaseNote,
    InformationRequest,
    MissingEpisode,
    ProtectiveAction,
    Referral,
    ReferralEvent,
    StrategyDiscussion,
    YoungPerson,
    YoungPersonMerge,
    YoungPersonRestriction,
)
from reports.models import NationalReturn, StrategyDocument
from subject_access.models import SubjectAccessExport
from subject_access.services import exports_erased

from .models import RecordKind, RetentionAction
from .selectors import ENTITY_KINDS, month_span

REMOVED = "Removed under the retention schedule"
Counts = dict[str, int]

# A young person's own details: what is left says nothing about who they were. Sex and
# ethnicity stay, as the counts' breakdowns, which identify nobody on their own.
YOUNG_PERSON_CLEARED: dict[str, Any] = {
    "given_name": "Removed",
    "family_name": "record",
    "aliases": [],
    "date_of_birth": None,
    "estimated_age": None,
    "gender": "",
    "nhs_number": "",
    "address": "",
    "postcode": "",
    "school": "",
    "placement": "",
    "send": "",
    "languages": [],
    "phone_numbers": [],
    "online_handles": [],
}

# The free text of their case, by the path from each model to the young person. Dates,
# states, decisions and outcomes stay: they are the counts and say nothing of the person.
CASE_TEXT_CLEARED: tuple[tuple[type[Model], str, dict[str, Any]], ...] = (
    (
        Referral,
        "young_person",
        {
            "narrative": "",
            "places_mentioned": "",
            "people_mentioned": "",
            "vehicles_mentioned": "",
            "consent_details": "",
            "contact_phone": "",
            "contact_email": "",
        },
    ),
    (CaseNote, "referral__young_person", {"text": REMOVED}),
    (ProtectiveAction, "referral__young_person", {"detail": "", "outcome": ""}),
    (
        MissingEpisode,
        "referral__young_person",
        {
            "reported_by": "",
            "police_reference": "",
            "interview_by": "",
            "interview_summary": "",
            "not_held_reason": "",
        },
    ),
    (
        InformationRequest,
        "referral__young_person",
        {
            "question": REMOVED,
            "answer": "",
            "attachment": "",
            "attachment_name": "",
            "declined_reason": "",
        },
    ),
    (StrategyDiscussion, "referral__young_person", {"outcome": REMOVED}),
    (BreakGlassAccess, "referral__young_person", {"reason": REMOVED, "review_note": ""}),
    (YoungPersonMerge, "kept", {"reason": REMOVED, "undo_reason": ""}),
    (YoungPersonMerge, "merged", {"reason": REMOVED, "undo_reason": ""}),
    (AgendaItem, "referral__young_person", {"decision": ""}),
    (YoungPersonRestriction, "young_person", {"reason": REMOVED, "lift_reason": ""}),
)

# The timeline's free-text parameters: every text input of a workflow step, and the reasons
# other events carry.
TIMELINE_TEXT = sorted({"reason", *(name for name, i in STEP_INPUTS.items() if i.kind == "text")})

LINK_TEXT_CLEARED = {"detail": "", "source": REMOVED, "share_reason": ""}

# An entity's own details, by kind; `{pk}` keeps values unique where the area requires it.
ENTITY_CLEARED: dict[type[Model], dict[str, Any]] = {
    PersonOfConcern: {
        "name": "Removed person of concern",
        "aliases": [],
        "date_of_birth": None,
        "approximate_age": None,
        "description": "",
        "addresses": "",
        "police_references": [],
        "name_signatures": [],
    },
    Location: {
        "name": "Removed place",
        "address": "",
        "postcode": "",
        "latitude": None,
        "longitude": None,
        "description": "",
    },
    Vehicle: {"registration": "X{pk}", "make": "", "model": "", "colour": "", "notes": ""},
    OnlineIdentifier: {"value": "removed-{pk}", "notes": ""},
}


def _cleared(rows: QuerySet[Any], cleared: dict[str, Any]) -> tuple[int, int]:
    """Clear `cleared` on `rows` and from their field-level history: (rows, snapshots)."""
    model = rows.model
    pks = list(rows.values_list("pk", flat=True)) if model in HISTORY_MODELS else []
    touched = rows.update(**cleared)
    return touched, audit_history_erase(model=model, ids=pks, fields=list(cleared))


def _links_of(node: Node | None) -> Any:
    """Every link touching `node`, absorbed ones too."""
    return Link.every_link.filter(Q(a=node) | Q(b=node) if node is not None else Q(pk__in=[]))


def _about(model: type[Model], pks: Any) -> Q:
    return Q(object_type=model._meta.label_lower, object_id__in=[str(pk) for pk in pks])


def _case_audit_details_erased(people: list[int], referrals: list[int], links: Any) -> int:
    """The reasons and content the audit kept about the young people, their referrals, every
    record of those referrals and their links (audit.AuditDetail); the events, and so the
    chain, stay."""
    about = _about(YoungPerson, people) | _about(Referral, referrals)
    about |= _about(Link, links.values_list("pk", flat=True))
    for model in apps.get_app_config("referrals").get_models():
        if model is not Referral and any(f.name == "referral" for f in model._meta.fields):
            pks = model._default_manager.filter(referral__in=referrals).values_list("pk", flat=True)
            about |= _about(model, pks)
    merges = YoungPersonMerge.objects.filter(Q(kept__in=people) | Q(merged__in=people))
    about |= _about(YoungPersonMerge, merges.values_list("pk", flat=True))
    return audit_details_erase(events=AuditEvent.objects.filter(about))


def _entity_audit_details_erased(entity: Model, node: Node | None) -> int:
    about = _about(type(entity), [entity.pk])
    if node is not None:
        about |= _about(Link, _links_of(node).values_list("pk", flat=True))
    return audit_details_erase(events=AuditEvent.objects.filter(about))


def young_person_anonymise(*, record_id: int) -> Counts:
    """Clear a young person's details and their case's free text, with every record merged
    into theirs. The rows stay, so referrals, timelines and counts stay whole."""
    people = YoungPerson.objects.filter(Q(pk=record_id) | Q(merged_into_id=record_id))
    ids = list(people.values_list("pk", flat=True))
    counts: Counts = {}
    counts["young people"], snapshots = _cleared(people, YOUNG_PERSON_CLEARED)
    referral_ids = list(Referral.objects.filter(young_person__in=ids).values_list("pk", flat=True))
    files = list(
        InformationRequest.objects.filter(referral__in=referral_ids)
        .exclude(attachment="")
        .values_list("attachment", flat=True)
    )
    for model, path, cleared in CASE_TEXT_CLEARED:
        rows = model._default_manager.filter(**{f"{path}__in": ids})
        touched, erased = _cleared(rows, cleared)
        snapshots += erased
        name = str(model._meta.verbose_name_plural)
        counts[name] = counts.get(name, 0) + touched
    nodes = Node.objects.filter(young_person__in=ids)
    nodes.update(label="Removed record")
    links = Link.every_link.filter(Q(a__in=nodes) | Q(b__in=nodes) | Q(referral__in=referral_ids))
    counts["links"], erased = _cleared(links, LINK_TEXT_CLEARED)
    counts["history snapshots"] = snapshots + erased
    counts["timeline texts"] = _timeline_text_cleared(referral_ids)
    counts["subject access exports"] = exports_erased(
        exports=SubjectAccessExport.objects.filter(young_person__in=ids), delete=False
    )
    counts["audit reasons"] = _case_audit_details_erased(ids, referral_ids, links)
    files_removed_on_commit(files)
    counts["uploaded files"] = len(files)
    return counts


def _timeline_text_cleared(referral_ids: list[int]) -> int:
    """The free text a timeline entry carries (a step's reason, question or review summary,
    a reason given elsewhere) is replaced; the rest of each entry stays. How many texts."""
    table = ReferralEvent._meta.db_table
    cleared = 0
    with connection.cursor() as cursor:
        for key in TIMELINE_TEXT:
            cursor.execute(
                f"UPDATE {table} SET parameters = jsonb_set(parameters, %s, to_jsonb(%s::text))"  # noqa: S608
                " WHERE referral_id = ANY(%s) AND parameters ? %s",
                [[key], REMOVED, referral_ids, key],
            )
            cleared += cursor.rowcount
    return cleared


def _entity(kind: str, record_id: int) -> tuple[Any, Node | None]:
    model: Any = ENTITY_MODELS[ENTITY_KINDS[kind]]
    entity = model.objects.select_for_update().get(pk=record_id)
    return entity, Node.objects.filter(**{ENTITY_KINDS[kind].value: entity}).first()


def entity_anonymise(*, kind: str, record_id: int) -> Counts:
    """Clear an entity's details and the free text of its links; the entity, its node and
    links stay, so disruption and meetings that name it stay whole."""
    entity, node = _entity(kind, record_id)
    cleared = {
        field: value.format(pk=entity.pk) if isinstance(value, str) else value
        for field, value in ENTITY_CLEARED[type(entity)].items()
    }
    _, snapshots = _cleared(type(entity).objects.filter(pk=entity.pk), cleared)
    if node is not None:
        Node.objects.filter(pk=node.pk).update(label="Removed")
    links, erased = _cleared(_links_of(node), LINK_TEXT_CLEARED)
    return {
        str(type(entity)._meta.verbose_name_plural): 1,
        "links": links,
        "history snapshots": snapshots + erased,
        "subject access exports": _exports_erased(entity, delete=False),
        "audit reasons": _entity_audit_details_erased(entity, node),
    }


def _exports_erased(entity: Model, *, delete: bool) -> int:
    """A person of concern's subject access exports (other kinds have none)."""
    if not isinstance(entity, PersonOfConcern):
        return 0
    exports = SubjectAccessExport.objects.filter(person_of_concern=entity)
    return exports_erased(exports=exports, delete=delete)


def entity_delete(*, kind: str, record_id: int) -> Counts:
    """Delete an entity, its node, its links and their alerts. Refused while disruption or a
    meeting's agenda names it: those records must stay whole, so anonymise it instead."""
    entity, node = _entity(kind, record_id)
    links = _links_of(node)
    if node is not None and (
        DisruptionActivity.objects.filter(target=node).exists()
        or AgendaItem.objects.filter(node=node).exists()
    ):
        raise ValidationError(
            "Disruption activity or a MACE meeting's agenda names this record, so it cannot be "
            "deleted: choose to anonymise it."
        )
    audit_reasons = _entity_audit_details_erased(entity, node)
    link_ids = list(links.values_list("pk", flat=True))
    alerts = LinkAlert.objects.filter(Q(link__in=link_ids) | Q(node=node) | Q(matched_node=node))
    counts = {
        "audit reasons": audit_reasons,
        "link alerts": alerts.delete()[0] if node is not None else 0,
    }
    Link.every_link.filter(absorbed_into__in=link_ids).update(absorbed_into=None)
    counts["links"] = Link.every_link.filter(pk__in=link_ids).delete()[0]
    if node is not None:
        node.delete()
    counts["subject access exports"] = _exports_erased(entity, delete=True)
    entity.delete()
    counts[str(type(entity)._meta.verbose_name_plural)] = 1
    # The history of what was deleted, the snapshots its deletion just wrote among them.
    counts["history snapshots"] = audit_history_erase(
        model=Link, ids=link_ids
    ) + audit_history_erase(model=type(entity), ids=[record_id])
    return counts


def minutes_anonymise(*, area: Area, record_id: int) -> Counts:
    """Clear a MACE meeting's minutes and the decisions recorded on its agenda, which name
    the young people and persons of concern discussed, with their history and the reasons
    the audit kept about them. The meeting, its attendance and its agenda stay: the
    chronologies of the cases it discussed point at them."""
    meeting = Meeting.objects.select_for_update().get(pk=record_id, area=area)
    meetings, snapshots = _cleared(Meeting.objects.filter(pk=meeting.pk), {"minutes": REMOVED})
    items = AgendaItem.objects.filter(meeting=meeting)
    item_ids = list(items.values_list("pk", flat=True))
    decisions, erased = _cleared(items.exclude(decision=""), {"decision": REMOVED})
    about = _about(Meeting, [meeting.pk]) | _about(AgendaItem, item_ids)
    return {
        "meeting minutes": meetings,
        "agenda decisions": decisions,
        "history snapshots": snapshots + erased,
        "audit reasons": audit_details_erase(events=AuditEvent.objects.filter(about)),
    }


def library_document_delete(*, area: Area, record_id: int) -> Counts:
    """Delete a document of the strategy library; its file leaves storage after the commit.
    The names of it the audit kept (a download records the file's name) are blanked."""
    document = StrategyDocument.objects.select_for_update().get(pk=record_id, profile__area=area)
    reasons = audit_details_erase(
        events=AuditEvent.objects.filter(_about(StrategyDocument, [document.pk]))
    )
    files = [document.file.name] if document.file else []
    document.delete()
    files_removed_on_commit(files)
    return {"strategy library documents": 1, "uploaded files": len(files), "audit reasons": reasons}


def national_return_delete(*, area: Area, record_id: int) -> Counts:
    """Delete a national return and its rows. The file it was imported from is not kept, so
    no file is left to remove."""
    national_return = NationalReturn.objects.select_for_update().get(pk=record_id, area=area)
    rows = national_return.rows.count()
    national_return.delete()  # its rows go with it (on_delete=CASCADE)
    return {"national returns": 1, "national return rows": rows}


def notification_month_delete(*, area: Area, record_id: int) -> Counts:
    """Delete every notification (and so the email it sent) of the area created in the month
    `record_id` names (yyyymm). Nothing points at a notification; no counts read them."""
    start, end = month_span(record_id)
    deleted, _ = Notification.objects.filter(
        area=area, created_at__gte=start, created_at__lt=end
    ).delete()
    return {"notifications and emails": deleted}


Eraser = Callable[[Area, int], Counts]


def _anonymise_entity(kind: str) -> Eraser:
    return lambda area, pk: entity_anonymise(kind=kind, record_id=pk)


def _delete_entity(kind: str) -> Eraser:
    return lambda area, pk: entity_delete(kind=kind, record_id=pk)


ERASERS: dict[tuple[str, str], Eraser] = {
    (RecordKind.YOUNG_PERSON, RetentionAction.ANONYMISE): lambda area, pk: young_person_anonymise(
        record_id=pk
    ),
    **{(kind, RetentionAction.ANONYMISE): _anonymise_entity(kind) for kind in ENTITY_KINDS},
    **{(kind, RetentionAction.DELETE): _delete_entity(kind) for kind in ENTITY_KINDS},
    (RecordKind.MINUTES, RetentionAction.ANONYMISE): lambda area, pk: minutes_anonymise(
        area=area, record_id=pk
    ),
    (RecordKind.LIBRARY_DOCUMENT, RetentionAction.DELETE): lambda area, pk: library_document_delete(
        area=area, record_id=pk
    ),
    (RecordKind.NATIONAL_RETURN, RetentionAction.DELETE): lambda area, pk: national_return_delete(
        area=area, record_id=pk
    ),
    (RecordKind.NOTIFICATION, RetentionAction.DELETE): lambda area, pk: notification_month_delete(
        area=area, record_id=pk
    ),
}


def erase(*, area: Area, kind: str, action: str, record_id: int) -> Counts:
    """Anonymise or delete one record of `area`; the caller's transaction holds it all."""
    return ERASERS[(kind, action)](area, record_id)
