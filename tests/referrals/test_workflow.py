"""The referral workflow: declared once on the model, taken through one service and the API."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from agencies.models import Role, User
from audit.models import AuditAction, AuditEvent
from referrals.models import Decision, Referral, ReferralState
from referrals.workflow import TransitionConflict, declared_transitions, referral_transition
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral, sign_in
from tests.strength import examples

pytestmark = pytest.mark.django_db

REASON = {"reason": "Seen by the school nurse; plan agreed with the family."}


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def post(user: User, referral: Referral, name: str, **inputs: str) -> Any:
    return api(user).post(
        f"/api/v1/referrals/{referral.reference}/transitions/{name}/", inputs, format="json"
    )


@pytest.fixture
def case() -> dict[str, Any]:
    area = AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)
    return {
        "referral": raise_referral(practitioner, submit=True),
        "practitioner": practitioner,
        "coordinator": member(Role.COORDINATOR, area=area),
    }


def test_a_coordinator_triages_decides_and_closes_through_the_api(case: dict[str, Any]) -> None:
    referral, coordinator = case["referral"], case["coordinator"]
    offered = api(coordinator).get(f"/api/v1/referrals/{referral.reference}/transitions/").json()
    assert {t["name"] for t in offered} == {"start_triage", "set_rag", "assign_lead", "merge"}

    assert post(coordinator, referral, "start_triage").json()["state"] == "in_triage"
    decided = post(coordinator, referral, "decide", decision="multi_agency_plan", **REASON)
    assert decided.status_code == 200 and decided.json()["state"] == "active"
    closed = post(coordinator, referral, "close", outcome="risk_reduced", **REASON)
    assert closed.json()["state"] == "closed"
    referral.refresh_from_db()
    assert (referral.decision, referral.outcome) == (Decision.MULTI_AGENCY_PLAN, "risk_reduced")
    types = list(referral.events.values_list("event_type", flat=True))
    assert types[-3:] == ["triage_started", "decided", "closed"]
    assert (
        AuditEvent.objects.filter(action=AuditAction.TRANSITION, object_id=str(referral.pk)).count()
        == 4
    )  # submit, start_triage, decide, close


def test_no_further_action_closes_at_decision(case: dict[str, Any]) -> None:
    referral, coordinator = case["referral"], case["coordinator"]
    post(coordinator, referral, "start_triage")
    response = post(coordinator, referral, "decide", decision="no_further_action", **REASON)
    assert response.json()["state"] == "closed"


def test_the_referrer_sees_only_what_they_may_do(case: dict[str, Any]) -> None:
    referral, practitioner = case["referral"], case["practitioner"]
    offered = api(practitioner).get(f"/api/v1/referrals/{referral.reference}/transitions/")
    assert [t["name"] for t in offered.json()] == ["withdraw"]
    assert post(practitioner, referral, "start_triage").status_code == 403


def test_missing_inputs_are_named_and_nothing_is_saved(case: dict[str, Any]) -> None:
    referral, coordinator = case["referral"], case["coordinator"]
    post(coordinator, referral, "start_triage")
    response = post(coordinator, referral, "decide", decision="maybe")
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"decision"}
    referral.refresh_from_db()
    assert referral.state == ReferralState.IN_TRIAGE


def test_a_step_not_possible_now_is_409_with_the_current_state(case: dict[str, Any]) -> None:
    referral, coordinator = case["referral"], case["coordinator"]
    response = post(coordinator, referral, "close", outcome="risk_reduced", **REASON)
    assert response.status_code == 409
    assert "now submitted" in response.json()["error"]["message"]


def test_unknown_steps_and_out_of_scope_referrals_are_404(case: dict[str, Any]) -> None:
    referral = case["referral"]
    assert post(case["coordinator"], referral, "teleport").status_code == 404
    assert post(member(Role.COORDINATOR), referral, "start_triage").status_code == 404


@pytest.mark.django_db(transaction=True)  # threads, each with its own connection
def test_two_coordinators_at_once_exactly_one_wins(case: dict[str, Any]) -> None:
    referral = case["referral"]
    coordinators = [case["coordinator"], member(Role.COORDINATOR, area=referral.area)]
    results: list[str] = []
    barrier = threading.Barrier(len(coordinators))

    def act(user: User) -> None:
        barrier.wait()
        try:
            referral_transition(referral=referral, actor=user, name="start_triage")
            results.append("won")
        except TransitionConflict as exc:
            results.append(f"conflict:{exc.state}")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(user,)) for user in coordinators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["conflict:in_triage", "won"]
    assert referral.events.filter(event_type="triage_started").count() == 1


NAMES = [t.name for t in declared_transitions()]
RECEIVING = "receiving_coordinator"  # a coordinator of the area a transfer goes to
ROLES = [Role.PRACTITIONER, Role.COORDINATOR, Role.BOARD_MEMBER, Role.POLICE_LEAD, RECEIVING]
# Who may take which step, by the rules (a coordinator only in their own area).
MAY_ACT = {
    Role.PRACTITIONER: {"submit", "withdraw"},
    Role.COORDINATOR: set(NAMES) - {"submit", "withdraw", "accept_transfer", "decline_transfer"},
    RECEIVING: {"accept_transfer", "decline_transfer"},
}


def _inputs(area: Any, other_area: Any, agency: Any, keep: Referral) -> dict[str, str]:
    """Valid inputs for every step (each step takes only those it declares)."""
    return {
        "reason": "Because.",
        "decision": "multi_agency_plan",
        "outcome": "risk_reduced",
        "rag": "amber",
        "risk_level": "medium",
        "agency": str(agency.pk),
        "question": "What do you know?",
        "due_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "summary": "Reviewed.",
        "area": str(other_area.pk),
        "into": keep.reference,
    }


@settings(max_examples=examples(20), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(ROLES), st.sampled_from(NAMES)), max_size=10))
def test_random_steps_stay_in_the_graph_and_leave_one_event_each(
    steps: list[tuple[Any, str]],
) -> None:
    area, other_area = AreaFactory.create(), AreaFactory.create()
    people = {role: member(Role(role), area=area) for role in ROLES if role != RECEIVING}
    people[RECEIVING] = member(Role.COORDINATOR, area=other_area)
    keep = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    referral = raise_referral(people[Role.PRACTITIONER])
    inputs = _inputs(area, other_area, AgencyFactory.create(areas=[area]), keep)
    graph = {
        (source, t.name): t
        for t in declared_transitions()
        for source in ([t.source] if isinstance(t.source, str) else t.source)
    }
    done = 0
    for role, name in steps:
        before = Referral.objects.get(pk=referral.pk).state
        try:
            referral_transition(referral=referral, actor=people[role], name=name, inputs=inputs)
        except (PermissionDenied, TransitionConflict, ValidationError):  # refused: no change
            assert Referral.objects.get(pk=referral.pk).state == before
            continue
        done += 1
        transition = graph[(before, name)]  # a taken step is always a declared edge
        assert name in MAY_ACT.get(role, set()), (role, name)
        after = Referral.objects.get(pk=referral.pk).state
        assert after in ReferralState.values
        if transition.target is None:
            assert after == before
        elif isinstance(transition.target, str):
            assert after == transition.target
        else:
            assert after in transition.target.allowed_states
    assert referral.events.exclude(event_type__in=["raised"]).count() == done


def test_the_state_diagram_in_docs_matches_the_code() -> None:
    from referrals.diagram import DIAGRAM_PATH, state_diagram

    assert DIAGRAM_PATH.read_text() == state_diagram(), (
        "run `manage.py referral_state_diagram` and commit docs/referral-states.md"
    )
    assert "in_triage --> active: decide" in state_diagram()


def test_the_pages_offer_only_the_steps_open_to_the_user(case: dict[str, Any]) -> None:
    from django.test import Client

    referral, coordinator = case["referral"], case["coordinator"]
    browser = Client()
    sign_in(browser, coordinator)
    detail = browser.get(f"/referrals/{referral.reference}/").content.decode()
    assert f"/referrals/{referral.reference}/steps/start_triage/" in detail
    assert "/steps/withdraw/" not in detail  # the referrer's step, not theirs

    assert browser.post(f"/referrals/{referral.reference}/steps/start_triage/").status_code == 302
    empty = browser.post(f"/referrals/{referral.reference}/steps/decide/", {})
    assert "Choose the decision" in empty.content.decode()
    assert "Enter the reason" in empty.content.decode()
    done = browser.post(
        f"/referrals/{referral.reference}/steps/decide/",
        {"decision": "multi_agency_plan", **REASON, "confirm": "yes"},
    )
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.state == ReferralState.ACTIVE
    # Someone else closed it meanwhile: the stale page says so instead of failing.
    other = member(Role.COORDINATOR, area=referral.area)
    referral_transition(
        referral=referral,
        actor=other,
        name="close",
        inputs={"outcome": "risk_reduced", **REASON},
    )
    stale = browser.post(
        f"/referrals/{referral.reference}/steps/close/", {"outcome": "moved_area", **REASON}
    )
    assert "Someone else has moved this referral on: it is now closed." in stale.content.decode()
    assert browser.get(f"/referrals/{referral.reference}/steps/close/").status_code == 404


def test_a_declined_transfer_answers_204_to_the_receiving_coordinator(
    case: dict[str, Any],
) -> None:
    referral, coordinator = case["referral"], case["coordinator"]
    post(coordinator, referral, "start_triage")
    receiving_area = AreaFactory.create()
    post(coordinator, referral, "transfer", area=str(receiving_area.pk), **REASON)
    receiving = member(Role.COORDINATOR, area=receiving_area)
    assert post(receiving, referral, "decline_transfer", **REASON).status_code == 204
    assert api(receiving).get(f"/api/v1/referrals/{referral.reference}/").status_code == 404
