"""Subject access exports: who may start one, what the job gathers into the bundle and the
PDF, how it ends (done or failed, never stuck), who may read and download it, and expiry."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import Http404
from django.utils import timezone
from kombu.exceptions import OperationalError
from pypdf import PdfReader

from audit.models import AuditAction, AuditEvent
from referrals.models import (
    STATE_CONFLICT,
    YoungPerson,
)
from subject_access import services
from subject_access.gathering import KINDS, POLICE_INTELLIGENCE, THIRD_PARTY
from subject_access.models import ExportStatus, SubjectAccessExport
from subject_access.selectors import export_get, exports_for
from subject_access.services import (
    FAULT,
    NOT_QUEUED,
    export_download,
    export_extend,
    export_run,
    exports_expire,
)
from tests.factories import YoungPersonFactory
from tests.subject_access.world import RECEIVED, case, everything_held, started

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


# Starting --------------------------------------------------------------------------------


def test_a_coordinator_starts_an_export_which_is_audited_and_due_a_month_after_receipt(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = case()
    with django_capture_on_commit_callbacks(execute=False):
        export = started(world)
    assert export.status == ExportStatus.RUNNING
    assert export.due_on == date(2026, 12, 20)
    event = AuditEvent.objects.get(object_id=str(export.pk))
    assert event.action == AuditAction.EXPORT
    assert event.actor == world["coordinator"]
    assert event.area_id == world["area"].pk
    assert event.details["subject_access"] == "started"
    assert "Their mother" not in json.dumps(event.details)


def test_the_deadline_is_extended_once_by_two_months_within_the_first_month(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = case()
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=False):
        export = started(world, received_on=today - timedelta(days=10))
    reason = "Twelve years of records, with a police redaction review."
    with pytest.raises(Http404):  # the export is the coordinators' alone to see
        export_extend(actor=world["lead_professional"], pk=export.pk, reason=reason)
    with pytest.raises(ValidationError) as short:
        export_extend(actor=world["coordinator"], pk=export.pk, reason="complex")
    assert "reason" in short.value.message_dict

    extended = export_extend(actor=world["coordinator"], pk=export.pk, reason=reason)

    assert extended.due_on == today - timedelta(days=10) + relativedelta(months=3)
    assert extended.first_due_on == today - timedelta(days=10) + relativedelta(months=1)
    event = AuditEvent.objects.get(object_id=str(export.pk), details__subject_access="extended")
    assert event.detail.reason == reason  # the free text stays out of the chain
    assert event.details["due_on"] == extended.due_on.isoformat()
    with pytest.raises(ValidationError) as twice:
        export_extend(actor=world["coordinator"], pk=export.pk, reason=reason)
    assert twice.value.code == STATE_CONFLICT


def test_the_deadline_cannot_be_extended_once_the_first_month_has_passed(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = case()
    with django_capture_on_commit_callbacks(execute=False):
        export = started(world, received_on=timezone.localdate() - timedelta(days=40))
    with pytest.raises(ValidationError, match="first month has passed"):
        export_extend(actor=world["coordinator"], pk=export.pk, reason="A complex request.")
    assert SubjectAccessExport.objects.get(pk=export.pk).extended_at is None


def test_someone_who_sees_the_young_person_but_does_not_coordinate_is_refused() -> None:
    world = case()
    with pytest.raises(PermissionDenied):
        started(world, actor=world["lead_professional"])
    assert not SubjectAccessExport.objects.exists()


def test_another_areas_coordinator_is_answered_404() -> None:
    world = case()
    with pytest.raises(Http404):
        started(world, actor=world["elsewhere"])


@pytest.mark.parametrize(
    ("received_on", "requester", "field"),
    [
        (None, "Their mother", "received_on"),
        (date(1899, 12, 31), "Their mother", "received_on"),
        (date.today() + timedelta(days=1), "Their mother", "received_on"),
        (RECEIVED, "   ", "requester"),
        (RECEIVED, "x" * 201, "requester"),
    ],
)
def test_the_request_must_have_a_sane_date_and_a_requester(
    received_on: date | None, requester: str, field: str
) -> None:
    world = case()
    with pytest.raises(ValidationError) as refused:
        started(world, received_on=received_on, requester=requester)
    assert set(refused.value.message_dict) == {field}


# The job ---------------------------------------------------------------------------------


def _zip(export: SubjectAccessExport) -> zipfile.ZipFile:
    with export.bundle.open("rb") as file:
        return zipfile.ZipFile(io.BytesIO(file.read()))


def test_the_job_gathers_every_kind_of_record_into_the_bundle_and_the_pdf(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = case()
    everything_held(world)
    with django_capture_on_commit_callbacks(execute=True):
        export = started(world)
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE, export.problem
    assert export.steps_done == export.steps_total
    assert export.finished_at is not None
    assert export.expires_at == export.finished_at + timedelta(days=30)

    bundle = _zip(export)
    held = json.loads(bundle.read("export.json"))
    assert list(held["kinds"]) == list(KINDS)
    for kind in KINDS:
        assert held["kinds"][kind]["count"] >= 1, kind
        assert f"csv/{kind}.csv" in bundle.namelist()
    assert held["export"]["answer_due_on"] == "2026-12-20"
    kinds = held["kinds"]
    note = kinds["case_notes"]["items"][0]
    assert note["fields"]["Text"] == "Saw Mr Jones with her."
    assert note["redaction_reason"] == THIRD_PARTY
    assert all(i["redaction_reason"] == POLICE_INTELLIGENCE for i in kinds["links"]["items"])
    assert kinds["mentions"]["items"][0]["fields"]["Nature"] == "Mentioned in a concern"
    assert kinds["record_views"]["items"][0]["fields"]["What"] == "Their record"
    assert not kinds["record_views"]["items"][0]["redaction_review"]
    [meeting] = kinds["meetings"]["items"]
    assert meeting["fields"]["Decision"] == "Share with her school; X to be warned off."
    assert meeting["redaction_reason"] == THIRD_PARTY
    [document] = kinds["documents"]["items"]
    assert bundle.read(document["fields"]["In the bundle as"]) == b"%PDF-1.4 the report"
    assert export.counts == {kind: held["kinds"][kind]["count"] for kind in KINDS}
    assert export.for_review == sum(
        1 for k in kinds.values() for item in k["items"] if item["redaction_review"]
    )

    with export.pdf.open("rb") as file:
        pdf = file.read()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    # The page tree's count matches the pages in the file, and the items need more than one.
    [count] = re.findall(rb"/Count (\d+)", pdf)
    assert int(count) == len(re.findall(rb"/Type /Page\n", pdf)) > 1
    text = pdf_text(pdf)
    assert "Information held about Amira Khan" in text
    assert "Saw Mr Jones with her." in text


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as a reader extracts it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_names_in_any_european_alphabet_print_in_the_pdf(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = case()
    YoungPerson.objects.filter(pk=world["person"].pk).update(
        given_name="Łucja", family_name="Wiśniewska-Şahin"
    )
    with django_capture_on_commit_callbacks(execute=True):
        export = started(world, requester="Její matka (Dvořáková)")
    export.refresh_from_db()
    with export.pdf.open("rb") as file:
        text = pdf_text(file.read())
    assert "Information held about Łucja Wiśniewska-Şahin" in text
    assert "from Její matka (Dvořáková)" in text
    assert "?" not in text.split("Draft for review")[0]


def test_merged_records_and_their_referrals_are_in_the_export(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = case()
    merged = YoungPersonFactory.create(area=world["area"], given_name="Amy")
    YoungPerson.objects.filter(pk=merged.pk).update(merged_into=world["person"])
    with django_capture_on_commit_callbacks(execute=True):
        export = started(world)
    export.refresh_from_db()
    records = json.loads(_zip(export).read("export.json"))["kinds"]["young_person_records"]
    assert {item["id"] for item in records["items"]} == {str(world["person"].pk), str(merged.pk)}


def test_a_fault_in_the_job_fails_the_export_saying_so(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = case()

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "export_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        export = started(world)
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert export.problem == FAULT
    assert not export.pdf and not export.bundle
    assert export_run(export_id=str(export.pk)).status == ExportStatus.FAILED  # once only


def test_an_unreachable_queue_fails_the_export_at_once(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from subject_access import tasks

    def unreachable(*args: Any) -> None:
        raise OperationalError("no Redis")

    monkeypatch.setattr(tasks.run_export, "delay", unreachable)
    world = case()
    with django_capture_on_commit_callbacks(execute=True):
        export = started(world)
    export.refresh_from_db()
    assert (export.status, export.problem) == (ExportStatus.FAILED, NOT_QUEUED)


def test_an_export_running_past_its_deadline_is_failed_when_read_and_by_the_timed_job(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = case()
    with django_capture_on_commit_callbacks(execute=False):
        stuck, later = started(world), started(world)
    long_ago = timezone.now() - timedelta(hours=1)
    SubjectAccessExport.objects.filter(pk__in=[stuck.pk, later.pk]).update(queued_at=long_ago)
    assert export_get(user=world["coordinator"], pk=stuck.pk).status == ExportStatus.FAILED
    assert exports_expire(now=timezone.now()) == 1
    assert SubjectAccessExport.objects.get(pk=later.pk).status == ExportStatus.FAILED


# Reading, downloading, expiry ------------------------------------------------------------


def test_only_the_areas_coordinators_read_and_download_an_export(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = case()
    with django_capture_on_commit_callbacks(execute=True):
        export = started(world)
    for outsider in (world["elsewhere"], world["lead_professional"]):
        with pytest.raises(Http404):
            export_get(user=outsider, pk=export.pk)
        with pytest.raises(Http404):
            export_download(actor=outsider, pk=export.pk, part="pdf")
        assert not exports_for(user=outsider, young_person=world["person"]).exists()
    assert list(exports_for(user=world["coordinator"], young_person=world["person"])) == [export]
    file, name = export_download(actor=world["coordinator"], pk=export.pk, part="bundle")
    with file:
        assert zipfile.ZipFile(io.BytesIO(file.read())).namelist()
    assert name.endswith(".zip")
    downloaded = AuditEvent.objects.filter(object_id=str(export.pk)).latest("id")
    assert downloaded.details == {"subject_access": "downloaded", "part": "bundle"}
    with pytest.raises(Http404):
        export_download(actor=world["coordinator"], pk=export.pk, part="secrets")


def test_an_expired_export_loses_its_files_after_commit_and_cannot_be_downloaded(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = case()
    with django_capture_on_commit_callbacks(execute=True):
        export = started(world)
    export.refresh_from_db()
    names = [export.pdf.name, export.bundle.name]
    assert all(default_storage.exists(name) for name in names)
    assert exports_expire(now=timezone.now()) == 0  # not yet
    assert export.expires_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert exports_expire(now=export.expires_at + timedelta(seconds=1)) == 1
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED
    assert not export.pdf and not export.bundle
    assert not any(default_storage.exists(name) for name in names)
    assert AuditEvent.objects.filter(
        object_id=str(export.pk), details__subject_access="expired"
    ).exists()
    with pytest.raises(Http404):
        export_download(actor=world["coordinator"], pk=export.pk, part="pdf")


def test_expiry_is_a_timed_job_run_every_ten_minutes(settings: Any) -> None:
    from config.celery import app
    from subject_access.tasks import expire_exports

    entry = settings.CELERY_BEAT_SCHEDULE["subject-access-exports-expire"]
    assert (entry["task"], entry["schedule"]) == ("subject_access.expire_exports", 600.0)
    assert app.tasks[entry["task"]].name == expire_exports.name
