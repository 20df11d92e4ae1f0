"""Writes for MACE meetings: scheduling, the agenda (proposed from the area's records, or
added by hand), the decisions on each item and the minutes. Each write is one transaction with
its audit record; a decision on a referral is also the referral's review, taken through the
referral workflow so it writes the same timeline event and audit record as any review."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Max, Q, When
from django.utils import timezone

from agencies.dates import DUE_DATE, check_dates
from agencies.models import Agency, Area, Membership, Role
from agencies.selectors import membership_in
from audit.models import AuditAction
from audit.services import audit_record, audit_record_views
from referrals.casework import action_add
from referrals.models import (
    OPEN_STATES,
    ProtectiveActionType,
    Referral,
    ReferralState,
    RiskLevel,
)
from referrals.workflow import lock_referral, referral_step_on_locked

from .activity_selectors import activities_expiring
from .activity_services import disruption_activity_add
from .meeting_selectors import (
    agenda_for,
    area_working_memberships,
    meeting_get,
    meeting_membership,
)
from .models import (
    AgendaItem,
    AgendaReason,
    DisruptionActivity,
    LinkAlert,
    Meeting,
    MeetingStatus,
    Node,
    NodeKind,
)

# What a meeting reviews besides young people's referrals (MACE: perpetrators and places).
AGENDA_KINDS = (NodeKind.PERSON, NodeKind.LOCATION)
# The order reasons are listed in, and so the order of the agenda: referrals at high risk,
# then referrals due a review, then persons of concern, then locations.
REASON_PRIORITY = (
    AgendaReason.HIGH_RISK,
    AgendaReason.REVIEW_DUE,
    AgendaReason.LINK_ALERT,
    AgendaReason.DISRUPTION_EXPIRING,
    AgendaReason.ADDED,
)


def _coordinating(*, actor: Any, area_id: int, doing: str) -> Membership:
    membership = membership_in(user=actor, area_id=area_id, roles=[Role.COORDINATOR])
    if membership is None:
        raise PermissionDenied(f"Only the area's coordinators {doing}.")
    return membership


def meeting_schedule(
    *,
    actor: Any,
    area: Area,
    held_at: datetime,
    chair: Any,
    place: str = "",
    agencies: Iterable[Agency] = (),
    attendees: Iterable[Any] = (),
    request: Any = None,
) -> Meeting:
    """Schedule a MACE meeting of `area`, chaired by one of its coordinators, with the agencies
    taking part and the people invited (who will read its minutes)."""
    membership = _coordinating(actor=actor, area_id=area.pk, doing="schedule MACE meetings")
    agencies, attendees = list(agencies), list(attendees)
    working = area_working_memberships(area_id=area.pk)
    errors: dict[str, str] = {}
    if not working.filter(user_id=chair.pk, role=Role.COORDINATOR).exists():
        errors["chair"] = "Choose a coordinator of the area to chair the meeting"
    present = set(working.values_list("user_id", flat=True))
    if any(person.pk not in present for person in attendees):
        errors["attendees"] = "Choose attendees from the people working in this area"
    serving = set(Agency.objects.filter(areas=area, is_active=True).values_list("pk", flat=True))
    if any(agency.pk not in serving for agency in agencies):
        errors["agencies"] = "Choose agencies that serve this area"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():  # not durable: an API retry record commits with it
        meeting = Meeting.objects.create(
            area=area, held_at=held_at, place=place.strip(), chair=chair, created_by=actor
        )
        meeting.agencies.set(agencies)
        meeting.attendees.set(attendees)
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            membership=membership,
            target=meeting,
            area=area,
            request=request,
            details={
                "held_at": held_at.isoformat(),
                "chair": chair.pk,
                "attendees": sorted(p.pk for p in attendees),
                "agencies": sorted(a.pk for a in agencies),
            },
        )
    return meeting


def meeting_day(meeting: Meeting) -> date:
    return timezone.localdate(meeting.held_at)


def previous_held_meeting(meeting: Meeting) -> Meeting | None:
    """The area's last meeting held before this one: its agenda saw the alerts until then."""
    return (
        Meeting.objects.filter(
            area_id=meeting.area_id, status=MeetingStatus.HELD, held_at__lt=meeting.held_at
        )
        .exclude(pk=meeting.pk)
        .order_by("-held_at", "-id")
        .first()
    )


def _referral_subjects(meeting: Meeting) -> list[tuple[Referral, list[AgendaReason]]]:
    """Open referrals at high risk, then those whose review falls due by the meeting day."""
    day = meeting_day(meeting)
    found = Referral.objects.filter(
        Q(risk_level=RiskLevel.HIGH) | Q(next_review_due_on__lte=day),
        area_id=meeting.area_id,
        state__in=OPEN_STATES,
        submitted_at__isnull=False,
    )
    subjects = []
    for referral in found:
        reasons = []
        if referral.risk_level == RiskLevel.HIGH:
            reasons.append(AgendaReason.HIGH_RISK)
        if referral.next_review_due_on is not None and referral.next_review_due_on <= day:
            reasons.append(AgendaReason.REVIEW_DUE)
        subjects.append((referral, reasons))
    return sorted(
        subjects,
        key=lambda pair: (
            REASON_PRIORITY.index(pair[1][0]),
            pair[0].next_review_due_on or date.max,
            pair[0].reference,
        ),
    )


def _entity_subjects(meeting: Meeting) -> list[tuple[Node, list[AgendaReason]]]:
    """Persons of concern and locations named in the area's link alerts raised since the
    previous meeting held, and targets of disruption activity expiring soon after this one."""
    alerts = LinkAlert.objects.filter(
        area_id=meeting.area_id, police_agency__isnull=True, created_at__lt=meeting.held_at
    )
    previous = previous_held_meeting(meeting)
    if previous is not None:
        alerts = alerts.filter(created_at__gt=previous.held_at)
    alerted = {pk for pair in alerts.values_list("node_id", "matched_node_id") for pk in pair}
    expiring = set(
        activities_expiring(area_ids=[meeting.area_id], today=meeting_day(meeting)).values_list(
            "target_id", flat=True
        )
    )
    nodes = (
        Node.objects.filter(
            pk__in=(alerted | expiring) - {None},
            area_id=meeting.area_id,
            kind__in=AGENDA_KINDS,
        )
        .annotate(group=Case(When(kind=NodeKind.PERSON, then=0), default=1))
        .order_by("group", "label", "id")
    )
    return [
        (
            node,
            [
                reason
                for reason, found in (
                    (AgendaReason.LINK_ALERT, node.pk in alerted),
                    (AgendaReason.DISRUPTION_EXPIRING, node.pk in expiring),
                )
                if found
            ],
        )
        for node in nodes
    ]


def _open_agenda(meeting: Meeting) -> Meeting:
    """The meeting row locked; its agenda is closed once the meeting is held."""
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.status == MeetingStatus.HELD:
        raise ValidationError("The meeting has been held: its agenda is closed.")
    return locked


def meeting_propose_agenda(
    *, meeting: Meeting, actor: Any, request: Any = None
) -> list[AgendaItem]:
    """Put on the agenda every subject the area's records say the meeting should review, each
    with its reasons. A subject already on the agenda is not added again; a reason newly
    found for it is added to its reasons. Returns the items added."""
    membership = _coordinating(
        actor=actor, area_id=meeting.area_id, doing="propose a meeting's agenda"
    )
    with transaction.atomic(durable=True):
        locked = _open_agenda(meeting)
        existing = {
            (item.referral_id, item.node_id): item
            for item in AgendaItem.objects.select_for_update().filter(meeting=locked)
        }
        position = max((item.position for item in existing.values()), default=0)
        found: list[tuple[tuple[int | None, int | None], list[AgendaReason]]] = [
            ((referral.pk, None), reasons) for referral, reasons in _referral_subjects(locked)
        ] + [((None, node.pk), reasons) for node, reasons in _entity_subjects(locked)]
        added: list[AgendaItem] = []
        widened: list[AgendaItem] = []
        for (referral_id, node_id), reasons in found:
            item = existing.get((referral_id, node_id))
            if item is None:
                position += 1
                added.append(
                    AgendaItem.objects.create(
                        meeting=locked,
                        referral_id=referral_id,
                        node_id=node_id,
                        reason=reasons[0],
                        reasons=reasons,
                        position=position,
                    )
                )
                continue
            new = [reason for reason in reasons if reason not in item.reasons]
            if new:
                item.reasons = [*item.reasons, *new]
                item.save(update_fields=["reasons"])
                widened.append(item)
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            area=locked.area,
            request=request,
            details={
                "agenda_proposed": [item.pk for item in added],
                "reasons_added": [item.pk for item in widened],
            },
        )
    return added


def agenda_item_add(
    *,
    meeting: Meeting,
    actor: Any,
    referral: Referral | None = None,
    node: Node | None = None,
    request: Any = None,
) -> AgendaItem:
    """The chair (or another coordinator of the area) puts an open referral, a person of
    concern or a location of the area on the agenda by hand."""
    membership = _coordinating(
        actor=actor, area_id=meeting.area_id, doing="add to a meeting's agenda"
    )
    if (referral is None) == (node is None):
        raise ValueError("an agenda item is about a referral or an entity, not both")
    if referral is not None and (
        referral.area_id != meeting.area_id
        or referral.submitted_at is None
        or referral.state not in OPEN_STATES
    ):
        raise ValidationError({"referral": "Choose an open referral of this area"})
    if node is not None and (node.area_id != meeting.area_id or node.kind not in AGENDA_KINDS):
        raise ValidationError({"node": "Choose a person of concern or a location of this area"})
    with transaction.atomic():  # not durable: an API retry record commits with it
        locked = _open_agenda(meeting)
        items = AgendaItem.objects.filter(meeting=locked)
        already = items.filter(referral=referral) if referral else items.filter(node=node)
        if already.exists():
            raise ValidationError("That is already on the agenda.")
        last = items.aggregate(last=Max("position"))["last"] or 0
        item = AgendaItem.objects.create(
            meeting=locked,
            referral=referral,
            node=node,
            reason=AgendaReason.ADDED,
            reasons=[AgendaReason.ADDED],
            position=last + 1,
        )
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            membership=membership,
            target=item,
            area=locked.area,
            request=request,
            details={"meeting": locked.pk},
        )
    return item


@dataclass(frozen=True)
class ActionInput:
    """A protective action a meeting sets on a referral: what, who owns it, by when."""

    action_type: ProtectiveActionType
    owner: Any
    due_on: date
    detail: str = ""


def _meeting_started(meeting: Meeting) -> None:
    if meeting.held_at > timezone.now():
        raise ValidationError("The meeting has not started yet: record this at or after it.")


def agenda_item_record(
    *,
    item: AgendaItem,
    actor: Any,
    decision: str,
    next_review_on: date | None = None,
    actions: Sequence[ActionInput] = (),
    request: Any = None,
) -> AgendaItem:
    """Record what the meeting decided on one item, once. For a referral with an active plan
    this is its review (the workflow's review step sets its next review date, the area's
    interval when none is given); each action becomes a protective action on the referral,
    linked to the item. All of it, or nothing, is saved."""
    meeting = item.meeting
    membership = _coordinating(
        actor=actor, area_id=meeting.area_id, doing="record a meeting's decisions"
    )
    decision = decision.strip()
    if not decision:
        raise ValidationError({"decision": "Enter what the meeting decided"})
    _meeting_started(meeting)
    if item.referral_id is None and actions:
        raise ValidationError(
            {"actions": "Protective actions are set on a young person's referral"}
        )
    if next_review_on is not None and next_review_on < timezone.localdate():
        raise ValidationError({"next_review_on": "The date must be today or in the future"})
    check_dates(next_review_on=(next_review_on, DUE_DATE))
    with transaction.atomic(durable=True):
        locked = AgendaItem.objects.select_for_update().get(pk=item.pk)
        if locked.decided_at is not None:
            raise ValidationError("The meeting's decision on this item is already recorded.")
        created = []
        if locked.referral_id is not None:
            referral = lock_referral(locked.referral_id)
            if referral.state == ReferralState.ACTIVE:
                inputs = {
                    "summary": decision,
                    "next_review_on": next_review_on.isoformat() if next_review_on else "",
                }
                referral_step_on_locked(
                    referral, actor=actor, name="review", inputs=inputs, request=request
                )
                next_review_on = referral.next_review_due_on
            elif next_review_on is not None:
                raise ValidationError(
                    {
                        "next_review_on": "The referral has no active plan yet: its reviews "
                        "start when a plan is agreed"
                    }
                )
            for number, wanted in enumerate(actions, start=1):
                try:
                    created.append(
                        action_add(
                            referral=referral,
                            actor=actor,
                            action_type=wanted.action_type,
                            owner=wanted.owner,
                            due_on=wanted.due_on,
                            detail=wanted.detail,
                        )
                    )
                except ValidationError as exc:
                    raise ValidationError(
                        {"actions": [f"Action {number}: {message}" for message in exc.messages]}
                    ) from exc
            locked.protective_actions.add(*created)
        locked.decision, locked.next_review_on = decision, next_review_on
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save(update_fields=["decision", "next_review_on", "decided_by", "decided_at"])
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            area=meeting.area,
            request=request,
            details={
                "meeting": meeting.pk,
                "decided": True,
                "next_review_on": next_review_on,
                "protective_actions": [action.pk for action in created],
            },
        )
    return locked


def agenda_item_link_disruption(
    *, item: AgendaItem, activity: DisruptionActivity, actor: Any, request: Any = None
) -> AgendaItem:
    """Name a disruption activity of the area as one the meeting set or reviewed on the item."""
    membership = _coordinating(
        actor=actor, area_id=item.meeting.area_id, doing="record a meeting's decisions"
    )
    with transaction.atomic(durable=True):
        return _item_names_activity(item, activity, actor, membership, request)


def agenda_item_disruption_add(
    *, item: AgendaItem, actor: Any, request: Any = None, **activity: Any
) -> DisruptionActivity:
    """Log a disruption activity the meeting set on the item (`activity`: the arguments of
    `disruption_activity_add`) and name it on the item, in one transaction."""
    membership = _coordinating(
        actor=actor, area_id=item.meeting.area_id, doing="record a meeting's decisions"
    )
    with transaction.atomic(durable=True):
        logged = disruption_activity_add(actor=actor, request=request, **activity)
        _item_names_activity(item, logged, actor, membership, request)
    return logged


def _item_names_activity(
    item: AgendaItem,
    activity: DisruptionActivity,
    actor: Any,
    membership: Membership,
    request: Any,
) -> AgendaItem:
    meeting = item.meeting
    if activity.area_id != meeting.area_id:
        raise ValidationError({"activity": "Choose disruption activity of this area"})
    locked = AgendaItem.objects.select_for_update().get(pk=item.pk)
    locked.disruption_activities.add(activity)
    audit_record(
        action=AuditAction.CHANGE,
        actor=actor,
        membership=membership,
        target=locked,
        area=meeting.area,
        request=request,
        details={"meeting": meeting.pk, "disruption_activity": activity.pk},
    )
    return locked


def meeting_minutes_record(
    *, meeting: Meeting, actor: Any, minutes: str, request: Any = None
) -> Meeting:
    """Record the minutes and mark the meeting held. The chair writes them, or a coordinator
    of the area who attended: minutes are for those who were there, so nobody writes what
    they may not read. A later record replaces them; the field history keeps the earlier."""
    membership = _coordinating(actor=actor, area_id=meeting.area_id, doing="record minutes")
    if meeting.chair_id != actor.pk and not meeting.attendees.filter(pk=actor.pk).exists():
        raise PermissionDenied("Only the chair, or a coordinator who attended, records minutes.")
    minutes = minutes.strip()
    if not minutes:
        raise ValidationError({"minutes": "Enter the minutes"})
    _meeting_started(meeting)
    with transaction.atomic(durable=True):
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        first = locked.status != MeetingStatus.HELD
        locked.minutes, locked.status = minutes, MeetingStatus.HELD
        locked.save(update_fields=["minutes", "status"])
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            area=locked.area,
            request=request,
            details={"minutes": "recorded" if first else "replaced", "status": locked.status},
        )
    return locked


def meeting_open(*, actor: Any, pk: int, request: Any = None) -> tuple[Meeting, list[AgendaItem]]:
    """Read one meeting and the agenda items the actor may see, and record that they saw the
    meeting and each item's subject (the referral, person of concern or location)."""
    with transaction.atomic():
        meeting = meeting_get(user=actor, pk=pk)
        items = agenda_for(user=actor, meeting=meeting)
        audit_record_views(
            actor=actor,
            membership=meeting_membership(user=actor, meeting=meeting),
            targets=[meeting, *(item.subject for item in items)],
            area=meeting.area,
            request=request,
        )
    return meeting, items


def meetings_seen(*, actor: Any, meetings: Sequence[Meeting], request: Any = None) -> None:
    """Record that `actor` was shown each of `meetings` (one page of a list)."""
    if not meetings:
        return
    audit_record_views(
        actor=actor,
        membership=meeting_membership(user=actor, meeting=meetings[0]),
        targets=meetings,
        request=request,
    )
