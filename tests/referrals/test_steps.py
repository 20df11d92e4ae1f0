"""Each workflow step's rules: inputs checked, fields set, rows written beside the referral."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agencies.models import Role
from referrals.models import (
    ClosureOutcome,
    InformationRequest,
    Rag,
    Referral,
    ReferralState,
    RiskLevel,
    YoungPerson,
)
from referrals.workflow import referral_transition
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral

pytestmark = pytest.mark.django_db

REASON = "Agreed at the strategy discussion."


@pytest.fixture
def case() -> dict[str, Any]:
    area = AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)
    return {
        "area": area,
        "practitioner": practitioner,
        "coordinator": member(Role.COORDINATOR, area=area),
        "referral": raise_referral(practitioner, submit=True),
    }


def step(case: dict[str, Any], name: str, **inputs: str) -> Referral:
    return referral_transition(
        referral=case["referral"], actor=case["coordinator"], name=name, inputs=inputs
    )


def to_plan(case: dict[str, Any]) -> Referral:
    step(case, "start_triage")
    return step(case, "decide", decision="multi_agency_plan", reason=REASON)


def field_errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(excinfo.value.message_dict)


def test_submission_scores_the_indicators_and_proposes_a_risk_level() -> None:
    practitioner = member(Role.PRACTITIONER)
    referral = raise_referral(
        practitioner,
        submit=True,
        concern={"screening_indicators": ["going_missing", "out_late", "in_care"]},
    )
    assert (referral.screening_score, referral.proposed_risk) == (7, RiskLevel.MEDIUM)
    assert referral.screening_tool is not None
    assert referral.screening_tool.version == referral.area.screening_tool_version
    assert referral.rag == "" and referral.due_at == referral.triage_due_at


def test_immediate_danger_is_rated_red_with_the_red_clock() -> None:
    referral = raise_referral(
        member(Role.PRACTITIONER), submit=True, concern={"immediate_danger": True}
    )
    assert referral.rag == Rag.RED
    assert referral.rag_due_at is not None and referral.triage_due_at is not None
    assert referral.due_at == referral.rag_due_at < referral.triage_due_at


def test_a_concern_without_a_lawful_basis_is_not_submitted() -> None:
    practitioner = member(Role.PRACTITIONER)
    referral = raise_referral(practitioner, concern={"lawful_basis": ""})
    with pytest.raises(ValidationError) as excinfo:
        referral_transition(referral=referral, actor=practitioner, name="submit")
    assert field_errors(excinfo) == {"lawful_basis"}
    referral.refresh_from_db()
    assert (referral.state, referral.submitted_at) == (ReferralState.DRAFT, None)


def test_a_rag_rating_needs_a_reason_and_starts_its_clock(case: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as excinfo:
        step(case, "set_rag", rag="amber")
    assert field_errors(excinfo) == {"reason"}
    rated = step(case, "set_rag", rag="amber", reason=REASON)
    assert rated.state == ReferralState.SUBMITTED and rated.rag == Rag.AMBER
    assert rated.rag_due_at is not None and rated.rag_due_at > timezone.now()
    with pytest.raises(ValidationError) as excinfo:
        step(case, "set_rag", rag="amber", reason=REASON)
    assert field_errors(excinfo) == {"rag"}
    assert rated.events.filter(event_type="rag_set").count() == 1


def test_a_statutory_referral_records_its_type_and_reference(case: dict[str, Any]) -> None:
    step(case, "start_triage")
    with pytest.raises(ValidationError) as excinfo:
        step(case, "decide", decision="statutory_referral", reason=REASON)
    assert field_errors(excinfo) == {"statutory_type", "external_reference"}
    closed = step(
        case,
        "decide",
        decision="statutory_referral",
        statutory_type="s47",
        external_reference="CSC-4471",
        reason=REASON,
    )
    assert closed.state == ReferralState.CLOSED
    assert (closed.statutory_type, closed.external_reference) == ("s47", "CSC-4471")
    assert closed.outcome == ClosureOutcome.TRANSFERRED_TO_STATUTORY


def test_a_statutory_referral_may_stay_open_for_coordination(case: dict[str, Any]) -> None:
    step(case, "start_triage")
    active = step(
        case,
        "decide",
        decision="statutory_referral",
        statutory_type="s17",
        external_reference="CSC-9",
        keep_active="yes",
        reason=REASON,
    )
    assert active.state == ReferralState.ACTIVE and active.closed_at is None


def test_a_plan_sets_its_review_and_reassessment_dates(case: dict[str, Any]) -> None:
    active = to_plan(case)
    today = timezone.localdate()
    assert active.next_review_due_on == today + timedelta(weeks=12)
    assert active.risk_reassessment_due_on == today + relativedelta(months=3)


def test_a_review_defaults_to_the_areas_interval(case: dict[str, Any]) -> None:
    to_plan(case)
    reviewed = step(case, "review", summary="Attending school again.")
    assert reviewed.last_reviewed_at is not None
    assert reviewed.next_review_due_on == timezone.localdate() + timedelta(weeks=12)
    chosen = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert step(case, "review", summary="Again.", next_review_on=chosen).next_review_due_on == (
        date.fromisoformat(chosen)
    )
    with pytest.raises(ValidationError) as excinfo:
        step(case, "review", summary="Again.", next_review_on="2001-01-01")
    assert field_errors(excinfo) == {"next_review_on"}


def test_reassessing_the_risk_sets_the_level_and_the_next_date(case: dict[str, Any]) -> None:
    to_plan(case)
    reassessed = step(case, "reassess_risk", risk_level="high", reason=REASON)
    assert reassessed.risk_level == RiskLevel.HIGH and reassessed.risk_assessed_at is not None
    assert reassessed.risk_reassessment_due_on == timezone.localdate() + relativedelta(months=3)


def test_assigning_a_lead_checks_the_agency_and_its_lead(case: dict[str, Any]) -> None:
    elsewhere = AgencyFactory.create(areas=[AreaFactory.create()])
    with pytest.raises(ValidationError) as excinfo:
        step(case, "assign_lead", agency=str(elsewhere.pk))
    assert field_errors(excinfo) == {"agency"}
    agency = AgencyFactory.create(areas=[case["area"]])
    not_a_lead = member(Role.PRACTITIONER, area=case["area"], agency=agency)
    with pytest.raises(ValidationError) as excinfo:
        step(case, "assign_lead", agency=str(agency.pk), lead_professional=str(not_a_lead.pk))
    assert field_errors(excinfo) == {"lead_professional"}
    lead = member(Role.LEAD_PROFESSIONAL, area=case["area"], agency=agency)
    step(case, "assign_lead", agency=str(agency.pk), lead_professional=str(lead.pk))
    step(case, "assign_lead", agency=str(agency.pk))  # a new naming ends the earlier one
    current = list(case["referral"].current_assignments)
    assert [(a.agency, a.lead_professional) for a in current] == [(agency, None)]


def test_requesting_information_writes_the_request(case: dict[str, Any]) -> None:
    step(case, "start_triage")
    agency = AgencyFactory.create(areas=[case["area"]])
    due = (timezone.localdate() + timedelta(days=2)).isoformat()
    with pytest.raises(ValidationError) as excinfo:
        step(case, "request_information", agency=str(agency.pk), question="?", due_on="soon")
    assert field_errors(excinfo) == {"due_on"}
    step(case, "request_information", agency=str(agency.pk), question="Attendance?", due_on=due)
    request = InformationRequest.objects.get(referral=case["referral"])
    assert (request.agency, request.question, request.due_on.isoformat()) == (
        agency,
        "Attendance?",
        due,
    )


def test_a_transfer_accepted_opens_the_case_in_the_receiving_area(case: dict[str, Any]) -> None:
    to_plan(case)
    receiving_area = AreaFactory.create()
    receiving = member(Role.COORDINATOR, area=receiving_area)
    pending = step(case, "transfer", area=str(receiving_area.pk), reason="Moved to live with aunt")
    assert pending.state == ReferralState.TRANSFER_REQUESTED
    with pytest.raises(PermissionDenied):  # the sending coordinator cannot accept
        step(case, "accept_transfer")
    referral_transition(referral=pending, actor=receiving, name="accept_transfer")
    sent = Referral.objects.get(pk=pending.pk)
    arrived = Referral.objects.get(transferred_from=sent)
    assert (sent.state, sent.outcome) == (ReferralState.TRANSFERRED, ClosureOutcome.MOVED_AREA)
    assert arrived.area == receiving_area and arrived.state == ReferralState.IN_TRIAGE
    assert arrived.young_person.area == receiving_area
    assert arrived.young_person.pk != sent.young_person_id
    assert str(arrived.young_person) == str(sent.young_person)
    history = arrived.events.get(event_type="transferred_in").parameters
    assert history["from_reference"] == sent.reference
    assert "decided" in [entry["event_type"] for entry in history["history"]]


def test_a_transfer_declined_goes_back_to_the_plan(case: dict[str, Any]) -> None:
    to_plan(case)
    receiving_area = AreaFactory.create()
    step(case, "transfer", area=str(receiving_area.pk), reason="Moved")
    referral_transition(
        referral=case["referral"],
        actor=member(Role.COORDINATOR, area=receiving_area),
        name="decline_transfer",
        inputs={"reason": "Not known at that address"},
    )
    back = Referral.objects.get(pk=case["referral"].pk)
    assert back.state == ReferralState.ACTIVE and back.transfer_to_area is None
    assert not Referral.objects.filter(transferred_from=back).exists()


def test_a_duplicate_is_merged_into_an_open_referral_of_the_area(case: dict[str, Any]) -> None:
    kept = raise_referral(case["practitioner"], submit=True)
    other_area = raise_referral(member(Role.PRACTITIONER), submit=True)
    with pytest.raises(ValidationError) as excinfo:
        step(case, "merge", into=other_area.reference, reason=REASON)
    assert field_errors(excinfo) == {"into"}
    merged = step(case, "merge", into=kept.reference.lower(), reason=REASON)
    assert merged.state == ReferralState.MERGED and merged.merged_into == kept
    assert kept.events.filter(event_type="duplicate_merged").count() == 1
    assert YoungPerson.objects.filter(pk=merged.young_person_id).exists()


def test_the_receiving_coordinator_sees_the_transfer_only_while_it_is_offered(
    case: dict[str, Any],
) -> None:
    from referrals.selectors import ReferralAccess, referral_access

    to_plan(case)
    receiving_area = AreaFactory.create()
    receiving = member(Role.COORDINATOR, area=receiving_area)
    referral = case["referral"]
    assert referral_access(user=receiving, referral=referral) is ReferralAccess.NONE
    offered = step(case, "transfer", area=str(receiving_area.pk), reason="Moved")
    assert referral_access(user=receiving, referral=offered) is ReferralAccess.FULL
    referral_transition(
        referral=offered, actor=receiving, name="decline_transfer", inputs={"reason": "No"}
    )
    assert referral_access(user=receiving, referral=Referral.objects.get(pk=referral.pk)) is (
        ReferralAccess.NONE
    )


def test_each_step_is_announced_and_a_refused_one_is_not(case: dict[str, Any]) -> None:
    from referrals.signals import referral_step_taken

    heard: list[str] = []

    def receiver(**kwargs: Any) -> None:
        heard.append(kwargs["transition"])

    referral_step_taken.connect(receiver)
    try:
        step(case, "start_triage")
        with pytest.raises(ValidationError):
            step(case, "decide", decision="nonsense", reason=REASON)
    finally:
        referral_step_taken.disconnect(receiver)
    assert heard == ["start_triage"]


def test_a_transfer_declined_before_any_decision_goes_back_to_triage(
    case: dict[str, Any],
) -> None:
    step(case, "start_triage")
    receiving_area = AreaFactory.create()
    step(case, "transfer", area=str(receiving_area.pk), reason="Moved")
    referral_transition(
        referral=case["referral"],
        actor=member(Role.COORDINATOR, area=receiving_area),
        name="decline_transfer",
        inputs={"reason": "Not known here"},
    )
    assert Referral.objects.get(pk=case["referral"].pk).state == ReferralState.IN_TRIAGE


def test_the_receiving_areas_records_are_audited_and_carry_the_triage(
    case: dict[str, Any],
) -> None:
    from audit.models import AuditAction, AuditEvent

    step(case, "start_triage")
    step(case, "set_rag", rag="amber", reason=REASON)
    step(
        case,
        "decide",
        decision="statutory_referral",
        statutory_type="s47",
        external_reference="CSC-1",
        keep_active="yes",
        reason=REASON,
    )
    receiving_area = AreaFactory.create()
    step(case, "transfer", area=str(receiving_area.pk), reason="Moved")
    referral_transition(
        referral=case["referral"],
        actor=member(Role.COORDINATOR, area=receiving_area),
        name="accept_transfer",
    )
    arrived = Referral.objects.get(transferred_from=case["referral"])
    assert (arrived.rag, arrived.statutory_type, arrived.external_reference) == (
        "amber",
        "s47",
        "CSC-1",
    )
    created = AuditEvent.objects.filter(action=AuditAction.CREATE, area=receiving_area)
    assert {(e.object_type, e.object_id) for e in created} == {
        ("referrals.referral", str(arrived.pk)),
        ("referrals.youngperson", str(arrived.young_person_id)),
    }
    sent = Referral.objects.get(pk=case["referral"].pk)
    assert sent.young_person.area == case["area"]  # the sending area's record is untouched
