"""Every workflow step's page in real Chromium, submitted as a person would: once wrong (the
error summary, nothing saved) and once right (back to the case with a banner saying what was
done). The decision, closing, merging and transferring go through a check of the answers
first, where nothing is written before "Confirm"."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Role
from referrals.models import (
    Decision,
    InformationRequest,
    Rag,
    Referral,
    ReferralAssignment,
    ReferralState,
    RiskLevel,
)
from referrals.workflow import referral_transition
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    fill_date,
    sign_in,
    visit,
)
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Agreed at the strategy discussion."
NARRATIVE = "Seen getting into cars with older men near the taxi rank."


def shot(page: Any, name: str) -> None:
    """With SCREENSHOT_DIR set, the page as it is and at a phone's width, to look at."""
    if folder := os.environ.get("SCREENSHOT_DIR"):
        wide = page.viewport_size
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)
        page.set_viewport_size({"width": 375, "height": wide["height"]})
        page.screenshot(path=f"{folder}/{name}-375.png", full_page=True)
        page.set_viewport_size(wide)


def press(page: Any, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def open_step(page: Any, referral: Referral, name: str) -> None:
    visit(page, f"/referrals/{referral.reference}/steps/{name}/")


def refused(page: Any, *messages: str) -> None:
    """The page again, with the GOV.UK error summary naming each problem."""
    summary = page.locator(".govuk-error-summary")
    for message in messages:
        assert summary.get_by_text(message).first.is_visible(), summary.inner_text()
    assert_accessible(page)
    assert_clean_console(page)


def done(page: Any, referral: Referral, banner: str) -> None:
    """Back on the case page with the success banner."""
    assert page.url.endswith(f"/referrals/{referral.reference}/"), page.url
    shown = page.locator(".govuk-notification-banner--success").inner_text()
    assert banner in shown, shown


def state_of(referral: Referral) -> str:
    return Referral.objects.get(pk=referral.pk).state


def test_a_coordinator_takes_the_case_through_each_step(page: Any) -> None:
    area = AreaFactory.create()
    elsewhere = AreaFactory.create(name="Southtown")
    agency = AgencyFactory.create(areas=[area], name="Northtown Youth Service")
    lead = member(Role.LEAD_PROFESSIONAL, area=area, agency=agency)
    coordinator = member(Role.COORDINATOR, area=area)
    practitioner = member(Role.PRACTITIONER, area=area)
    referral = raise_referral(
        practitioner,
        submit=True,
        concern={"narrative": NARRATIVE, "screening_indicators": ["going_missing", "out_late"]},
        given_name="Jade",
        family_name="Lowe",
    )
    duplicate = raise_referral(practitioner, submit=True, given_name="Jade", family_name="Low")
    moving = raise_referral(practitioner, submit=True)
    referral_transition(referral=moving, actor=coordinator, name="start_triage")
    sign_in(page, coordinator.username)

    # Start triage: a button on the case page, then the step's own.
    visit(page, f"/referrals/{referral.reference}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Start triage").click()
    shot(page, "step-start-triage")
    press(page, "Start triage")
    done(page, referral, "Triage started")

    # The RAG rating: each rating a coloured tag with what it means and the area's clock.
    open_step(page, referral, "set_rag")
    assert page.locator("label .govuk-tag--red").inner_text() == "Red"
    assert page.get_by_text("a response within 4 working hours").is_visible()
    shot(page, "step-set-rag")
    press(page, "Set the RAG rating")
    refused(page, "Choose a RAG rating", "Enter the reason")
    page.get_by_role("radio", name="Amber").check()
    page.get_by_label("Reason").fill("Seen with older men at the taxi rank.")
    press(page, "Set the RAG rating")
    done(page, referral, "RAG rating set: Amber")

    # The risk level: its own scale, with the screening tool's proposal beside it.
    open_step(page, referral, "reassess_risk")
    assert page.get_by_text("The screening tool proposed").is_visible()
    press(page, "Reassess the risk")
    refused(page, "Choose a risk level", "Enter the reason")
    page.get_by_role("radio", name="High: being exploited, coercion or control").check()
    page.get_by_label("Reason").fill("Disclosed being given a phone.")
    press(page, "Reassess the risk")
    done(page, referral, "Risk level set: High")

    # The decision: the concern shown; the statutory questions only under a statutory referral.
    open_step(page, referral, "decide")
    assert page.get_by_role("heading", name="The concern", exact=True).is_visible()
    assert page.get_by_text(NARRATIVE).is_visible()
    assert page.get_by_text("Going missing").is_visible()
    route = page.get_by_role("group", name="Statutory route")
    assert not route.is_visible()
    page.get_by_role("radio", name="Statutory referral to children's social care").check()
    assert route.is_visible()
    shot(page, "step-decide")
    press(page, "Continue")
    refused(
        page,
        "Choose section 17 or section 47",
        "Enter children's social care's reference",
        "Enter the reason",
    )
    assert state_of(referral) == ReferralState.IN_TRIAGE
    # A plan: what was typed under the statutory answer is not asked, nor kept.
    page.get_by_label("Children's social care reference").fill("CSC-1")
    page.get_by_role("radio", name="Multi-agency plan").check()
    page.get_by_label("Reason").fill(REASON)
    press(page, "Continue")
    assert page.get_by_role("heading", name="Check your answers: record the decision").is_visible()
    assert page.get_by_text("The referral becomes an active plan").is_visible()
    assert not page.get_by_text("CSC-1").is_visible()
    assert_accessible(page)
    shot(page, "step-decide-check")
    assert state_of(referral) == ReferralState.IN_TRIAGE  # nothing written yet
    press(page, "Change your answers")
    assert page.get_by_role("radio", name="Multi-agency plan").is_checked()
    press(page, "Continue")
    press(page, "Confirm: record the decision")
    done(page, referral, "Decision recorded: Multi-agency plan")
    decided = Referral.objects.get(pk=referral.pk)
    assert (decided.state, decided.decision, decided.external_reference) == (
        ReferralState.ACTIVE,
        Decision.MULTI_AGENCY_PLAN,
        "",
    )

    # A lead professional.
    open_step(page, referral, "assign_lead")
    press(page, "Assign a lead professional")
    refused(page, "Choose the agency")
    page.get_by_role("radio", name="Northtown Youth Service", exact=True).check()
    page.get_by_role("radio", name=f"{lead.get_full_name()} (Northtown Youth Service)").check()
    press(page, "Assign a lead professional")
    done(page, referral, f"Lead professional: {lead.get_full_name()}")
    assert ReferralAssignment.objects.filter(referral=referral, lead_professional=lead).exists()

    # A request for information, its date in day, month and year.
    open_step(page, referral, "request_information")
    page.get_by_role("radio", name="Northtown Youth Service", exact=True).check()
    page.get_by_label("What information do you need?").fill("School attendance this term.")
    fill_date(page, "Due by", timezone.localdate() - timedelta(days=1))
    press(page, "Request information from an agency")
    refused(page, "The date must be today or in the future")
    assert not InformationRequest.objects.filter(referral=referral).exists()
    due = timezone.localdate() + timedelta(days=5)
    fill_date(page, "Due by", due)
    press(page, "Request information from an agency")
    done(
        page,
        referral,
        f"Information requested from Northtown Youth Service, due by {due:%-d %B %Y}",
    )

    # A review.
    open_step(page, referral, "review")
    press(page, "Record a review")
    refused(page, "Enter what the review found")
    page.get_by_label("What did the review find?").fill("Attending school; no missing episodes.")
    next_review = timezone.localdate() + timedelta(weeks=6)
    fill_date(page, "Next review by", next_review)
    press(page, "Record a review")
    done(page, referral, f"Next review by {next_review:%-d %B %Y}")

    # Closing: its outcome (a select: more than five) checked before it is written.
    open_step(page, referral, "close")
    press(page, "Continue")
    refused(page, "Choose the outcome", "Enter the reason")
    page.get_by_label("Outcome").select_option(label="Risk reduced")
    page.get_by_label("Reason").fill("Plan complete.")
    press(page, "Continue")
    assert page.get_by_text("The referral closes with the outcome “Risk reduced”").is_visible()
    assert state_of(referral) == ReferralState.ACTIVE
    shot(page, "step-close-check")
    press(page, "Confirm: close the referral")
    done(page, referral, "Referral closed: Risk reduced")

    open_step(page, referral, "reopen")
    press(page, "Reopen the referral")
    refused(page, "Enter the reason")
    page.get_by_label("Reason").fill("A new concern from the school.")
    press(page, "Reopen the referral")
    done(page, referral, "Referral reopened")

    # Merging the duplicate into the referral kept: the check names whom it keeps.
    open_step(page, duplicate, "merge")
    page.get_by_label("Reference of the referral to keep").fill("R00-000000")
    page.get_by_label("Reason").fill("The same young person, raised twice.")
    press(page, "Continue")
    refused(page, "Enter the reference of another open referral in this area")
    page.get_by_label("Reference of the referral to keep").fill(referral.reference.lower())
    press(page, "Continue")
    assert page.get_by_text(f"points to {referral.reference} (Jade Lowe, in triage)").is_visible()
    assert state_of(duplicate) == ReferralState.SUBMITTED
    press(page, "Confirm: merge into another referral")
    done(page, duplicate, f"Merged into {referral.reference}")
    assert Referral.objects.get(pk=duplicate.pk).merged_into_id == referral.pk

    # A transfer to the area the young person has moved to.
    open_step(page, moving, "transfer")
    press(page, "Continue")
    refused(page, "Choose the area the young person has moved to", "Enter the reason")
    page.get_by_role("radio", name="Southtown").check()
    page.get_by_label("Reason").fill("Moved to live with an aunt.")
    press(page, "Continue")
    assert page.get_by_text("The coordinators of Southtown are asked").is_visible()
    shot(page, "step-transfer-check")
    press(page, "Confirm: transfer to another area")
    done(page, moving, "Transfer requested: the coordinators of Southtown")
    assert Referral.objects.get(pk=moving.pk).transfer_to_area_id == elsewhere.pk

    rated = Referral.objects.get(pk=referral.pk)
    assert (rated.rag, rated.risk_level) == (Rag.AMBER, RiskLevel.HIGH)


def test_the_referrer_and_a_receiving_area_take_theirs(page: Any) -> None:
    area, receiving = AreaFactory.create(), AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)
    coordinator = member(Role.COORDINATOR, area=area)
    draft = raise_referral(practitioner)
    sent = raise_referral(practitioner, submit=True)
    arriving, declined = (raise_referral(practitioner, submit=True) for _ in range(2))
    for moving in (arriving, declined):
        referral_transition(referral=moving, actor=coordinator, name="start_triage")
        referral_transition(
            referral=moving,
            actor=coordinator,
            name="transfer",
            inputs={"area": str(receiving.pk), "reason": "Moved away."},
        )

    sign_in(page, practitioner.username)
    open_step(page, draft, "submit")
    press(page, "Submit the concern")
    done(page, draft, "Concern sent to the area's coordinators")
    open_step(page, sent, "withdraw")
    press(page, "Withdraw the concern")
    refused(page, "Enter the reason")
    assert state_of(sent) == ReferralState.SUBMITTED
    page.get_by_label("Reason").fill("Raised for the wrong young person.")
    press(page, "Withdraw the concern")
    done(page, sent, "Concern withdrawn")

    page.context.clear_cookies()
    sign_in(page, member(Role.COORDINATOR, area=receiving).username)
    open_step(page, arriving, "accept_transfer")
    press(page, "Accept the transfer")
    arrived = Referral.objects.get(transferred_from=arriving)
    done(page, arrived, "Transfer accepted")
    open_step(page, declined, "decline_transfer")
    press(page, "Decline the transfer")
    refused(page, "Enter the reason")
    page.get_by_label("Reason").fill("Not known at this address.")
    press(page, "Decline the transfer")
    assert page.url.rstrip("/").count("/") == 2  # home: the referral is out of sight again
    assert "Transfer declined" in page.locator(".govuk-notification-banner--success").inner_text()
    assert state_of(declined) == ReferralState.IN_TRIAGE


def test_a_partnership_of_many_agencies_picks_the_lead_by_typing(page: Any) -> None:
    """More than five agencies or lead professionals: each is an autocomplete over the
    partnership's list, picked by typing part of a name."""
    area = AreaFactory.create()
    agencies = [AgencyFactory.create(areas=[area], name=f"Northtown Service {n}") for n in range(7)]
    leads = [member(Role.LEAD_PROFESSIONAL, area=area, agency=agency) for agency in agencies]
    coordinator = member(Role.COORDINATOR, area=area)
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    referral_transition(referral=referral, actor=coordinator, name="start_triage")
    referral_transition(
        referral=referral,
        actor=coordinator,
        name="decide",
        inputs={"decision": "multi_agency_plan", "reason": REASON},
    )
    chosen, lead = agencies[5], leads[5]
    sign_in(page, coordinator.username)
    open_step(page, referral, "assign_lead")
    assert not page.get_by_role("radio").count()
    page.get_by_label("Agency").fill("Service 5")
    page.get_by_role("option", name=chosen.name, exact=True).click()
    page.get_by_label("Lead professional").fill(lead.last_name)
    page.get_by_role("option", name=f"{lead.get_full_name()} ({chosen.name})").click()
    assert_accessible(page)
    shot(page, "step-assign-lead-autocomplete")
    press(page, "Assign a lead professional")
    done(page, referral, f"Lead professional: {lead.get_full_name()}")
    assert ReferralAssignment.objects.filter(
        referral=referral, agency=chosen, lead_professional=lead
    ).exists()
