"""/api/v1/strategy-profile-imports/: upload many areas' profiles, then follow the job until it
has imported the file or failed naming every problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from agencies.models import Area, Role
from audit.models import AuditAction, AuditEvent
from reports.models import ProfileImport, StrategyProfile
from tests.factories import AreaFactory, member, sign_in
from tests.reports.test_profile_imports import answered, rows_csv

pytestmark = pytest.mark.django_db

URL = "/api/v1/strategy-profile-imports/"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def api(role: Role, area: Area | None = None) -> APIClient:
    client = APIClient()
    sign_in(client, member(role, area=area))
    return client


def upload(client: APIClient, content: bytes, name: str = "profiles.csv") -> Any:
    return client.post(URL, {"file": SimpleUploadedFile(name, content)}, format="multipart")


def test_a_good_file_is_imported_by_its_job_and_recorded(
    django_capture_on_commit_callbacks: Any,
) -> None:
    area = AreaFactory.create()
    analyst = api(Role.NATIONAL_ANALYST)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(analyst, rows_csv([answered(area.ons_code)]))
    assert response.status_code == 202, response.json()
    started = response.json()
    assert started["status"] == "checking"
    assert response["Location"] == f"{URL}{started['id']}/"
    job = ProfileImport.objects.get()
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="reports.profileimport", object_id=str(job.pk)
    ).exists()
    done = analyst.get(response["Location"]).json()
    assert (done["status"], done["imported"], done["rows_checked"]) == ("imported", 1, 1)
    assert done["problems"] == [] and done["finished_at"]
    assert StrategyProfile.objects.get(area=area, year=2025).responded


def test_an_upload_retried_with_its_key_starts_one_job(
    django_capture_on_commit_callbacks: Any,
) -> None:
    area = AreaFactory.create()
    analyst = api(Role.NATIONAL_ANALYST)
    content = rows_csv([answered(area.ons_code)])

    def send() -> Any:
        return analyst.post(
            URL,
            {"file": SimpleUploadedFile("profiles.csv", content)},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="import-1",
        )

    with django_capture_on_commit_callbacks(execute=False):
        first, retried = send(), send()

    assert first.status_code == retried.status_code == 202
    assert retried["Idempotent-Replayed"] == "true"
    assert retried["Location"] == first["Location"] == f"{URL}{first.json()['id']}/"
    assert ProfileImport.objects.count() == 1


def test_a_file_with_problems_fails_naming_them_and_imports_nothing(
    django_capture_on_commit_callbacks: Any,
) -> None:
    area = AreaFactory.create()
    analyst = api(Role.NATIONAL_ANALYST)
    content = rows_csv([answered(area.ons_code, coordinator="maybe")])
    with django_capture_on_commit_callbacks(execute=True):
        location = upload(analyst, content)["Location"]
    failed = analyst.get(location).json()
    assert failed["status"] == "failed" and failed["imported"] == 0
    assert [(p["row"], p["column"]) for p in failed["problems"]] == [(2, "coordinator")]
    assert not StrategyProfile.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "status"),
    # an empty file breaks the schema; a file of a kind not imported, the import's rule
    [(b"", "profiles.csv", 400), (b"ons_code,year\n", "profiles.pdf", 422)],
)
def test_a_file_refused_before_any_job_is_refused_by_field(
    content: bytes, name: str, status: int
) -> None:
    response = upload(api(Role.NATIONAL_ANALYST), content, name)
    assert response.status_code == status
    assert "file" in response.json()["error"]["fields"]
    assert not ProfileImport.objects.exists()


def test_a_file_over_the_size_cap_is_refused(settings: Any) -> None:
    settings.UPLOAD_MAX_FILE_SIZE = 10
    response = upload(api(Role.NATIONAL_ANALYST), rows_csv([answered("E08000018")]))
    assert response.status_code == 422 and "file" in response.json()["error"]["fields"]


def test_other_roles_are_refused_and_another_analysts_import_is_404(
    django_capture_on_commit_callbacks: Any,
) -> None:
    area = AreaFactory.create()
    content = rows_csv([answered(area.ons_code)])
    for role in (Role.COORDINATOR, Role.BOARD_MEMBER):
        assert upload(api(role, area), content).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        location = upload(api(Role.NATIONAL_ANALYST), content)["Location"]
    assert api(Role.NATIONAL_ANALYST).get(location).status_code == 404
    assert api(Role.COORDINATOR, area).get(location).status_code == 403
    assert (
        api(Role.NATIONAL_ANALYST).get(f"{URL}{'0' * 8}-0000-0000-0000-{'0' * 12}/").status_code
        == 404
    )
