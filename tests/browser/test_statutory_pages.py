"""The statutory steps' pages in real Chromium: a strategy discussion, the section 47 enquiry
it started and an NRM referral, each recorded and then changed. Each form is sent wrong first
(the error summary, nothing saved), then right, through the check of the answers, back to the
case with a success banner; every page is checked by axe-core, for a clean console and at
375 px."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import AgencyType, Role
from referrals.models import NRMReferral, Section47Enquiry, StrategyDiscussion
from referrals.workflow import referral_transition
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    assert_fits_a_phone,
    fill_date,
    sign_in,
    visit,
)
from tests.browser.test_casework_pages import _in_triage, refused, shots, submit
from tests.factories import AgencyFactory, AreaFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def confirmed(page: Any) -> None:
    """The check-answers page, checked like any other, then "Confirm"."""
    assert page.get_by_role("heading", name="Check your answers").first.is_visible()
    assert_clean_console(page)
    assert_accessible(page)
    assert_fits_a_phone(page)
    submit(page, "Confirm")


def done(page: Any, reference: str, banner: str) -> None:
    """Back on the case at its statutory steps, with the success banner."""
    assert page.url.endswith(f"/referrals/{reference}/#statutory"), page.url
    assert page.locator(".govuk-notification-banner--success").get_by_text(banner).is_visible()


def choose(page: Any, question: str, answer: str) -> None:
    page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()


def test_a_strategy_discussion_its_section_47_enquiry_and_an_nrm_referral(page: Any) -> None:
    area = AreaFactory.create()
    AgencyFactory.create(
        areas=[area],
        name="Northtown Children's Services",
        agency_type=AgencyType.CHILDRENS_SOCIAL_CARE,
    )
    AgencyFactory.create(areas=[area], name="Northtown Police", agency_type=AgencyType.POLICE)
    coordinator = member(Role.COORDINATOR, area=area)
    referral = referral_transition(
        referral=_in_triage(coordinator),
        actor=coordinator,
        name="decide",
        inputs={"decision": "multi_agency_plan", "reason": "Significant indicators."},
    )
    base = f"/referrals/{referral.reference}/"
    today = timezone.localdate()
    sign_in(page, coordinator.username)

    visit(page, f"{base}strategy-discussions/add/")
    shots(page, "strategy-discussion")
    submit(page, "Continue")
    refused(
        page,
        "Enter the date held",
        "Choose the agencies that took part",
        "Enter what was agreed",
        "Say whether a section 47 enquiry follows",
    )
    fill_date(page, "When was the strategy discussion held?", today)
    page.get_by_label("Northtown Children's Services").check()
    page.get_by_label("Northtown Police").check()
    page.get_by_label("What was agreed?").fill("Section 47 enquiry; police to visit the address.")
    choose(page, "Does a section 47 enquiry follow?", "Yes")
    submit(page, "Continue")
    assert page.get_by_text("Northtown Children's Services, Northtown Police").is_visible()
    confirmed(page)
    done(page, referral.reference, "Strategy discussion recorded")
    discussion = StrategyDiscussion.objects.get()
    assert discussion.section_47 and discussion.agencies.count() == 2

    visit(page, f"{base}strategy-discussions/{discussion.pk}/")
    fill_date(page, "When was the strategy discussion held?", today + timedelta(days=1))
    submit(page, "Continue")
    refused(page, "The date held must be today or in the past")
    fill_date(page, "When was the strategy discussion held?", today - timedelta(days=1))
    submit(page, "Continue")
    confirmed(page)
    done(page, referral.reference, "Strategy discussion changed")
    discussion.refresh_from_db()
    assert discussion.held_on == today - timedelta(days=1)

    visit(page, f"{base}section-47-enquiries/add/")
    shots(page, "section-47")
    submit(page, "Continue")
    refused(
        page,
        "Enter the date it started",
        "Choose what the enquiry found, or that it goes on",
    )
    fill_date(page, "When did the enquiry start?", today)
    page.get_by_label("Which strategy discussion started it? (optional)").select_option(
        str(discussion.pk)
    )
    choose(page, "What has the enquiry found?", "Not concluded yet")
    submit(page, "Continue")
    confirmed(page)
    done(page, referral.reference, "Section 47 enquiry recorded")
    enquiry = Section47Enquiry.objects.get()

    visit(page, f"{base}section-47-enquiries/{enquiry.pk}/")
    choose(page, "What has the enquiry found?", "Concerns not substantiated")
    fill_date(
        page,
        "When is the initial child protection conference? (optional)",
        today + timedelta(days=7),
    )
    submit(page, "Continue")
    refused(page, "A conference date goes with concerns substantiated and a conference held")
    choose(
        page,
        "What has the enquiry found?",
        "Concerns substantiated: initial child protection conference",
    )
    submit(page, "Continue")
    confirmed(page)
    done(page, referral.reference, "Section 47 enquiry changed")
    enquiry.refresh_from_db()
    assert enquiry.conference_on == today + timedelta(days=7)

    visit(page, f"{base}nrm-referrals/add/")
    shots(page, "nrm")
    page.get_by_label("Which first responder organisation referred?").fill("Northtown Council")
    fill_date(page, "When was the referral made?", today - timedelta(days=10))
    choose(page, "What was the reasonable grounds decision?", "Positive")
    choose(page, "What was the conclusive grounds decision?", "Not made yet")
    submit(page, "Continue")
    refused(page, "Enter the date of the reasonable grounds decision")
    assert not NRMReferral.objects.exists()
    fill_date(
        page,
        "When was the reasonable grounds decision made? (optional)",
        today - timedelta(days=5),
    )
    submit(page, "Continue")
    confirmed(page)
    done(page, referral.reference, "National Referral Mechanism referral recorded")
    nrm = NRMReferral.objects.get()

    visit(page, f"{base}nrm-referrals/{nrm.pk}/")
    choose(page, "What was the conclusive grounds decision?", "Positive")
    fill_date(
        page,
        "When was the conclusive grounds decision made? (optional)",
        today - timedelta(days=6),
    )
    submit(page, "Continue")
    refused(
        page,
        "The conclusive grounds decision cannot be before the reasonable grounds decision",
    )
    fill_date(page, "When was the conclusive grounds decision made? (optional)", today)
    submit(page, "Continue")
    confirmed(page)
    done(page, referral.reference, "National Referral Mechanism referral changed")
    nrm.refresh_from_db()
    assert nrm.conclusive_grounds == "positive"

    section = page.locator("#statutory ~ *").first
    assert section.is_visible()
    assert page.get_by_text("Reasonable grounds: Positive").is_visible()
    assert_accessible(page)
    assert_fits_a_phone(page)
    shots(page, "case-statutory")
