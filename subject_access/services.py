"""Subject access exports: started by a coordinator of the young person's area, built by a
background job that gathers everything held about them (subject_access.gathering) into a PDF
and a JSON and CSV bundle, downloaded by the area's coordinators, and expired with their files
removed. An export about a person of concern, police intelligence all through, is started by a
coordinator and runs only once a police lead of the area has agreed to it. Starting, agreeing,
downloading and expiring are audited.

Every job ends done or failed, never stuck: a queue that cannot be reached fails it at once,
a fault in the job fails it, and a job still running past its deadline is failed by the timed
job (and whenever it is read)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from agencies.dates import ANY_DATE
from agencies.models import Role, User
from agencies.rules import coordinates_area_of
from agencies.selectors import membership_in
from agencies.storage import files_removed_on_commit
from audit.models import AuditAction
from audit.services import audit_record
from disruption.models import PersonOfConcern
from disruption.selectors import entity_get
from notifications.models import NotificationKind
from notifications.services import notify
from referrals.models import STATE_CONFLICT
from referrals.selectors import young_person_get

from .bundle import Cover, bundle_zip, export_pdf
from .gathering import (
    PERSON_OF_CONCERN_SECTIONS,
    YOUNG_PERSON_SECTIONS,
    Section,
    Subject,
    subject_of,
    suspect_subject_of,
)
from .jobs import fail, fail_overdue
from .models import EXTENSION_REASON_CAP, ExportStatus, SubjectAccessExport
from .selectors import ONLY_COORDINATORS, export_get

logger = logging.getLogger(__name__)

REQUESTER_CAP = 200
# How long an export's files are kept once gathered: long enough to review, redact and send
# within the month, no longer.
KEEP_FOR = timedelta(days=30)
REQUESTER_REMOVED = "Removed under the retention schedule"
WRITING_BUNDLE = "Writing the JSON and CSV bundle"
WRITING_PDF = "Writing the PDF"
# Each kind gathered is a step, then the bundle and the PDF.
STEPS = len(YOUNG_PERSON_SECTIONS) + 2
SUSPECT_STEPS = len(PERSON_OF_CONCERN_SECTIONS) + 2

NOT_QUEUED = (
    "The export could not start because the service that runs background jobs is "
    "unavailable. Start it again in a few minutes."
)
FAULT = (
    "The export stopped because of a fault in the service. Start it again; if this happens "
    "again, tell your service desk."
)
ONLY_COORDINATORS_OF_SUSPECT = (
    "Only the coordinators of the area start subject access exports about a person of concern."
)
ONLY_POLICE_LEADS = "Only a police lead of the area agrees to an export about a person of concern."
NOT_WAITING = "This export is no longer waiting for a police lead to agree"
ONLY_COORDINATORS_EXTEND = "Only the coordinators of the area extend a request's deadline."
ALREADY_EXTENDED = "The deadline has already been extended: it can be extended once"
TOO_LATE_TO_EXTEND = (
    "The first month has passed: the deadline can only be extended within a month of the "
    "request being received"
)
EXTENSION_REASON_MIN = 10
PARTS = ("pdf", "bundle")


def _check_request(*, received_on: date | None, requester: str, today: date) -> tuple[date, str]:
    """The date and the requester's words trimmed, or ValidationError naming what is wrong.
    The date is checked by the project's one date range (agencies.dates)."""
    errors: dict[str, str] = {}
    if received_on is None:
        errors["received_on"] = "Enter the date the request was received"
    elif problem := ANY_DATE.problem(received_on):
        errors["received_on"] = problem
    elif received_on > today:
        errors["received_on"] = "The date the request was received must be today or in the past"
    requester = requester.strip()
    if not requester:
        errors["requester"] = "Enter who made the request"
    elif len(requester) > REQUESTER_CAP:
        errors["requester"] = f"Enter who made the request in {REQUESTER_CAP} characters or fewer"
    if errors or received_on is None:
        raise ValidationError(errors)
    return received_on, requester


def export_start(
    *,
    actor: Any,
    young_person_id: int,
    received_on: date | None,
    requester: str,
    request: Any = None,
) -> SubjectAccessExport:
    """Record a subject access request and queue its export. A young person out of the actor's
    sight is 404; one they see but whose area they do not coordinate is refused."""
    person = young_person_get(user=actor, pk=young_person_id)
    if not coordinates_area_of(actor, person):
        raise PermissionDenied(ONLY_COORDINATORS)
    received_on, requester = _check_request(
        received_on=received_on, requester=requester, today=timezone.localdate()
    )
    now = timezone.now()
    export = SubjectAccessExport(
        area=person.area,
        young_person=person,
        received_on=received_on,
        requester=requester,
        started_by=actor,
        started_at=now,
        queued_at=now,
        steps_total=STEPS,
    )
    with transaction.atomic():
        _record(export, actor=actor, request=request, about={"young_person": person.pk})
        transaction.on_commit(lambda: _queue(export))
    return export


def suspect_export_start(
    *,
    actor: Any,
    person_id: int,
    received_on: date | None,
    requester: str,
    request: Any = None,
) -> SubjectAccessExport:
    """Record a subject access request from a person of concern; its export waits for a police
    lead of the area to agree. A record out of sight is 404; one the actor sees but whose area
    they do not coordinate is refused."""
    person = entity_get(user=actor, model=PersonOfConcern, pk=person_id)
    if membership_in(user=actor, area_id=person.area_id, roles=[Role.COORDINATOR]) is None:
        raise PermissionDenied(ONLY_COORDINATORS_OF_SUSPECT)
    received_on, requester = _check_request(
        received_on=received_on, requester=requester, today=timezone.localdate()
    )
    export = SubjectAccessExport(
        area_id=person.area_id,
        person_of_concern=person,
        received_on=received_on,
        requester=requester,
        started_by=actor,
        started_at=timezone.now(),
        status=ExportStatus.AWAITING,
        steps_total=SUSPECT_STEPS,
    )
    with transaction.atomic():
        _record(export, actor=actor, request=request, about={"person_of_concern": person.pk})
        _ask_police_leads(export)
    return export


def _ask_police_leads(export: SubjectAccessExport) -> None:
    """Tell the area's police leads an export about a person of concern waits for one of them
    to agree (no name: the page shows it to those who may see it)."""
    notify(
        recipients=User.objects.filter(
            memberships__area_id=export.area_id,
            memberships__role=Role.POLICE_LEAD,
            memberships__is_active=True,
        ).distinct(),
        kind=NotificationKind.SUBJECT_ACCESS_AGREEMENT,
        event_key=f"subject-access-agreement:{export.pk}",
        title="A subject access export waits for your agreement",
        body="A coordinator started a subject access export about a person of concern. It "
        f"is due by {export.due_on:%-d %B %Y}; it starts once a police lead agrees.",
        url=reverse("frontend:suspect-subject-access", args=[export.person_of_concern_id]),
        area_id=export.area_id,
    )


def _record(
    export: SubjectAccessExport, *, actor: Any, request: Any, about: dict[str, int]
) -> None:
    export.save()
    audit_record(
        action=AuditAction.EXPORT,
        actor=actor,
        membership=membership_in(user=actor, area_id=export.area_id, roles=[Role.COORDINATOR]),
        target=export,
        request=request,
        # Ids only: the audit keeps nothing that would have to be erased with the record.
        details={
            "subject_access": "started",
            **about,
            "received_on": export.received_on.isoformat(),
        },
    )


def export_agree(*, actor: Any, pk: Any, request: Any = None) -> SubjectAccessExport:
    """A police lead of the area agrees to an export about a person of concern, which is then
    queued. 404 for an export out of sight; refused for anyone but the area's police leads, and
    once the export is no longer waiting."""
    export = export_get(user=actor, pk=pk)
    membership = membership_in(user=actor, area_id=export.area_id, roles=[Role.POLICE_LEAD])
    if export.person_of_concern_id is None or membership is None:
        raise PermissionDenied(ONLY_POLICE_LEADS)
    with transaction.atomic():
        export = SubjectAccessExport.objects.select_for_update().get(pk=export.pk)
        if export.status != ExportStatus.AWAITING:
            raise ValidationError(NOT_WAITING)
        export.status = ExportStatus.RUNNING
        export.agreed_by, export.queued_at = actor, timezone.now()
        export.save(update_fields=["status", "agreed_by", "queued_at"])
        audit_record(
            action=AuditAction.EXPORT,
            actor=actor,
            membership=membership,
            target=export,
            request=request,
            details={"subject_access": "agreed"},
        )
        transaction.on_commit(lambda: _queue(export))
    return export


def export_extend(*, actor: Any, pk: Any, reason: str, request: Any = None) -> SubjectAccessExport:
    """A coordinator of the area extends the answer's deadline by two months (a complex
    request, Article 12(3)), with the reason the person is to be told, within the first month
    and once. 404 for an export out of sight; refused for anyone but the area's coordinators."""
    export = export_get(user=actor, pk=pk)
    membership = membership_in(user=actor, area_id=export.area_id, roles=[Role.COORDINATOR])
    if membership is None:
        raise PermissionDenied(ONLY_COORDINATORS_EXTEND)
    reason = reason.strip()
    if not EXTENSION_REASON_MIN <= len(reason) <= EXTENSION_REASON_CAP:
        raise ValidationError(
            {
                "reason": f"Enter why the request needs longer, in {EXTENSION_REASON_MIN} to "
                f"{EXTENSION_REASON_CAP} characters"
            }
        )
    with transaction.atomic():
        export = SubjectAccessExport.objects.select_for_update().get(pk=export.pk)
        if export.extended_at is not None:
            raise ValidationError(ALREADY_EXTENDED, code=STATE_CONFLICT)
        if timezone.localdate() > export.first_due_on:
            raise ValidationError(TOO_LATE_TO_EXTEND, code=STATE_CONFLICT)
        export.extended_by, export.extended_at = actor, timezone.now()
        export.extension_reason = reason
        export.save(update_fields=["extended_by", "extended_at", "extension_reason"])
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=export,
            request=request,
            reason=reason,
            details={"subject_access": "extended", "due_on": export.due_on.isoformat()},
        )
    return export


def _queue(export: SubjectAccessExport) -> None:
    """After commit: hand the export to a worker (inline when there is no Redis). A queue that
    cannot be reached fails it at once, saying why, rather than leaving it running for ever."""
    from .tasks import run_export  # the task module imports this one

    try:
        run_export.delay(str(export.pk))
    except OperationalError:
        logger.warning("subject access export %s not queued: the queue is unreachable", export.pk)
        fail(SubjectAccessExport.objects.filter(pk=export.pk), problem=NOT_QUEUED)


def _progress(export: SubjectAccessExport, done: int, step: str) -> None:
    # Committed at once (outside any transaction) so the page sees it while the job goes on.
    SubjectAccessExport.objects.filter(pk=export.pk, status=ExportStatus.RUNNING).update(
        steps_done=done, step=step
    )


def export_run(*, export_id: str) -> SubjectAccessExport:
    """Gather and write a queued export. Running it again does nothing: an export is built
    once. Whatever happens, it ends done or failed."""
    export = SubjectAccessExport.objects.select_related(
        "young_person", "person_of_concern", "area", "started_by"
    ).get(pk=export_id)
    if export.status == ExportStatus.RUNNING:
        try:
            _build(export)
        except Exception:  # whatever went wrong, the export must not stay running
            logger.exception("subject access export %s stopped", export.pk)
            fail(SubjectAccessExport.objects.filter(pk=export.pk), problem=FAULT)
    export.refresh_from_db()
    return export


def _cover(export: SubjectAccessExport, now: datetime) -> Cover:
    starter = export.started_by
    return Cover(
        name=str(export.subject),
        area=str(export.area),
        received_on=export.received_on,
        due_on=export.due_on,
        requester=export.requester,
        generated_at=timezone.localtime(now),
        started_by=starter.get_full_name() or starter.get_username(),
    )


def _subject(export: SubjectAccessExport) -> Subject:
    if export.young_person is not None:
        return subject_of(export.young_person)
    if export.person_of_concern is None:
        raise ValueError("an export is about a young person or a person of concern")
    return suspect_subject_of(export.person_of_concern)


def _build(export: SubjectAccessExport) -> None:
    subject = _subject(export)
    sections: list[Section] = []
    for done, (step, gather) in enumerate(subject.sections):
        _progress(export, done, step)
        sections.append(gather(subject))
    now = timezone.now()
    cover = _cover(export, now)
    _progress(export, len(sections), WRITING_BUNDLE)
    bundle = bundle_zip(cover, sections)
    _progress(export, len(sections) + 1, WRITING_PDF)
    pdf = export_pdf(cover, sections)
    stem = f"subject-access/{now:%Y/%m}/{export.pk}"
    names = [
        default_storage.save(f"{stem}.pdf", ContentFile(pdf)),
        default_storage.save(f"{stem}.zip", ContentFile(bundle)),
    ]
    finished = SubjectAccessExport.objects.filter(pk=export.pk, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE,
        steps_done=export.steps_total,
        step="",
        pdf=names[0],
        bundle=names[1],
        counts={section.kind: len(section.items) for section in sections},
        for_review=sum(1 for section in sections for item in section.items if item.review),
        finished_at=now,
        expires_at=now + KEEP_FOR,
    )
    if not finished:  # failed past its deadline meanwhile: its files are not kept
        files_removed_on_commit(names)


def exports_erased(*, exports: QuerySet[SubjectAccessExport], delete: bool) -> int:
    """For erasure under the retention schedule, inside its transaction: an export's files hold
    everything about its subject, so they go once it commits. The rows go with a deleted
    subject; otherwise each stays, without the requester's name or the reason for an
    extension, as the record that the request was answered. How many exports."""
    rows = list(exports.select_for_update().order_by("pk").values_list("pk", "pdf", "bundle"))
    names = [name for _, *files in rows for name in files if name]
    chosen = SubjectAccessExport.objects.filter(pk__in=[pk for pk, *_ in rows])
    if delete:
        chosen.delete()
    else:
        chosen.update(requester=REQUESTER_REMOVED, extension_reason="", pdf="", bundle="")
    if names:
        files_removed_on_commit(names)
    return len(rows)


def exports_expire(*, now: datetime) -> int:
    """The timed job: fail exports running past their deadline; expire those done whose time
    is up, removing their files once the change has committed. How many changed."""
    failed = fail_overdue(SubjectAccessExport.objects.all(), now=now)
    expired = 0
    due = SubjectAccessExport.objects.filter(status=ExportStatus.DONE, expires_at__lte=now)
    for pk in due.values_list("pk", flat=True):
        expired += _expire(pk, now)
    return failed + expired


def _expire(pk: Any, now: datetime) -> int:
    with transaction.atomic(durable=True):
        export = (
            SubjectAccessExport.objects.select_for_update()
            .filter(pk=pk, status=ExportStatus.DONE, expires_at__lte=now)
            .first()
        )
        if export is None:
            return 0
        names = [export.pdf.name, export.bundle.name]
        export.status, export.pdf, export.bundle = ExportStatus.EXPIRED, "", ""
        export.save(update_fields=["status", "pdf", "bundle"])
        audit_record(
            action=AuditAction.CHANGE,
            target=export,
            details={"subject_access": "expired", "files_removed": len([n for n in names if n])},
        )
        files_removed_on_commit(names)
    return 1


def export_download(*, actor: Any, pk: Any, part: str, request: Any = None) -> tuple[Any, str]:
    """The export's PDF or bundle (an open file and its download name), recorded as exported.
    404 for anyone but the area's coordinators, for an unknown part, or while there is no
    file (still running, failed, expired)."""
    if part not in PARTS:
        raise Http404("An export is downloaded as its PDF or its bundle")
    export = export_get(user=actor, pk=pk)
    membership = membership_in(user=actor, area_id=export.area_id, roles=[Role.COORDINATOR])
    file = export.pdf if part == "pdf" else export.bundle
    if membership is None or export.status != ExportStatus.DONE or not file:
        raise Http404("This export has no file to download")
    with transaction.atomic():
        audit_record(
            action=AuditAction.EXPORT,
            actor=actor,
            membership=membership,
            target=export,
            request=request,
            details={"subject_access": "downloaded", "part": part},
        )
    suffix = "pdf" if part == "pdf" else "zip"
    return file.open("rb"), f"subject-access-{export.received_on}-{str(export.pk)[:8]}.{suffix}"
