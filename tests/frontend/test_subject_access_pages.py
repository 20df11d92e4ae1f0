"""The subject access page through the Django test client: offered from the chronology to the
area's coordinators only, the form's answers checked, an export started with a banner, the
list with its progress and downloads, and the downloads closed to anyone else."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from subject_access.models import ExportStatus, SubjectAccessExport
from subject_access.services import STEPS
from tests.factories import sign_in
from tests.subject_access.world import case, suspect_case

pytestmark = pytest.mark.django_db

LINK = "Subject access requests: start a subject access export"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def page(world: dict[str, Any]) -> str:
    return f"/young-people/{world['person'].pk}/subject-access/"


def answers(**given: str) -> dict[str, str]:
    return {
        "received_on_day": "20",
        "received_on_month": "11",
        "received_on_year": "2026",
        "requester": "Their mother",
    } | given


def test_the_chronology_offers_it_to_the_areas_coordinators_only(client: Client) -> None:
    world = case()
    timeline = f"/young-people/{world['person'].pk}/timeline/"
    sign_in(client, world["coordinator"])
    assert LINK in client.get(timeline).content.decode()
    sign_in(client, world["lead_professional"])
    assert LINK not in client.get(timeline).content.decode()
    assert client.get(page(world)).status_code == 403
    sign_in(client, world["elsewhere"])
    assert client.get(page(world)).status_code == 404


def test_the_case_page_offers_it_to_the_areas_coordinators_only(client: Client) -> None:
    world = case()
    case_page = f"/referrals/{world['referral'].reference}/"
    link = f'href="{page(world)}">Subject access requests from Amira Khan</a>'
    sign_in(client, world["coordinator"])
    assert link in client.get(case_page).content.decode()
    sign_in(client, world["lead_professional"])
    assert "Subject access requests" not in client.get(case_page).content.decode()


def test_a_coordinator_starts_an_export_and_downloads_it(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    world = case()
    sign_in(client, world["coordinator"])
    empty = client.get(page(world)).content.decode()
    assert "No subject access export has been started" in empty
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page(world), answers())
    assert response["Location"] == page(world)
    html = client.get(page(world)).content.decode()
    assert (
        "Subject access export started for Amira Khan: the answer is due by 20 December 2026"
        in html
    )
    export = SubjectAccessExport.objects.get()
    assert export.status == ExportStatus.DONE
    assert "Ready to download" in html and "20 December 2026" in html
    pdf = f"/subject-access/{export.pk}/download/pdf/"
    assert pdf in html
    download = client.get(pdf)
    assert download.status_code == 200
    assert download.getvalue().startswith(b"%PDF-")
    sign_in(client, world["elsewhere"])
    assert client.get(pdf).status_code == 404


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"received_on_day": "", "received_on_month": "", "received_on_year": ""},
            "Enter the date the request was received",
        ),
        ({"received_on_day": ""}, "must be a real date"),
        ({"received_on_month": "13"}, "must be a real date"),
        ({"received_on_year": "2099"}, "must be today or in the past"),
        ({"requester": ""}, "Enter who made the request"),
        ({"requester": "x" * 201}, "200 characters or fewer"),
    ],
)
def test_wrong_answers_are_shown_and_start_nothing(
    client: Client, given: dict[str, str], message: str
) -> None:
    world = case()
    sign_in(client, world["coordinator"])
    response = client.post(page(world), answers(**given))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SubjectAccessExport.objects.exists()


def test_a_running_export_shows_its_progress(
    client: Client, django_capture_on_commit_callbacks: Any, django_assert_max_num_queries: Any
) -> None:
    world = case()
    sign_in(client, world["coordinator"])
    with django_capture_on_commit_callbacks(execute=False):
        for _ in range(3):
            client.post(page(world), answers())
    SubjectAccessExport.objects.update(steps_done=4, step="Case notes")
    with django_assert_max_num_queries(30):
        html = client.get(page(world)).content.decode()
    assert html.count(f"4 of {STEPS} steps done: case notes.") == 3


def test_a_person_of_concerns_export_is_started_by_a_coordinator_and_agreed_by_police(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    world = suspect_case()
    suspect = world["suspect"]
    url = f"/intelligence/person/{suspect.pk}/subject-access/"
    sign_in(client, world["coordinator"])
    assert (
        "Subject access requests from X"
        in client.get(f"/intelligence/person/{suspect.pk}/").content.decode()
    )
    response = client.post(url, answers(), follow=True)
    assert "It starts once a police lead agrees." in response.content.decode()
    export = SubjectAccessExport.objects.get()
    assert export.status == ExportStatus.AWAITING

    sign_in(client, world["police_lead"])
    html = client.get(url).content.decode()
    assert "Start the export" not in html and "Agree to the export" in html
    with django_capture_on_commit_callbacks(execute=True):
        agreed = client.post(f"/subject-access/{export.pk}/agree/")
    assert agreed["Location"] == url
    html = client.get(url).content.decode()
    assert "Export agreed: the export about X has started" in html
    assert "Ready to download" in html and "download/pdf/" not in html  # coordinators only
    assert "The area's coordinators download them." in html  # says who does
    again = client.post(f"/subject-access/{export.pk}/agree/")
    assert "This export is no longer waiting for a police lead to agree" in again.content.decode()

    sign_in(client, world["coordinator"])
    assert f"/subject-access/{export.pk}/download/pdf/" in client.get(url).content.decode()
    sign_in(client, world["elsewhere"])
    assert client.get(url).status_code == 404
