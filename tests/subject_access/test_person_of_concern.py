"""Subject access exports about a person of concern: started by a coordinator, run only once
a police lead of the area agrees, everything in them marked as police intelligence, downloaded
by the coordinators alone."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from agencies.models import Role
from audit.models import AuditEvent
from notifications.models import Notification, NotificationKind
from subject_access.gathering import POLICE_INTELLIGENCE, SUSPECT_KINDS
from subject_access.jobs import NOT_AGREED
from subject_access.models import ExportStatus, SubjectAccessExport
from subject_access.selectors import exports_about
from subject_access.services import (
    SUSPECT_STEPS,
    export_agree,
    export_download,
    exports_expire,
    suspect_export_start,
)
from tests.factories import AreaFactory, member
from tests.subject_access.world import RECEIVED, suspect_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def start(world: dict[str, Any], **overrides: Any) -> SubjectAccessExport:
    values = {
        "actor": world["coordinator"],
        "person_id": world["suspect"].pk,
        "received_on": RECEIVED,
        "requester": "Their solicitor",
    } | overrides
    return suspect_export_start(**values)


def test_it_waits_for_a_police_lead_then_gathers_their_intelligence(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = suspect_case()
    with django_capture_on_commit_callbacks(execute=True):
        export = start(world)
    export.refresh_from_db()
    assert export.status == ExportStatus.AWAITING and export.steps_total == SUSPECT_STEPS
    # The area's police leads are told it waits for one of them; nobody else is.
    [asked] = Notification.objects.filter(kind=NotificationKind.SUBJECT_ACCESS_AGREEMENT)
    assert asked.recipient == world["police_lead"]
    assert asked.url == f"/intelligence/person/{world['suspect'].pk}/subject-access/"
    assert "Dan" not in asked.title + asked.body  # no name in what is sent
    [waiting] = exports_about(user=world["police_lead"], person_of_concern=world["suspect"])
    assert waiting == export

    with django_capture_on_commit_callbacks(execute=True):
        export_agree(actor=world["police_lead"], pk=export.pk)
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE, export.problem
    assert export.agreed_by == world["police_lead"]
    agreed = AuditEvent.objects.filter(object_id=str(export.pk)).latest("id")
    assert agreed.actor == world["police_lead"] and agreed.details == {"subject_access": "agreed"}

    file, _ = export_download(actor=world["coordinator"], pk=export.pk, part="bundle")
    with file:
        held = json.loads(zipfile.ZipFile(io.BytesIO(file.read())).read("export.json"))
    assert list(held["kinds"]) == list(SUSPECT_KINDS)
    assert held["export"]["subject"] == "X"
    for kind in ("person_of_concern_record", "links", "mentions", "disruption", "meetings"):
        items = held["kinds"][kind]["items"]
        assert items and all(i["redaction_reason"] == POLICE_INTELLIGENCE for i in items), kind


def test_only_the_areas_coordinators_start_one_and_only_its_police_leads_agree(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = suspect_case()
    with pytest.raises(PermissionDenied):
        start(world, actor=world["police_lead"])
    with pytest.raises(Http404):
        start(world, actor=world["elsewhere"])
    export = start(world)
    with pytest.raises(PermissionDenied):
        export_agree(actor=world["coordinator"], pk=export.pk)
    other_police = member(Role.POLICE_LEAD, area=AreaFactory.create())
    with pytest.raises(Http404):
        export_agree(actor=other_police, pk=export.pk)
    with django_capture_on_commit_callbacks(execute=True):
        export_agree(actor=world["police_lead"], pk=export.pk)
    with pytest.raises(ValidationError):
        export_agree(actor=world["police_lead"], pk=export.pk)
    with pytest.raises(Http404):  # police leads agree; coordinators download
        export_download(actor=world["police_lead"], pk=export.pk, part="pdf")


def test_an_export_no_police_lead_agrees_to_is_failed_after_fourteen_days() -> None:
    world = suspect_case()
    export = start(world)
    assert exports_expire(now=timezone.now() + timedelta(days=13)) == 0
    assert exports_expire(now=timezone.now() + timedelta(days=15)) == 1
    export.refresh_from_db()
    assert (export.status, export.problem) == (ExportStatus.FAILED, NOT_AGREED)
