"""Working a case in real Chromium, from concern to a protective action done: a practitioner
raises the concern through the form; the coordinator triages it, decides on a plan, names a
lead professional and adds an action; the lead professional records its outcome. Each main
page loads without script or CSP errors and axe-core finds nothing serious."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Role
from referrals.models import ActionStatus, ProtectiveAction, Referral, ReferralState
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    fill_date,
    raise_concern_through_pages,
    sign_in,
)
from tests.factories import AgencyFactory, AreaFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def second_page(open_page: Callable[[], Any]) -> Any:
    """Another person's browser, signed in separately."""
    return open_page()


def checked(page: Any) -> None:
    assert_clean_console(page)
    assert_accessible(page)


def submit(page: Any, button: str) -> None:
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def follow(page: Any, button: str) -> None:
    """The case page's steps and actions: links drawn as GOV.UK buttons (role "button"), each
    to its own page."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def test_a_concern_becomes_a_plan_and_its_action_is_done(page: Any, second_page: Any) -> None:
    area = AreaFactory.create()
    agency = AgencyFactory.create(areas=[area], name="Northtown Youth Service")
    coordinator = member(Role.COORDINATOR, area=area)
    lead = member(Role.LEAD_PROFESSIONAL, area=area, agency=agency)
    # The practitioner raises the concern through the form and gets its reference.
    practitioner = member(Role.PRACTITIONER, area=area)
    sign_in(page, practitioner.username)
    reference = raise_concern_through_pages(page, given_name="Jade", family_name="Lowe")
    checked(page)
    referral = Referral.objects.get(reference=reference, state=ReferralState.SUBMITTED)
    detail = f"/referrals/{referral.reference}/"
    page.context.clear_cookies()

    # The coordinator triages the concern and decides on a multi-agency plan.
    sign_in(page, coordinator.username)
    page.goto(detail)
    checked(page)
    follow(page, "Start triage")
    submit(page, "Start triage")
    assert page.get_by_text("In triage", exact=True).is_visible()
    follow(page, "Record the decision")
    page.get_by_role("radio", name="Multi-agency plan").check()
    page.get_by_label("Reason").fill("Going missing and gifts from an older man.")
    submit(page, "Continue")
    submit(page, "Confirm: record the decision")
    assert page.get_by_text("Active plan", exact=True).is_visible()

    follow(page, "Assign a lead professional")
    page.get_by_role("radio", name="Northtown Youth Service", exact=True).check()
    page.get_by_role("radio", name=f"{lead.get_full_name()} (Northtown Youth Service)").check()
    submit(page, "Assign a lead professional")
    assert page.get_by_text(f"Northtown Youth Service: {lead.get_full_name()}").is_visible()

    # The action: a bad date first, shown on its field, then a good one.
    follow(page, "Add a protective action")
    checked(page)
    page.get_by_label("Action", exact=True).select_option(label="Safety plan")
    page.get_by_label(f"{lead.get_full_name()} (Northtown Youth Service)").check()
    fill_date(page, "Due by", date(2020, 1, 1))
    submit(page, "Add the action")
    assert (
        page.locator(".govuk-error-summary")
        .get_by_text("The due date must be today or in the future")
        .is_visible()
    )
    checked(page)
    due = timezone.localdate() + timedelta(days=7)
    fill_date(page, "Due by", due)
    submit(page, "Add the action")
    actions = page.get_by_role("table").filter(has_text="Safety plan")
    assert actions.get_by_text(f"{lead.get_full_name()}, Northtown Youth Service").is_visible()
    assert actions.get_by_text("Open", exact=True).is_visible()
    checked(page)

    page.get_by_role("link", name="Timeline of this referral").click()
    assert page.get_by_role("heading", name="Protective action added").is_visible()
    assert page.get_by_text("Multi-agency plan").first.is_visible()
    checked(page)

    # The lead professional marks it done with its outcome.
    sign_in(second_page, lead.username)
    second_page.goto(detail)
    checked(second_page)
    second_page.get_by_role("link", name="Update the action: Safety plan").click()
    submit(second_page, "Save")
    assert second_page.locator(".govuk-error-summary").is_visible()
    checked(second_page)
    second_page.get_by_label("Done").check()
    second_page.get_by_label("Outcome, or why it was cancelled").fill(
        "Safety plan agreed with Jade and her carer."
    )
    submit(second_page, "Save")
    assert second_page.url.endswith(detail)
    assert second_page.get_by_text(
        "Outcome: Safety plan agreed with Jade and her carer."
    ).is_visible()
    assert second_page.get_by_role("table").get_by_text("Done", exact=True).is_visible()
    assert ProtectiveAction.objects.get(referral=referral).status == ActionStatus.DONE

    # The coordinator sees the outcome too, and nothing overdue.
    page.goto(detail)
    assert page.get_by_text("Outcome: Safety plan agreed with Jade and her carer.").is_visible()
    page.goto("/actions/overdue/")
    assert page.get_by_text("No protective action is overdue").is_visible()
    checked(page)
