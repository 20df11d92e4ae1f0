"""The workflow step pages (frontend.steps) through the Django test client: the questions in
their GOV.UK patterns, the check of the answers before a consequential step (nothing written
until "Confirm", a way back to change), the banner after every step, need to know."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from agencies.models import Role
from audit.models import AuditAction, AuditEvent
from referrals.models import Referral, ReferralEvent, ReferralState
from referrals.workflow import referral_transition
from tests.factories import AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

NARRATIVE = "Seen in a car with two older men outside the school."


@pytest.fixture
def case(client: Client) -> dict[str, Any]:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    practitioner = member(Role.PRACTITIONER, area=area)
    referral = raise_referral(practitioner, submit=True, concern={"narrative": NARRATIVE})
    referral_transition(referral=referral, actor=coordinator, name="start_triage")
    sign_in(client, coordinator)
    return {"referral": referral, "coordinator": coordinator, "practitioner": practitioner}


def url(referral: Referral, name: str) -> str:
    return f"/referrals/{referral.reference}/steps/{name}/"


def banner(client: Client, response: Any) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"]).content.decode()
    found = re.search(r'notification-banner__heading">([^<]*)<', page)
    assert found, "no success banner"
    return unescape(found.group(1))


def test_closing_is_checked_first_and_nothing_is_written_before_confirm(
    client: Client, case: dict[str, Any]
) -> None:
    referral = case["referral"]
    referral_transition(
        referral=referral,
        actor=case["coordinator"],
        name="decide",
        inputs={"decision": "multi_agency_plan", "reason": "Plan agreed."},
    )
    events = ReferralEvent.objects.filter(referral=referral).count()
    written = AuditEvent.objects.filter(action=AuditAction.TRANSITION).count()
    answers = {"outcome": "risk_reduced", "reason": "Plan complete."}

    check = client.post(url(referral, "close"), answers).content.decode()
    assert "Check your answers: close the referral" in check
    assert "Risk reduced" in check and "Plan complete." in check
    for name, value in answers.items():
        assert f'<input type="hidden" name="{name}" value="{value}">' in check
    assert Referral.objects.get(pk=referral.pk).state == ReferralState.ACTIVE
    assert ReferralEvent.objects.filter(referral=referral).count() == events
    assert AuditEvent.objects.filter(action=AuditAction.TRANSITION).count() == written

    # Back to change: the form again with the answers, and no error.
    again = client.post(url(referral, "close"), {**answers, "change": "yes"}).content.decode()
    assert '<option value="risk_reduced" selected>' in again
    assert "Plan complete.</textarea>" in again
    assert "govuk-error-summary" not in again
    assert Referral.objects.get(pk=referral.pk).state == ReferralState.ACTIVE

    confirmed = client.post(url(referral, "close"), {**answers, "confirm": "yes"})
    assert banner(client, confirmed) == "Referral closed: Risk reduced"
    assert Referral.objects.get(pk=referral.pk).state == ReferralState.CLOSED


def test_a_step_the_service_refuses_is_shown_on_the_form_not_checked(
    client: Client, case: dict[str, Any]
) -> None:
    response = client.post(url(case["referral"], "merge"), {"into": "R00-1", "reason": "Twice."})
    html = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in html
    assert "Enter the reference of another open referral in this area" in html
    assert "Check your answers" not in html


@pytest.mark.parametrize(
    ("name", "answers", "said"),
    [
        ("set_rag", {"rag": "red", "reason": "Missing overnight."}, "RAG rating set: Red"),
        (
            "reassess_risk",
            {"risk_level": "low", "reason": "Engaging with the youth worker."},
            "Risk level set: Low: at risk, being targeted",
        ),
        (
            "decide",
            {"decision": "no_further_action", "reason": "Unfounded.", "confirm": "yes"},
            "Decision recorded: No further action. The referral is closed",
        ),
        (
            "decide",
            {
                "decision": "statutory_referral",
                "statutory_type": "s47",
                "external_reference": "CSC-88",
                "keep_active": "yes",
                "reason": "Strategy discussion held.",
                "confirm": "yes",
            },
            "Decision recorded: Statutory referral to children's social care. The plan is "
            "active: name its lead professionals next",
        ),
    ],
)
def test_each_step_ends_with_a_banner_saying_what_was_done(
    client: Client, case: dict[str, Any], name: str, answers: dict[str, str], said: str
) -> None:
    assert banner(client, client.post(url(case["referral"], name), answers)) == said


def test_questions_take_the_pattern_their_answers_need(
    client: Client, case: dict[str, Any]
) -> None:
    referral = case["referral"]
    rag = client.get(url(referral, "set_rag")).content.decode()
    assert len(re.findall(r'name="rag" type="radio"', rag)) == 3
    assert '<strong class="govuk-tag govuk-tag--red">Red</strong>' in rag
    assert "a response within 4 working hours" in rag

    referral_transition(
        referral=referral,
        actor=case["coordinator"],
        name="decide",
        inputs={"decision": "multi_agency_plan", "reason": "Plan agreed."},
    )
    close = client.get(url(referral, "close")).content.decode()
    assert '<select class="govuk-select" id="id_outcome" name="outcome"' in close  # six outcomes
    asked = client.get(url(referral, "request_information")).content.decode()
    for part in ("day", "month", "year"):
        assert f'name="due_on_{part}"' in asked


def test_the_decision_page_shows_the_concern_and_records_that_it_was_seen(
    client: Client, case: dict[str, Any]
) -> None:
    referral = case["referral"]
    seen = AuditEvent.objects.filter(action=AuditAction.VIEW, object_id=str(referral.pk))
    before = seen.count()
    html = client.get(url(referral, "decide")).content.decode()
    assert NARRATIVE in html
    assert seen.count() == before + 1
    # The statutory questions sit under the statutory answer, revealed when it is chosen.
    reveal = html.index('class="govuk-radios__conditional app-reveal"')
    assert html.index('value="statutory_referral"') < reveal < html.index('name="statutory_type"')
    assert reveal < html.index('value="multi_agency_plan"')


def test_a_step_not_open_to_the_person_is_not_found(client: Client, case: dict[str, Any]) -> None:
    referral = case["referral"]
    assert client.get(url(referral, "close")).status_code == 404  # not before a decision
    assert client.get(url(referral, "no_such_step")).status_code == 404
    practitioner = Client()
    sign_in(practitioner, case["practitioner"])
    assert practitioner.get(url(referral, "decide")).status_code == 404
    elsewhere = Client()
    sign_in(elsewhere, member(Role.COORDINATOR))
    assert elsewhere.get(url(referral, "set_rag")).status_code == 404
    assert elsewhere.post(url(referral, "set_rag"), {"rag": "red"}).status_code == 404
