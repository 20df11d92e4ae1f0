"""The agency asked for information, in real Chromium: from its work list to the request, the
answer with a document and the refusal. Each form is sent wrong first (the error summary,
nothing saved), then right (back to the request with a success banner); every page is checked
by axe-core, for a clean console and at 375 px."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from referrals.models import InformationRequest, InformationRequestStatus
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    assert_fits_a_phone,
    sign_in,
    visit,
)
from tests.browser.test_casework_pages import refused, shots, submit
from tests.referrals.asking import ask, build_asking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def looks_right(page: Any) -> None:
    assert_clean_console(page)
    assert_accessible(page)
    assert_fits_a_phone(page)


def banner(page: Any, request: InformationRequest, text: str) -> None:
    """Back on the request, with the success banner saying what happened."""
    assert page.url.endswith(f"/information-requests/{request.pk}/"), page.url
    assert page.locator(".govuk-notification-banner--success").get_by_text(text).is_visible()


def test_the_agency_asked_answers_one_request_and_declines_another(
    page: Any, tmp_path: Path
) -> None:
    asking = build_asking()
    second = ask(
        asking.referral,
        asking.coordinator,
        asking.asked,
        timezone.localdate() + timedelta(days=2),
    )
    sign_in(page, asking.lead.username)

    visit(page, "/")
    block = page.locator("section", has_text="Information requested from your agency")
    assert block.get_by_text(f"Referral {asking.referral.reference}").first.is_visible()
    shots(page, "information-home")
    visit(page, "/information-requests/")
    looks_right(page)

    visit(page, f"/information-requests/{asking.request.pk}/")
    for shown in ("Amira Khan", "2 April 2011", "Is she attending school?", "Public task"):
        assert page.get_by_text(shown).first.is_visible(), shown
    looks_right(page)
    shots(page, "information-request")
    page.get_by_role("button", name="Answer the request").click()
    page.wait_for_load_state()
    shots(page, "information-answer")
    submit(page, "Send the answer")
    refused(page, "Enter the information")
    page.get_by_label("What does your agency know?").fill("She attends most days.")
    document = tmp_path / "attendance.txt"
    document.write_text("Attended 92% this term.\n")
    page.get_by_label("Attach a document (optional)").set_input_files(str(document))
    submit(page, "Send the answer")
    banner(page, asking.request, f"Information sent to {asking.area.name}")
    asking.request.refresh_from_db()
    assert asking.request.status == InformationRequestStatus.ANSWERED
    assert asking.request.attachment_name == "attendance.txt"
    assert page.get_by_text("She attends most days.").is_visible()

    visit(page, f"/information-requests/{second.pk}/")
    page.get_by_role("button", name="Decline it").click()
    page.wait_for_load_state()
    shots(page, "information-decline")
    submit(page, "Decline the request")
    refused(page, "Enter why you cannot answer")
    page.get_by_label("Why can your agency not answer?").fill("Not known to our service.")
    submit(page, "Decline the request")
    banner(page, second, "Request declined")
    second.refresh_from_db()
    assert (second.status, second.declined_reason) == (
        InformationRequestStatus.DECLINED,
        "Not known to our service.",
    )
