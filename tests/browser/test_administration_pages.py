"""An area administrator's pages in real Chromium, every form submitted wrong (the error
summary, the message on the field, nothing saved) and then right: choosing the role to act in,
people, agencies, settings and locked accounts."""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Agency, AgencyType, Area, Membership, Role, User
from notifications.models import EmailStatus, Notification, NotificationKind
from tests.browser.helpers import assert_accessible, sign_in, visit
from tests.factories import AgencyFactory, AreaFactory, locked_out, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page: Any, button: str) -> None:
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def assert_refused(page: Any, message: str) -> None:
    """The page again, with the error summary and the message on its field."""
    assert message in page.locator(".govuk-error-summary").inner_text()
    assert message in page.locator(".govuk-error-message").first.inner_text()
    assert_accessible(page)


def assert_banner(page: Any, message: str) -> None:
    assert message in page.locator(".govuk-notification-banner").inner_text()


def assert_confirmation(page: Any, heading: str) -> None:
    """A check-before-acting page: the question, what will happen, Confirm and Cancel."""
    assert heading in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("heading", name="What will happen").is_visible()
    assert page.get_by_role("link", name="Cancel").is_visible()
    assert_accessible(page)


def test_an_administrator_manages_their_area(page: Any) -> None:
    area = AreaFactory.create()
    agency = AgencyFactory.create(areas=[area])
    admin = member(Role.AREA_ADMINISTRATOR, area=area, agency=agency)
    Membership.objects.create(user=admin, role=Role.PRACTITIONER, area=area, agency=agency)
    sign_in(page, admin.username)
    base = f"/administration/{area.ons_code}"

    visit(page, "/")  # several roles: the one acted in is named, and changed from here
    assert page.get_by_role("link", name="Change role").is_visible()  # and from the header
    page.get_by_role("link", name="Change the role you are acting in").click()
    assert_accessible(page)
    submit(page, "Act in this role")
    assert_refused(page, "Select the role you are acting in")
    assert page.locator("input[type=radio]:checked").count() == 0  # nothing chosen for them
    page.get_by_label("Area administrator", exact=True).check()
    submit(page, "Act in this role")
    assert_banner(page, "You are now acting as Area administrator")

    visit(page, f"{base}/people/add/")
    page.get_by_label("Username").fill("sam.okafor")
    page.get_by_label("Yes: give them a role here").check()
    assert not page.get_by_label("Email").is_visible()  # asked only about a new account
    submit(page, "Save")
    assert_refused(page, "No account has the username sam.okafor")
    assert "Choose the role they are given" in page.locator(".govuk-error-summary").inner_text()
    assert not User.objects.filter(username="sam.okafor").exists()
    page.get_by_label("No: create their account").check()
    page.get_by_label("Email").fill("sam.okafor@example.org")
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("First password").fill("A long pass phrase for Sam 42")
    page.get_by_label("Role", exact=True).select_option(label="Coordinator")
    page.get_by_label("Agency").fill(agency.name[:4])  # the autocomplete asks the server
    page.get_by_role("option", name=agency.name, exact=True).click()
    submit(page, "Save")
    assert page.url.endswith(f"{base}/people/")
    sam = User.objects.get(username="sam.okafor")
    assert Membership.objects.filter(user=sam, role=Role.COORDINATOR, is_active=True).exists()

    assert_banner(page, "sam.okafor now has the role of Coordinator")
    page.get_by_label("Search by name, username or email").fill("okafor")
    page.get_by_role("search", name="People").get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    assert page.locator("tbody tr").count() == 1
    page.get_by_role("link", name="End role of sam.okafor as Coordinator").click()
    assert_confirmation(page, "Are you sure you want to end Sam Okafor's role as Coordinator?")
    page.get_by_role("link", name="Cancel").click()
    assert Membership.objects.filter(user=sam, is_active=True).exists()
    page.get_by_role("link", name="End role of sam.okafor as Coordinator").click()
    submit(page, "Confirm")
    assert_banner(page, "Sam Okafor's role as Coordinator has ended")
    assert not Membership.objects.filter(user=sam, is_active=True).exists()

    leaver = member(Role.PRACTITIONER, area=area, agency=agency)
    visit(page, f"{base}/people/?q={leaver.username}")
    page.get_by_role("link", name=f"Deactivate leaver {leaver.username}").click()
    assert_confirmation(page, "Are you sure you want to deactivate")
    submit(page, "Confirm")
    assert_banner(page, "has been deactivated and signed out of every device")
    leaver.refresh_from_db()
    assert leaver.is_active is False

    visit(page, f"{base}/agencies/")
    submit(page, "Add agency")
    assert_refused(page, "Enter the agency's name")
    assert not Agency.objects.filter(areas=area).exclude(pk=agency.pk).exists()
    page.get_by_label("Name").fill("Moorside Youth Trust")
    page.get_by_label("Type").select_option(value=AgencyType.SPECIALIST_VOLUNTARY)
    submit(page, "Add agency")
    assert_banner(page, "Moorside Youth Trust has been added")
    trust = Agency.objects.get(name="Moorside Youth Trust")
    page.get_by_role("link", name="Deactivate Moorside Youth Trust").click()
    assert_confirmation(page, "Are you sure you want to deactivate Moorside Youth Trust?")
    submit(page, "Confirm")
    assert_banner(page, "Moorside Youth Trust has been deactivated")
    trust.refresh_from_db()
    assert trust.is_active is False

    visit(page, f"{base}/settings/")
    red = page.get_by_label("Red concerns: working hours to a triage decision")
    red.fill("2000")
    submit(page, "Save settings")
    assert_refused(page, "Enter a number of 200 or less")
    assert Area.objects.get(pk=area.pk).rag_red_working_hours == 4
    red.fill("6")
    submit(page, "Save settings")
    assert_banner(page, "The settings have been saved")
    assert Area.objects.get(pk=area.pk).rag_red_working_hours == 6

    locked = member(Role.PRACTITIONER, area=area, agency=agency)
    locked_out(locked)
    visit(page, f"{base}/lockouts/")
    submit(page, f"Unlock {locked.username}")
    assert_banner(page, f"{locked.username} can sign in again")
    assert page.get_by_text("No account in this area is locked").is_visible()

    # The lists with rows in them fit a phone too: their tables scroll in their own region.
    Notification.objects.create(
        recipient=locked,
        kind=NotificationKind.LINK_ALERT,
        event_key="alert",
        title="Not shown to an administrator",
        email_status=EmailStatus.FAILED,
        email_attempts=8,
        email_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    visit(page, f"{base}/emails/")
    assert page.get_by_text("The mail server could not be reached.").is_visible()
    visit(page, f"{base}/audit/")
    assert page.get_by_role("cell", name="Unlocked the account").is_visible()
    assert page.get_by_role("cell", name="Changed the settings: Red concerns").is_visible()
