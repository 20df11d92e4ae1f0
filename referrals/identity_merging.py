"""Merging two records of one young person in an area, and undoing it.

A coordinator finds two established records are the same young person: every referral and
network link of the record merged moves to the record kept; the merged record stays (never
deleted), marked as merged into the kept one, so searches and pickers show one person. What
moved is recorded by id (YoungPersonMerge), so an undo within the area's `merge_undo_days`
puts back exactly that and nothing added since."""

from __future__ import annotations

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
from disruption.models import Link, Node

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


def _move_links(*, source: Node | None, target: Node | None) -> list[int]:
    """Move the links of `source` to `target`; the ids of those moved. A link that would join
    the node to itself, or repeat one the target already has, stays where it is."""
    if source is None or target is None:
        return []
    moved = []
    links = Link.objects.select_for_update().filter(Q(a=source) | Q(b=source)).order_by("pk")
    for link in links:
        a, b = _repoint(link, old=source.pk, new=target.pk)
        same_referral = Q(referral_id=link.referral_id) if link.referral_id else Q(referral=None)
        repeated = Link.objects.filter(same_referral, a_id=a, b_id=b, nature=link.nature).exists()
        if a == b or repeated:
            continue
        link.a_id, link.b_id = a, b
        link.save(update_fields=["a", "b"])
        moved.append(link.pk)
    return moved


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
        moved_links = _move_links(source=_node_of(merged), target=_node_of(kept))
        merged.merged_into = kept
        merged.save(update_fields=["merged_into"])
        merge = YoungPersonMerge.objects.create(
            area_id=kept.area_id,
            kept=kept,
            merged=merged,
            reason=reason,
            merged_by=actor,
            moved_referrals=moved_referrals,
            moved_links=moved_links,
        )
        for referral in Referral.objects.filter(pk__in=moved_referrals).order_by("pk"):
            events.young_person_merged_event(
                referral=referral, kept=kept, merged=merged, reason=reason, actor=actor
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
                "links_moved": moved_links,
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
        kept_node, merged_node = _node_of(kept), _node_of(merged)
        if kept_node is not None and merged_node is not None:
            links = Link.objects.select_for_update().filter(pk__in=merge.moved_links)
            for link in links.order_by("pk"):
                link.a_id, link.b_id = _repoint(link, old=kept_node.pk, new=merged_node.pk)
                link.save(update_fields=["a", "b"])
        merged.merged_into = None
        merged.save(update_fields=["merged_into"])
        merge.undone_at, merge.undone_by, merge.undo_reason = timezone.now(), actor, reason
        merge.save(update_fields=["undone_at", "undone_by", "undo_reason"])
        for referral in Referral.objects.filter(pk__in=restored).order_by("pk"):
            events.young_person_unmerged_event(
                referral=referral, kept=kept, merged=merged, reason=reason, actor=actor
            )
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=merged,
            request=request,
            reason=reason,
            details={"merged_into": None, "merge_undone": merge.pk, "referrals_restored": restored},
        )
    return merge
