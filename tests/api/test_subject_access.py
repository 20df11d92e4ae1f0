"""Subject access exports through the API: started (202 with the job), followed, downloaded;
another area's coordinator is answered 404 and a lead professional of the case 403."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import User
from audit.models import AuditAction, AuditEvent
from subject_access.models import SubjectAccessExport
from subject_access.services import STEPS
from tests.factories import sign_in
from tests.subject_access.world import case, suspect_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def start(client: APIClient, world: dict[str, Any], **body: Any) -> Any:
    sent = {"received_on": "2026-11-20", "requester": "Their solicitor"} | body
    url = f"/api/v1/young-people/{world['person'].pk}/subject-access/"
    return client.post(url, sent, format="json")


def test_a_coordinator_starts_follows_and_downloads_an_export(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = case()
    client = api(world["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, world)
    assert response.status_code == 202, response.json()
    job = response.json()
    assert job["status"] == "running" and job["due_on"] == "2026-12-20"
    assert job["steps_total"] == STEPS and job["downloads"] is None
    assert response["Location"] == f"/api/v1/subject-access-exports/{job['id']}/"

    followed = client.get(response["Location"]).json()
    assert followed["status"] == "done" and followed["steps_done"] == STEPS
    assert followed["expires_at"] is not None
    downloads = followed["downloads"]
    pdf = client.get(downloads["pdf"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.getvalue().startswith(b"%PDF-")
    bundle = client.get(downloads["bundle"])
    assert bundle["Content-Type"] == "application/zip"
    held = zipfile.ZipFile(io.BytesIO(bundle.getvalue()))
    assert json.loads(held.read("export.json"))["export"]["requested_by"] == "Their solicitor"

    listed = client.get(f"/api/v1/young-people/{world['person'].pk}/subject-access/").json()
    assert [row["id"] for row in listed["results"]] == [job["id"]]
    seen = AuditEvent.objects.filter(action=AuditAction.VIEW, actor=world["coordinator"])
    assert seen.filter(object_id=str(world["person"].pk)).exists()


def test_another_areas_coordinator_is_answered_404_everywhere(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = case()
    with django_capture_on_commit_callbacks(execute=True):
        job = start(api(world["coordinator"]), world).json()
    outsider = api(world["elsewhere"])
    assert start(outsider, world).status_code == 404
    assert outsider.get(f"/api/v1/subject-access-exports/{job['id']}/").status_code == 404
    download = f"/api/v1/subject-access-exports/{job['id']}/download/pdf/"
    assert outsider.get(download).status_code == 404
    listing = f"/api/v1/young-people/{world['person'].pk}/subject-access/"
    assert outsider.get(listing).status_code == 404


def test_a_lead_professional_of_the_case_is_refused() -> None:
    world = case()
    lead = api(world["lead_professional"])
    response = start(lead, world)
    assert response.status_code == 403
    assert "coordinators" in response.json()["error"]["message"]
    assert lead.get(f"/api/v1/young-people/{world['person'].pk}/subject-access/").status_code == 403
    assert not SubjectAccessExport.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"received_on": "20/11/2026"}, 400, "received_on"),
        ({"received_on": "1899-12-31"}, 422, "received_on"),
        ({"requester": "x" * 201}, 400, "requester"),
        ({"received_on": "2099-01-01"}, 422, "received_on"),
        ({"requester": "   "}, 400, "requester"),
    ],
)
def test_a_malformed_or_refused_request_starts_nothing(
    body: dict[str, Any], status: int, field: str
) -> None:
    world = case()
    response = start(api(world["coordinator"]), world, **body)
    assert response.status_code == status, response.json()
    assert field in response.json()["error"]["fields"]
    assert not SubjectAccessExport.objects.exists()


def test_an_unknown_part_or_an_unfinished_export_has_nothing_to_download(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = case()
    client = api(world["coordinator"])
    with django_capture_on_commit_callbacks(execute=False):
        job = start(client, world).json()
    base = f"/api/v1/subject-access-exports/{job['id']}/download/"
    assert client.get(f"{base}pdf/").status_code == 404  # still running
    assert client.get(f"{base}everything/").status_code == 404


def test_the_list_reads_a_fixed_number_of_queries(
    django_capture_on_commit_callbacks: Any, django_assert_max_num_queries: Any
) -> None:
    world = case()
    client = api(world["coordinator"])
    with django_capture_on_commit_callbacks(execute=False):
        for _ in range(3):
            start(client, world)
    with django_assert_max_num_queries(20):
        listed = client.get(f"/api/v1/young-people/{world['person'].pk}/subject-access/")
    assert len(listed.json()["results"]) == 3


def test_a_person_of_concerns_export_starts_once_a_police_lead_agrees(
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = suspect_case()
    url = f"/api/v1/persons-of-concern/{world['suspect'].pk}/subject-access/"
    body = {"received_on": "2026-11-20", "requester": "Their solicitor"}
    coordinator, police = api(world["coordinator"]), api(world["police_lead"])
    assert police.post(url, body, format="json").status_code == 403
    assert api(world["elsewhere"]).post(url, body, format="json").status_code == 404
    started = coordinator.post(url, body, format="json")
    assert started.status_code == 202, started.json()
    job = started.json()
    assert (job["status"], job["person_of_concern"], job["young_person"]) == (
        "awaiting",
        world["suspect"].pk,
        None,
    )
    agree = f"/api/v1/subject-access-exports/{job['id']}/agree/"
    assert coordinator.post(agree).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        agreed = police.post(agree)
    assert agreed.status_code == 202
    assert police.post(agree).status_code == 422  # agreed already
    assert [row["status"] for row in police.get(url).json()["results"]] == ["done"]
    download = f"/api/v1/subject-access-exports/{job['id']}/download/bundle/"
    assert police.get(download).status_code == 404
    assert coordinator.get(download).status_code == 200


def test_a_coordinator_extends_the_deadline_once_and_nobody_else_sees_it() -> None:
    world = case()
    coordinator = api(world["coordinator"])
    received = (timezone.localdate() - timedelta(days=5)).isoformat()
    export = start(coordinator, world, received_on=received).json()
    url = f"/api/v1/subject-access-exports/{export['id']}/extend/"
    reason = {"reason": "Twelve years of records, with a police redaction review."}

    assert api(world["lead_professional"]).post(url, reason, format="json").status_code == 404
    assert coordinator.post(url, {}, format="json").status_code == 400
    extended = coordinator.post(url, reason, format="json")

    assert extended.status_code == 200, extended.json()
    body = extended.json()
    assert body["extension_reason"] == reason["reason"] and body["extended_at"]
    assert body["due_on"] > export["due_on"]
    again = coordinator.post(url, reason, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
