"""The pages of information requests: who may open them (404 out of scope, 403 to read but
not answer), what the case page and the timeline show of answers and refusals, and the
attachment's download, recorded as seen."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from agencies.models import User
from audit.models import AuditAction, AuditEvent
from referrals.information_requests import (
    information_request_answer,
    information_request_decline,
)
from tests.factories import sign_in
from tests.referrals.asking import Asking, ask, build_asking

pytestmark = pytest.mark.django_db


@pytest.fixture
def asking() -> Asking:
    return build_asking()


def client_of(user: User) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def test_pages_answer_404_out_of_scope_and_403_to_those_who_only_read(asking: Asking) -> None:
    base = f"/information-requests/{asking.request.pk}/"
    outsider = client_of(asking.other_lead)
    for path in (base, f"{base}answer/", f"{base}decline/"):
        assert outsider.get(path).status_code == 404
    coordinator = client_of(asking.coordinator)
    assert coordinator.get(base).status_code == 200
    assert coordinator.get(f"{base}answer/").status_code == 403
    assert coordinator.post(f"{base}decline/", {"reason": "No"}).status_code == 403
    lead = client_of(asking.lead)
    page = lead.get(base).content.decode()
    assert "Answer the request" in page and "Amira Khan" in page
    assert "Synthetic concern." not in page  # the narrative is never shown to the agency


def test_the_work_list_is_one_page_of_requests_each_recorded_as_seen(
    asking: Asking, django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        ask(asking.referral, asking.coordinator, asking.asked, asking.request.due_on)
    lead = client_of(asking.lead)
    lead.get("/information-requests/")  # warm: caches that a second view finds filled
    before = AuditEvent.objects.filter(actor=asking.lead, action=AuditAction.VIEW).count()
    with django_assert_max_num_queries(13):
        page = lead.get("/information-requests/").content.decode()
    assert page.count(f"Referral {asking.referral.reference}") == 4
    seen = AuditEvent.objects.filter(actor=asking.lead, action=AuditAction.VIEW).count()
    assert seen - before == 4
    assert (
        "No request is waiting"
        in client_of(asking.other_lead).get("/information-requests/").content.decode()
    )


def test_the_case_page_and_timeline_show_answers_and_refusals(asking: Asking) -> None:
    declined = ask(asking.referral, asking.coordinator, asking.asked, asking.request.due_on)
    information_request_answer(
        information_request=asking.request,
        actor=asking.lead,
        answer="She attends most days.",
        attachment=SimpleUploadedFile("attendance.txt", b"92%\n"),
    )
    information_request_decline(
        information_request=declined, actor=asking.lead, reason="Held by the school nurse."
    )
    coordinator = client_of(asking.coordinator)
    case = coordinator.get(f"/referrals/{asking.referral.reference}/").content.decode()
    assert "She attends most days." in case and "Held by the school nurse." in case
    assert "Download attendance.txt" in case
    timeline = coordinator.get(f"/referrals/{asking.referral.reference}/timeline/")
    assert "Information provided" in timeline.content.decode()
    assert "Information request declined" in timeline.content.decode()

    download = coordinator.get(f"/information-requests/{asking.request.pk}/attachment/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"92%\n"  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(
        actor=asking.coordinator,
        action=AuditAction.VIEW,
        object_id=str(asking.request.pk),
        detail__content__document="attendance.txt",
    ).exists()
    assert (
        client_of(asking.other_lead)
        .get(f"/information-requests/{asking.request.pk}/attachment/")
        .status_code
        == 404
    )
