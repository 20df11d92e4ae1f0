"""A subject access export in real Chromium: from the young person's chronology the
coordinator opens the subject access page, sends the form wrong (the error summary, nothing
started), then right (a banner with the due date, the export ready with its downloads). The
page is checked by axe-core, for a clean console and at 375 px."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from subject_access.models import ExportStatus, SubjectAccessExport
from tests.browser.helpers import assert_accessible, fill_date, sign_in, visit
from tests.browser.test_casework_pages import refused, shots, submit
from tests.subject_access.world import RECEIVED, case, started, suspect_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_starts_a_subject_access_export(
    page: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    world = case()
    sign_in(page, world["coordinator"].username)
    visit(page, f"/young-people/{world['person'].pk}/timeline/")
    page.get_by_role(
        "link", name="Subject access requests: start a subject access export for Amira Khan"
    ).click()
    page.wait_for_load_state()
    assert page.get_by_text("No subject access export has been started").is_visible()
    assert_accessible(page)

    fill_date(page, "When was the request received?", "40")
    submit(page, "Start the export")
    refused(
        page,
        "The date the request was received must be a real date, like 27 3 2026",
        "Enter who made the request",
    )
    shots(page, "subject-access-refused")
    assert not SubjectAccessExport.objects.exists()

    fill_date(page, "When was the request received?", RECEIVED)
    page.get_by_label("Who made the request?").fill("Their mother")
    submit(page, "Start the export")
    banner = page.locator(".govuk-notification-banner--success")
    assert banner.get_by_text(
        "Subject access export started for Amira Khan: the answer is due by 20 December 2026"
    ).is_visible()
    assert SubjectAccessExport.objects.get().status == ExportStatus.DONE
    page.reload()  # the job ran as the request committed: the list shows it ready
    table = page.get_by_role("region", name="Subject access exports")
    assert table.get_by_text("Ready to download").is_visible()
    assert table.get_by_role("link", name="PDF of the export of 20 November 2026").is_visible()
    visit(page, page.url)
    shots(page, "subject-access-list")


def test_a_person_of_concerns_export_waits_for_a_police_lead(
    page: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    world = suspect_case()
    sign_in(page, world["coordinator"].username)
    visit(page, f"/intelligence/person/{world['suspect'].pk}/")
    page.get_by_role("link", name="Subject access requests from X").click()
    page.wait_for_load_state()
    page.get_by_label("Who made the request?").fill("Their solicitor")
    submit(page, "Start the export")
    refused(page, "Enter the date the request was received")
    fill_date(page, "When was the request received?", RECEIVED)
    submit(page, "Start the export")
    banner = page.locator(".govuk-notification-banner--success")
    assert banner.get_by_text("It starts once a police lead agrees.", exact=False).is_visible()
    assert page.get_by_text("Waiting for a police lead to agree").is_visible()

    page.context.clear_cookies()
    sign_in(page, world["police_lead"].username)
    visit(page, f"/intelligence/person/{world['suspect'].pk}/subject-access/")
    wide = page.viewport_size
    page.set_viewport_size({"width": 375, "height": wide["height"]})
    agree = page.get_by_role("button", name="Agree to the export").bounding_box()
    assert agree["x"] + agree["width"] <= 375  # in view on a phone, not in a hidden column
    page.set_viewport_size(wide)
    page.get_by_role("button", name="Agree to the export").click()
    page.wait_for_load_state()
    assert banner.get_by_text("Export agreed: the export about X has started").is_visible()
    assert page.get_by_text("Ready to download").is_visible()
    assert_accessible(page)
    assert SubjectAccessExport.objects.get().agreed_by == world["police_lead"]


def test_a_coordinator_extends_a_requests_deadline_by_two_months(
    page: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    world = case()
    received = timezone.localdate() - timedelta(days=3)
    with transaction.atomic():
        export = started(world, received_on=received)
    sign_in(page, world["coordinator"].username)
    visit(page, f"/young-people/{world['person'].pk}/subject-access/")
    page.get_by_role("link", name="Extend the deadline by two months").click()
    page.wait_for_load_state()
    assert_accessible(page)

    submit(page, "Extend the deadline")
    refused(page, "Enter why the request needs longer")
    shots(page, "subject-access-extend-refused")
    page.get_by_label("Why does the request need longer?").fill(
        "Twelve years of records, with a police redaction review."
    )
    submit(page, "Extend the deadline")

    export.refresh_from_db()
    due = received + relativedelta(months=3)
    assert export.due_on == due and export.extended_by == world["coordinator"]
    banner = page.locator(".govuk-notification-banner--success")
    assert banner.get_by_text(
        f"Deadline extended: the answer to Their mother is now due by {due:%-d %B %Y}",
        exact=False,
    ).is_visible()
    assert page.get_by_text("Twelve years of records", exact=False).is_visible()
    assert page.get_by_role("link", name="Extend the deadline by two months").count() == 0
    visit(page, page.url)
    shots(page, "subject-access-extended")
