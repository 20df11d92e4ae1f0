"""A MACE meeting in real Chromium, as its coordinator runs it: scheduled, its agenda proposed
and added to, a decision and the minutes recorded; each form refuses a wrong answer first,
saving nothing, with an accessible error summary."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Role
from disruption.models import AgendaItem, Meeting
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    fill_date,
    sign_in,
    visit,
)
from tests.factories import AreaFactory, member, raise_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def press(page: Any, button: str) -> None:
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    assert_clean_console(page)
    assert_accessible(page)


def refused(page: Any, button: str, message: str) -> None:
    press(page, button)
    assert message in page.locator(".govuk-error-summary").inner_text()
    assert page.locator(".govuk-error-message", has_text=message).is_visible()


def follow(page: Any, link: str) -> None:
    page.get_by_role("link", name=link).click()
    page.wait_for_load_state()


def test_a_coordinator_runs_a_mace_meeting(page: Any) -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    practitioner = member(Role.PRACTITIONER, area=area)
    referral = raise_referral(practitioner, submit=True)
    sign_in(page, coordinator.username)
    visit(page, "/meetings/")

    follow(page, "Schedule a meeting")
    refused(page, "Schedule the meeting", "Enter the date of the meeting")
    assert not Meeting.objects.exists()
    # Today, at midnight: begun already, so its decisions and minutes can be recorded. The
    # practitioner is invited from their agency's group, opened first.
    fill_date(page, "Date of the meeting", timezone.localdate())
    page.get_by_text(f"{practitioner.memberships.get().agency} (", exact=False).click()
    page.get_by_label(practitioner.get_full_name()).check()
    page.get_by_label("Start time").fill("00:00")
    page.get_by_label("Where (optional)").fill("Town hall, room 2")
    press(page, "Schedule the meeting")
    meeting = Meeting.objects.get(area=area)
    assert page.url.endswith(f"/meetings/{meeting.pk}/")
    assert list(meeting.attendees.all()) == [practitioner]

    assert page.get_by_role("alert").filter(has_text="Meeting scheduled for").is_visible()

    press(page, "Propose the agenda")
    assert page.url.endswith(f"/meetings/{meeting.pk}/")
    assert page.get_by_role("alert").filter(has_text="the agenda").is_visible()

    follow(page, "Add a referral, person of concern or location to the agenda")
    refused(page, "Add to the agenda", "Enter a referral reference or choose a person or location")
    assert not AgendaItem.objects.filter(meeting=meeting, referral=referral).exists()
    page.get_by_label("Referral reference").fill(referral.reference.lower())
    press(page, "Add to the agenda")
    item = AgendaItem.objects.get(meeting=meeting, referral=referral)

    follow(page, "Record the decision")
    refused(page, "Record the decision", "Enter what the meeting decided")
    item.refresh_from_db()
    assert item.decided_at is None
    page.get_by_label("What did the meeting decide?").fill("Police to visit the address.")
    press(page, "Record the decision")
    item.refresh_from_db()
    assert item.decision == "Police to visit the address."

    follow(page, "Record the minutes")
    page.get_by_label("Minutes").fill("")
    refused(page, "Save the minutes", "Enter the minutes")
    page.get_by_label("Minutes").fill("Present: the chair. One referral discussed.")
    press(page, "Save the minutes")
    meeting.refresh_from_db()
    assert meeting.minutes == "Present: the chair. One referral discussed."
    assert page.get_by_text("One referral discussed.").is_visible()
