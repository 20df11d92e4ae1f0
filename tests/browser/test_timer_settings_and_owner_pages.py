"""In real Chromium: an area administrator sets the escalation cap and the out-of-hours
emergency duty contact (refused first, then saved), and a coordinator gives a protective action
to another owner (refused first, then done, with the new owner told)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Area, Role
from notifications.models import Notification
from referrals.casework import action_add
from referrals.models import ProtectiveAction, ProtectiveActionType
from referrals.workflow import referral_assign_lead, referral_transition
from tests.browser.helpers import assert_accessible, assert_fits_a_phone, sign_in, visit
from tests.browser.test_casework_pages import _in_triage, done, refused, shots, submit
from tests.factories import AgencyFactory, AreaFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_sets_the_escalation_cap_and_the_emergency_duty_contact(
    page: Any,
) -> None:
    area = AreaFactory.create()
    duty = AgencyFactory.create(areas=[area], name="Emergency Duty Team")
    admin = member(Role.AREA_ADMINISTRATOR, area=area, agency=duty)
    coordinator = member(Role.COORDINATOR, area=area, agency=duty)
    sign_in(page, admin.username)
    visit(page, f"/administration/{area.ons_code}/settings/")
    cap = page.get_by_label("Escalations before a final notice")
    cap.fill("0")
    page.get_by_label("Agency told out of hours").select_option(label="Emergency Duty Team")
    page.get_by_label("Person told out of hours, instead of an agency").select_option(
        label=f"{coordinator.get_full_name()} ({coordinator.username})"
    )
    submit(page, "Save settings")
    refused(
        page,
        "Enter a number of 1 or more",
        "Choose an agency or a person as the emergency duty contact, not both",
    )
    shots(page, "area-settings-out-of-hours")
    kept = Area.objects.get(pk=area.pk)
    assert kept.escalation_max_repeats == 3 and kept.emergency_duty_agency is None
    cap.fill("5")
    page.get_by_label("Person told out of hours, instead of an agency").select_option(
        label="Nobody named"
    )
    submit(page, "Save settings")
    assert "The settings have been saved" in page.locator(".govuk-notification-banner").inner_text()
    kept = Area.objects.get(pk=area.pk)
    assert kept.escalation_max_repeats == 5 and kept.emergency_duty_agency == duty
    assert kept.emergency_duty_person is None


def test_a_coordinator_gives_an_action_to_another_owner(page: Any) -> None:
    area = AreaFactory.create()
    agency = AgencyFactory.create(areas=[area], name="Northtown Youth Service")
    coordinator = member(Role.COORDINATOR, area=area)
    lead = member(Role.LEAD_PROFESSIONAL, area=area, agency=agency)
    other = member(Role.LEAD_PROFESSIONAL, area=area, agency=agency)
    referral = referral_transition(
        referral=_in_triage(coordinator),
        actor=coordinator,
        name="decide",
        inputs={"decision": "multi_agency_plan", "reason": "Significant indicators."},
    )
    referral_assign_lead(
        referral=referral, actor=coordinator, agency=agency, lead_professional=lead
    )
    action = action_add(
        referral=referral,
        actor=coordinator,
        action_type=ProtectiveActionType.objects.get(code="safety_plan"),
        owner=lead,
        due_on=timezone.localdate() + timedelta(days=7),
    )
    sign_in(page, coordinator.username)
    visit(page, f"/referrals/{referral.reference}/")
    page.get_by_role("link", name="Change owner of the action: Safety plan").click()
    assert_accessible(page)
    assert_fits_a_phone(page)
    submit(page, "Change the owner")
    refused(page, "Choose who owns the action")
    shots(page, "action-owner")
    page.get_by_label(f"{other.get_full_name()} (Northtown Youth Service)").check()
    submit(page, "Change the owner")
    done(
        page,
        referral.reference,
        f"Safety plan now owned by {other.get_full_name()}: they have been told",
    )
    assert ProtectiveAction.objects.get(pk=action.pk).owner == other
    assert Notification.objects.filter(recipient=other, referral=referral).exists()
