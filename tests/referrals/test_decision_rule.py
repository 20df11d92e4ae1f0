"""The triage decision taken as a whole (referrals.models.check_decision): one rule, which the
workflow step, the API and the step page all answer with."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from agencies.models import Role
from referrals.models import Referral, ReferralState, check_decision
from referrals.workflow import referral_transition
from tests.factories import AreaFactory, member, raise_referral, sign_in

REASON = "Agreed at the strategy discussion."
NO_ROUTE = "takes no statutory route"


def problems(**answers: str) -> dict[str, list[str]]:
    try:
        check_decision(**answers)
    except ValidationError as exc:
        return exc.message_dict
    return {}


@pytest.mark.parametrize(
    ("answers", "fields"),
    [
        ({"decision": "multi_agency_plan"}, set()),
        ({"decision": "no_further_action"}, set()),
        (
            {"decision": "statutory_referral", "statutory_type": "s47", "external_reference": "C1"},
            set(),
        ),
        (
            {
                "decision": "statutory_referral",
                "statutory_type": "s17",
                "external_reference": "C1",
                "keep_active": "yes",
            },
            set(),
        ),
        ({"decision": ""}, {"decision"}),
        ({"decision": "close_it"}, {"decision"}),
        ({"decision": "statutory_referral"}, {"statutory_type", "external_reference"}),
        (
            {
                "decision": "statutory_referral",
                "statutory_type": "s48",
                "external_reference": " ",
                "keep_active": "maybe",
            },
            {"statutory_type", "external_reference", "keep_active"},
        ),
        # A plan beside a statutory route is a statutory referral kept open, never both.
        ({"decision": "multi_agency_plan", "statutory_type": "s47"}, {"statutory_type"}),
        ({"decision": "multi_agency_plan", "external_reference": "C1"}, {"external_reference"}),
        ({"decision": "multi_agency_plan", "keep_active": "yes"}, {"keep_active"}),
        ({"decision": "advice_and_signposting", "keep_active": "no"}, {"keep_active"}),
    ],
)
def test_a_decision_is_checked_as_a_whole(answers: dict[str, str], fields: set[str]) -> None:
    assert set(problems(**answers)) == fields


def test_a_plan_with_a_section_47_enquiry_says_how_to_record_both() -> None:
    (message,) = problems(decision="multi_agency_plan", statutory_type="s47")["statutory_type"]
    assert message == (
        "A decision of multi-agency plan takes no statutory route: for a plan alongside a "
        "section 17 assessment or section 47 enquiry, choose a statutory referral and keep the "
        "referral open"
    )


@pytest.fixture
def in_triage(db: None) -> dict[str, Any]:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    referral_transition(referral=referral, actor=coordinator, name="start_triage")
    return {"referral": referral, "coordinator": coordinator}


def test_the_step_the_api_and_the_page_refuse_a_plan_with_a_statutory_route(
    in_triage: dict[str, Any],
) -> None:
    referral, coordinator = in_triage["referral"], in_triage["coordinator"]
    both = {"decision": "multi_agency_plan", "statutory_type": "s47", "reason": REASON}
    with pytest.raises(ValidationError) as excinfo:
        referral_transition(referral=referral, actor=coordinator, name="decide", inputs=both)
    assert set(excinfo.value.message_dict) == {"statutory_type"}

    api = APIClient()
    sign_in(api, coordinator)
    answer = api.post(
        f"/api/v1/referrals/{referral.reference}/transitions/decide/", both, format="json"
    )
    assert answer.status_code == 422
    assert NO_ROUTE in str(answer.json())

    # The page asks for the route under "statutory referral" only; sent with another decision
    # (a crafted request, or typed before the answer changed) it is not asked, so not kept.
    page = Client()
    sign_in(page, coordinator)
    step = f"/referrals/{referral.reference}/steps/decide/"
    statutory_without_route = {"decision": "statutory_referral", "reason": REASON}
    shown = page.post(step, statutory_without_route).content.decode()
    assert "Choose section 17 or section 47" in shown
    assert "govuk-error-summary" in shown
    confirmed = page.post(step, {**both, "external_reference": "CSC-1", "confirm": "yes"})
    assert confirmed.status_code == 302
    decided = Referral.objects.get(pk=referral.pk)
    assert (decided.state, decided.statutory_type, decided.external_reference) == (
        ReferralState.ACTIVE,
        "",
        "",
    )
