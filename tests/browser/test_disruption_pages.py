"""The disruption pages in real Chromium: no script or CSP errors, and axe-core finds nothing
serious, for the log, expiring orders, logging from a referral (errors shown) and updating."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import AgencyType, Role
from disruption.activity_services import disruption_activity_add
from disruption.models import DisruptionActivity, DisruptionTactic, PersonOfConcern
from tests.browser.helpers import assert_accessible, assert_clean_console, sign_in, visit
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_police_lead_pages(page: Any) -> None:
    area = AreaFactory.create()
    police = AgencyFactory.create(areas=[area], agency_type=AgencyType.POLICE)
    police_lead = member(Role.POLICE_LEAD, area=area, agency=police)
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    person = PersonOfConcern.objects.create(area=area, name="Synthetic", created_by=police_lead)
    today = timezone.localdate()
    activity = disruption_activity_add(
        actor=police_lead,
        target=person,
        tactic=DisruptionTactic.objects.get(code="cawn"),
        mode="direct",
        owner=police_lead,
        status="done",
        issued_on=today - timedelta(days=720),
        outcome="Served",
        referrals=[referral],
    )
    sign_in(page, police_lead.username)
    visit(page, "/disruption/")
    visit(page, "/disruption/expiring/")
    assert page.get_by_role("cell", name="Synthetic").is_visible()
    visit(page, f"/referrals/{referral.reference}/")
    # The case page offers it (a link styled as a button) in its disruption section.
    offered = page.get_by_role("button", name="Log disruption activity").get_attribute("href")
    page.goto(offered)
    assert_accessible(page)
    page.get_by_role("button", name="Log the activity").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert_clean_console(page)
    assert_accessible(page)
    page.get_by_label("Target").fill("synth")
    page.get_by_role("option", name="Synthetic (person of concern)").click()
    page.get_by_label("Tactic").select_option(label="Intelligence submission")
    page.get_by_label("Direct (the suspect)").check()
    # A list of people: typing filters it (GOV.UK accessible autocomplete).
    page.get_by_label("Owner").fill(police_lead.last_name[:4])
    page.get_by_role("option", name=f"{police_lead.get_full_name()} ({police.name})").click()
    page.get_by_role("button", name="Log the activity").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/referrals/{referral.reference}/")
    assert DisruptionActivity.objects.count() == 2
    visit(page, f"/disruption/{activity.pk}/")
    issued = page.get_by_role("group", name="Issued or applied")
    issued.get_by_label("Day", exact=True).fill("32")
    page.get_by_label("Outcome").fill("Served, and breached once.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    assert (
        "Enter a real date: issued or applied" in page.locator(".govuk-error-summary").inner_text()
    )
    assert_accessible(page)
    activity.refresh_from_db()
    assert activity.outcome == "Served"
    issued.get_by_label("Day", exact=True).fill(str((today - timedelta(days=720)).day))
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith("/disruption/")
    activity.refresh_from_db()
    assert activity.outcome == "Served, and breached once."
