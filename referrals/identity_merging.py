"""Merging two records of one young person in an area, and undoing it.

A coordinator finds two established records are the same young person: every referral and
network link of the record merged moves to the record kept (a link the kept record already has
is absorbed into it, so it shows once), and the meeting agenda items naming those referrals go
with them; the merged record stays (never deleted), marked as merged into the kept one, so
searches and pickers show one person. What moved is recorded by id (YoungPersonMerge), so an
undo within the area's `merge_undo_days` puts back exactly that and nothing added since."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.formats import date_format

from agencies.models import Membership, Role, User
from agencies.selectors import active_memberships
from audit.models import AuditAction
from audit.services import audit_record
from disruption.models import AgendaItem, Link, Node
from disruption.services import node_for

from . import events
from .models import Referral, YoungPerson, YoungPersonMerge

REASON_CAP = 2000
REASON_REQUIRED = "Enter why these records are the same young person"
UNDO_REASON_REQUIRED = "Enter why the merge is being undone"


def _coordinator_of(*, actor: User, area_id: int) -> Membership:
    for membership in active_memberships(user=actor):
        if membership.role == Role.COORDINATOR and membership.area_id == area_id:
            return membership
    raise PermissionDenied("Only a coordinator of the young person's area may merge records.")


def _reason(text: str, *, field: str, required: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({field: required})
    if len(text) > REASON_CAP:
        raise ValidationError({field: f"Enter a reason of {REASON_CAP} characters or fewer"})
    return text


def _node_of(person: YoungPerson) -> Node | None:
    return Node.objects.filter(young_person=person).first()


def _repoint(link: Link, *, old: int, new: int) -> tuple[int, int]:
    """The link's pair of nodes with `old` replaced by `new`, lower id first."""
    ends = [new if end == old else end for end in (link.a_id, link.b_id)]
    return min(ends), max(ends)


@dataclass(frozen=True)
class MovedLinks:
    moved: list[int]  # every link that moved to the kept record, absorbed ones included
    absorbed: list[int]  # those that repeated a link of the kept record


def _move_links(*, source: Node | None, target: YoungPerson) -> MovedLinks:
    """Move the links of `source` to `target`'s node (made if it has none). A link that
    repeats one the target already has (same other end, referral and nature) moves too,
    absorbed into that one, so the kept record shows each link once. A link between the two
    records themselves stays where it is."""
    if source is None:
        return MovedLinks([], [])
    node = node_for(target)
    moved, absorbed = [], []
    links = Link.every_link.select_for_update().filter(Q(a=source) | Q(b=source))
    for link in links.filter(absorbed_into=None).order_by("pk"):
        a, b = _repoint(link, old=source.pk, new=node.pk)
        if a == b:
            continue
        same_referral = Q(referral_id=link.referral_id) if link.referral_id else Q(referral=None)
        repeated = Link.objects.filter(same_referral, a_id=a, b_id=b, nature=link.nature).first()
        link.a_id, link.b_id = a, b
        link.absorbed_into = repeated
        link.save(update_fields=["a", "b", "absorbed_into"])
        moved.append(link.pk)
        if repeated is not None:
            absorbed.append(link.pk)
    return MovedLinks(moved, absorbed)


def _restore_links(*, merge: YoungPersonMerge, kept: YoungPerson, merged: YoungPerson) -> None:
    """Put the links that moved back on the merged record, absorbed ones on their own again."""
    kept_node, merged_node = _node_of(kept), _node_of(merged)
    if kept_node is None or merged_node is None:
        return
    links = Link.every_link.select_for_update().filter(pk__in=merge.moved_links)
    for link in links.order_by("pk"):
        link.a_id, link.b_id = _repoint(link, old=kept_node.pk, new=merged_node.pk)
        if link.pk in merge.absorbed_links:
            link.absorbed_into = None
        link.save(update_fields=["a", "b", "absorbed_into"])


def _agenda_items_of(referrals: list[int]) -> list[int]:
    """The agenda items naming these referrals: they follow the referrals to the record they
    move to, and are named in the audit record and on the timeline."""
    return list(
        AgendaItem.objects.filter(referral_id__in=referrals)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _counts(merge: YoungPersonMerge, agenda_items: list[int]) -> dict[str, int]:
    """How many of each kind of row moved, as the timeline says it."""
    return {
        "links_moved": len(merge.moved_links),
        "links_absorbed": len(merge.absorbed_links),
        "agenda_items": len(agenda_items),
    }


def _lock_people(*people: YoungPerson) -> list[YoungPerson]:
    """Lock the records in primary-key order; returned in the order asked."""
    locked = {
        p.pk: p
        for p in YoungPerson.objects.select_for_update()
        .filter(pk__in=[p.pk for p in people])
        .order_by("pk")
    }
    return [locked[p.pk] for p in people]


def young_person_merge(
    *,
    actor: User,
    kept: YoungPerson,
    merged: YoungPerson,
    reason: str,
    request: HttpRequest | None = None,
) -> YoungPersonMerge:
    """Merge `merged` into `kept`: both of one area, neither merged away already. One
    transaction: the referrals and links move, each moved referral's timeline says so, and
    the audit record carries the reason."""
    membership = _coordinator_of(actor=actor, area_id=kept.area_id)
    if merged.area_id != kept.area_id:
        raise Http404("No such young person in this area")
    if merged.pk == kept.pk:
        raise ValidationError({"other": "Choose a different record from the one kept"})
    reason = _reason(reason, field="reason", required=REASON_REQUIRED)
    with transaction.atomic(durable=True):
        kept, merged = _lock_people(kept, merged)
        if kept.merged_into_id or merged.merged_into_id:
            raise ValidationError(
                {"other": "One of these records is already merged into another: start again"}
            )
        moved_referrals = list(
            Referral.objects.select_for_update()
            .filter(young_person=merged)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Referral.objects.filter(pk__in=moved_referrals).update(young_person=kept)
        links = _move_links(source=_node_of(merged), target=kept)
        merged.merged_into = kept
        merged.save(update_fields=["merged_into"])
        merge = YoungPersonMerge.objects.create(
            area_id=kept.area_id,
            kept=kept,
            merged=merged,
            reason=reason,
            merged_by=actor,
            moved_referrals=moved_referrals,
            moved_links=links.moved,
            absorbed_links=links.absorbed,
        )
        agenda_items = _agenda_items_of(moved_referrals)
        counts = _counts(merge, agenda_items)
        for referral in Referral.objects.filter(pk__in=moved_referrals).order_by("pk"):
            events.young_person_merged_event(
                referral=referral,
                kept=kept,
                merged=merged,
                reason=reason,
                actor=actor,
                moved=counts,
            )
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=merged,
            request=request,
            reason=reason,
            details={
                "merged_into": kept.pk,
                "merge": merge.pk,
                "referrals_moved": moved_referrals,
                "links_moved": links.moved,
                "links_absorbed": links.absorbed,
                "agenda_items_moved": agenda_items,
            },
        )
    return merge


def young_person_unmerge(
    *, actor: User, merge: YoungPersonMerge, reason: str, request: HttpRequest | None = None
) -> YoungPersonMerge:
    """Undo a merge within the area's period: the referrals and links that moved (and only
    those) go back to the merged record, which stands on its own again."""
    membership = _coordinator_of(actor=actor, area_id=merge.area_id)
    reason = _reason(reason, field="reason", required=UNDO_REASON_REQUIRED)
    with transaction.atomic(durable=True):
        merge = YoungPersonMerge.objects.select_for_update().select_related("area").get(pk=merge.pk)
        if merge.undone_at is not None:
            raise ValidationError({"reason": "This merge has already been undone"})
        until = merge.undo_until()
        if timezone.now() > until:
            days = merge.area.merge_undo_days
            raise ValidationError(
                {
                    "reason": f"This merge can no longer be undone: {merge.area} allows "
                    f"{days} days, which ended on {date_format(until, 'j F Y')}. Correct the "
                    "records instead."
                }
            )
        kept, merged = _lock_people(merge.kept, merge.merged)
        restored = list(
            Referral.objects.select_for_update()
            .filter(pk__in=merge.moved_referrals, young_person=kept)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Referral.objects.filter(pk__in=restored).update(young_person=merged)
        _restore_links(merge=merge, kept=kept, merged=merged)
        merged.merged_into = None
        merged.save(update_fields=["merged_into"])
        merge.undone_at, merge.undone_by, merge.undo_reason = timezone.now(), actor, reason
        merge.save(update_fields=["undone_at", "undone_by", "undo_reason"])
        agenda_items = _agenda_items_of(restored)
        counts = _counts(merge, agenda_items)
        for referral in Referral.objects.filter(pk__in=restored).order_by("pk"):
            events.young_person_unmerged_event(
                referral=referral,
                kept=kept,
                merged=merged,
                reason=reason,
                actor=actor,
                moved=counts,
            )
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=merged,
            request=request,
            reason=reason,
            details={
                "merged_into": None,
                "merge_undone": merge.pk,
                "referrals_restored": restored,
                "links_restored": merge.moved_links,
                "links_no_longer_absorbed": merge.absorbed_links,
                "agenda_items_restored": agenda_items,
            },
        )
    return merge
