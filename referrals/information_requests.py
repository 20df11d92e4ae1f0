"""Information requests: what a coordinator asks an agency, and that agency's answer.

The `request_information` workflow step writes the request. The agency answers through its
safeguarding leads in the referral's area, or the lead professional named for the agency on
the referral. They may have no other access to the case, so what they read is a projection
(`Asked`): the reference, the question, the young person's name and date of birth, and the
lawful basis recorded for sharing them; never the rest of the case. Those who see the case in
full (`referral_full_q`) read the same projection of the requests they asked, and the case
page shows them beside the plan.

Every read is recorded as a VIEW; an answer or a refusal is one transaction with its timeline
event, its audit record and the notification to whoever asked, delivered on commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from agencies.models import Area, Membership, Role, User
from agencies.selectors import acting_membership, active_memberships
from audit.models import AuditAction
from audit.services import audit_record, audit_record_views
from reports.profiles import check_document

from . import events
from .models import (
    InformationRequest,
    InformationRequestStatus,
    LawfulBasis,
    Referral,
    ReferralAssignment,
)
from .selectors import granting_membership, referral_full_q, unrestricted_q
from .signals import information_request_answered

ANSWER_MAX_LENGTH = 10_000
REASON_MAX_LENGTH = 2_000

# What the answering agency reads: nothing else of the case.
_FIELDS = (
    "pk",
    "status",
    "question",
    "due_on",
    "requested_at",
    "answer",
    "attachment_name",
    "declined_reason",
    "answered_at",
    "agency_id",
    "agency__name",
    "referral_id",
    "referral__reference",
    "referral__area_id",
    "referral__lawful_basis",
    "referral__young_person__given_name",
    "referral__young_person__family_name",
    "referral__young_person__date_of_birth",
    "requested_by__first_name",
    "requested_by__last_name",
    "requested_by__username",
    "answered_by__first_name",
    "answered_by__last_name",
    "answered_by__username",
)


@dataclass(frozen=True)
class Asked:
    """One information request, as both the asking and the asked read it."""

    pk: int
    status: str
    question: str
    due_on: date
    requested_at: datetime
    requested_by: str
    agency_id: int
    agency: str
    reference: str
    area_id: int
    referral_id: int
    young_person: str
    date_of_birth: date | None
    lawful_basis: str
    answer: str
    attachment_name: str
    declined_reason: str
    answered_by: str
    answered_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == InformationRequestStatus.OPEN

    @property
    def status_label(self) -> str:
        return str(InformationRequestStatus(self.status).label)

    def overdue(self, today: date) -> bool:
        return self.is_open and self.due_on < today


def _name(row: dict[str, Any], prefix: str) -> str:
    full = f"{row[f'{prefix}__first_name']} {row[f'{prefix}__last_name']}".strip()
    return full or (row[f"{prefix}__username"] or "")


def to_asked(row: dict[str, Any]) -> Asked:
    """One row of `asked_values` as the page or the API shows it."""
    basis = row["referral__lawful_basis"]
    return Asked(
        pk=row["pk"],
        status=row["status"],
        question=row["question"],
        due_on=row["due_on"],
        requested_at=row["requested_at"],
        requested_by=_name(row, "requested_by"),
        agency_id=row["agency_id"],
        agency=row["agency__name"],
        reference=row["referral__reference"],
        area_id=row["referral__area_id"],
        referral_id=row["referral_id"],
        young_person=(
            f"{row['referral__young_person__given_name']} "
            f"{row['referral__young_person__family_name']}"
        ).strip(),
        date_of_birth=row["referral__young_person__date_of_birth"],
        lawful_basis=str(LawfulBasis(basis).label) if basis in LawfulBasis.values else "",
        answer=row["answer"],
        attachment_name=row["attachment_name"],
        declined_reason=row["declined_reason"],
        answered_by=_name(row, "answered_by") if row["answered_by__username"] else "",
        answered_at=row["answered_at"],
    )


def asked_values(rows: QuerySet[InformationRequest]) -> QuerySet[Any]:
    """The fields of `rows` a page or the API may show (one query, however it is sliced)."""
    return rows.values(*_FIELDS)


def asked(rows: QuerySet[InformationRequest]) -> list[Asked]:
    return [to_asked(row) for row in asked_values(rows)]


# --- who may read and answer --------------------------------------------------------------------


def _named_for_agency(user: Any) -> QuerySet[ReferralAssignment]:
    return ReferralAssignment.objects.filter(
        referral_id=OuterRef("referral_id"),
        agency_id=OuterRef("agency_id"),
        ended_at__isnull=True,
        lead_professional_id=user.pk,
    )


def _asked_of_q(user: Any) -> Q:
    """Requests the user answers for their agency: as its safeguarding lead in the referral's
    area, or as the lead professional named for it on the referral."""
    asked_of = Q(pk__in=[])
    for membership in active_memberships(user=user):
        place = Q(agency_id=membership.agency_id, referral__area_id=membership.area_id)
        if membership.role == Role.AGENCY_SAFEGUARDING_LEAD:
            asked_of |= place
        elif membership.role == Role.LEAD_PROFESSIONAL:
            asked_of |= place & Q(Exists(_named_for_agency(user)))
    # A restricted record is the coordinators' alone: nothing of it is asked of anyone.
    return asked_of & unrestricted_q(young_person="referral__young_person")


def answering_membership(
    *, user: Any, information_request: InformationRequest
) -> Membership | None:
    """The membership through which `user` answers the request, if any."""
    referral = information_request.referral
    named = ReferralAssignment.objects.filter(
        referral=referral,
        agency_id=information_request.agency_id,
        ended_at__isnull=True,
        lead_professional_id=user.pk,
    )
    for membership in active_memberships(user=user):
        if (membership.agency_id, membership.area_id) != (
            information_request.agency_id,
            referral.area_id,
        ):
            continue
        if membership.role == Role.AGENCY_SAFEGUARDING_LEAD:
            return membership
        if membership.role == Role.LEAD_PROFESSIONAL and named.exists():
            return membership
    return None


def _readable_q(user: Any) -> Q:
    """Asked of the user's agency, or on a referral they see in full."""
    if not active_memberships(user=user):
        return Q(pk__in=[])
    full = Referral.objects.filter(referral_full_q(user=user))
    return _asked_of_q(user) | Q(referral__in=full)


def information_requests_asked_of(*, user: Any) -> QuerySet[InformationRequest]:
    """The open requests the user answers for their agency, soonest due first (their work)."""
    if not active_memberships(user=user):
        return InformationRequest.objects.none()
    return InformationRequest.objects.filter(
        _asked_of_q(user), status=InformationRequestStatus.OPEN
    ).order_by("due_on", "id")


class Direction:
    OF_ME = "of_me"
    BY_ME = "by_me"


def information_request_list(*, user: Any, direction: str = "") -> QuerySet[InformationRequest]:
    """The user's requests both ways, newest first: asked of their agency, and asked by them
    (on referrals they still see in full). `direction` keeps one way."""
    if not active_memberships(user=user):
        return InformationRequest.objects.none()
    of_me = _asked_of_q(user)
    by_me = Q(
        requested_by_id=user.pk,
        referral__in=Referral.objects.filter(referral_full_q(user=user)),
    )
    chosen = {Direction.OF_ME: of_me, Direction.BY_ME: by_me}.get(direction, of_me | by_me)
    return InformationRequest.objects.filter(chosen).order_by("-requested_at", "-id")


def information_request_get(*, user: Any, pk: int) -> InformationRequest:
    """One request the user may read; 404 outside their scope, as for an unknown one."""
    found = (
        InformationRequest.objects.filter(_readable_q(user), pk=pk)
        .select_related("referral", "agency")
        .first()
    )
    if found is None:
        raise Http404("No such information request")
    return found


def information_request_open(*, user: Any, pk: int, request: Any = None) -> Asked:
    """One request to show, recorded as seen through the membership that lets the user see it."""
    found = information_request_get(user=user, pk=pk)
    membership = answering_membership(user=user, information_request=found) or granting_membership(
        user=user, referral=found.referral
    )
    audit_record_views(
        actor=user,
        membership=membership,
        targets=[found],
        area=None,
        request=request,
    )
    [shown] = asked(InformationRequest.objects.filter(pk=found.pk))
    return shown


def information_requests_seen(*, actor: Any, shown: Sequence[Asked], request: Any = None) -> None:
    """Record that `actor` was shown each of these requests (one page of a list)."""
    if not shown:
        return
    by_area: dict[int, list[InformationRequest]] = defaultdict(list)
    for row in shown:
        # The target names the request; its area is given, so nothing is read for it.
        by_area[row.area_id].append(InformationRequest(pk=row.pk))
    membership = acting_membership(user=actor)
    for area_id, targets in by_area.items():
        audit_record_views(
            actor=actor,
            membership=membership if membership and membership.area_id == area_id else None,
            targets=targets,
            area=Area(pk=area_id),  # its id is all the record needs
            request=request,
        )


def may_answer(*, user: Any, information_request: InformationRequest) -> bool:
    return (
        information_request.status == InformationRequestStatus.OPEN
        and answering_membership(user=user, information_request=information_request) is not None
    )


def information_request_answerers(
    *, requests: Sequence[InformationRequest]
) -> dict[int, list[User]]:
    """Who answers each request (by its id): the agency's safeguarding leads in the referral's
    area, and the lead professional named for the agency on the referral while they still work
    there as one. Two queries whatever the number of requests."""
    places = {(r.agency_id, r.referral.area_id) for r in requests}
    if not places:
        return {}
    place_q = Q(pk__in=[])
    for agency_id, area_id in places:
        place_q |= Q(agency_id=agency_id, area_id=area_id)
    memberships = (
        Membership.objects.filter(
            place_q,
            role__in=[Role.AGENCY_SAFEGUARDING_LEAD, Role.LEAD_PROFESSIONAL],
            is_active=True,
            user__is_active=True,
        )
        .exclude(agency__is_active=False)
        .select_related("user")
    )
    leads: dict[tuple[int, int], dict[int, User]] = defaultdict(dict)
    lead_professionals: dict[tuple[int, int], dict[int, User]] = defaultdict(dict)
    for m in memberships:
        place = (m.agency_id or 0, m.area_id or 0)
        chosen = leads if m.role == Role.AGENCY_SAFEGUARDING_LEAD else lead_professionals
        chosen[place][m.user_id] = m.user
    named = {
        (a.referral_id, a.agency_id): a.lead_professional_id
        for a in ReferralAssignment.objects.filter(
            referral_id__in={r.referral_id for r in requests},
            ended_at__isnull=True,
            lead_professional__isnull=False,
        )
    }
    answerers: dict[int, list[User]] = {}
    for r in requests:
        place = (r.agency_id, r.referral.area_id)
        people = dict(leads[place])
        named_pk = named.get((r.referral_id, r.agency_id))
        if named_pk in lead_professionals[place]:
            people[named_pk] = lead_professionals[place][named_pk]
        answerers[r.pk] = [people[pk] for pk in sorted(people)]
    return answerers


# --- answering ------------------------------------------------------------------------------


class InformationRequestClosed(ValidationError):
    """The request was answered or declined already (perhaps by a colleague just now)."""

    def __init__(self, status: str) -> None:
        label = InformationRequestStatus(status).label.lower()
        super().__init__(f"This request has already been {label}.")
        self.status = status


def _text(value: str, field: str, *, missing: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise ValidationError({field: missing})
    if len(text) > limit:
        raise ValidationError({field: f"Enter {limit:,} characters or fewer"})
    return text


def _check_attachment(upload: UploadedFile | None) -> None:
    """Checked as library documents are: a PDF, DOCX, ODT or TXT within the size cap."""
    if upload is None:
        return
    try:
        check_document(upload)
    except ValidationError as exc:
        raise ValidationError({"attachment": exc.message_dict["file"]}) from exc


def _respond(
    *,
    information_request: InformationRequest,
    actor: Any,
    status: InformationRequestStatus,
    changes: dict[str, Any],
    upload: UploadedFile | None = None,
) -> InformationRequest:
    membership = answering_membership(user=actor, information_request=information_request)
    if membership is None:
        raise PermissionDenied("Only the agency asked may answer this request.")
    with transaction.atomic():  # not durable: an API retry record commits with it
        locked = (
            InformationRequest.objects.select_for_update(of=("self",))
            .select_related("referral__area")
            .get(pk=information_request.pk)
        )
        if locked.status != InformationRequestStatus.OPEN:
            raise InformationRequestClosed(locked.status)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.status, locked.answered_by, locked.answered_at = status, actor, timezone.now()
        if upload is not None:
            locked.attachment_name = PurePath(upload.name or "attachment").name[:200]
            locked.attachment.save(locked.attachment_name, upload, save=False)
        locked.save()
        event = (
            events.information_provided_event(information_request=locked, actor=actor)
            if status == InformationRequestStatus.ANSWERED
            else events.information_declined_event(information_request=locked, actor=actor)
        )
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            area=locked.referral.area,
            details={
                "referral": locked.referral.reference,
                "event": event.event_type,
                "attachment": bool(locked.attachment_name),
            },
        )
        information_request_answered.send(
            sender=InformationRequest, information_request=locked, actor=actor
        )
    return locked


def information_request_answer(
    *,
    information_request: InformationRequest,
    actor: Any,
    answer: str,
    attachment: UploadedFile | None = None,
) -> InformationRequest:
    """Answer for the agency asked, once, with an optional document."""
    text = _text(answer, "answer", missing="Enter the information", limit=ANSWER_MAX_LENGTH)
    _check_attachment(attachment)
    return _respond(
        information_request=information_request,
        actor=actor,
        status=InformationRequestStatus.ANSWERED,
        changes={"answer": text},
        upload=attachment,
    )


def information_request_decline(
    *, information_request: InformationRequest, actor: Any, reason: str
) -> InformationRequest:
    """Decline for the agency asked, once, saying why (nothing held, no lawful basis...)."""
    text = _text(reason, "reason", missing="Enter why you cannot answer", limit=REASON_MAX_LENGTH)
    return _respond(
        information_request=information_request,
        actor=actor,
        status=InformationRequestStatus.DECLINED,
        changes={"declined_reason": text},
    )


def information_request_attachment(
    *, user: Any, pk: int, request: Any = None
) -> InformationRequest:
    """The request whose attachment is downloaded; the download is recorded."""
    found = information_request_get(user=user, pk=pk)
    if not found.attachment_name:
        raise Http404("No attachment")
    membership = answering_membership(user=user, information_request=found) or granting_membership(
        user=user, referral=found.referral
    )
    audit_record(
        action=AuditAction.VIEW,
        actor=user,
        membership=membership,
        target=found,
        area=None,
        request=request,
        details={"download": True},
        content={"document": found.attachment_name},  # a file's name may name the child
    )
    return found
