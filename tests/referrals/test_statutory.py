"""Strategy discussions, section 47 enquiries and NRM referrals: the services' rules, their
timeline events, audit records and notifications, and who may read them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import AgencyType, Role
from audit.models import AuditAction, AuditEvent
from notifications.models import Notification, NotificationKind
from referrals.models import NRMReferral, ReferralEventType
from referrals.statutory import (
    nrm_referral_record,
    nrm_referral_update,
    section_47_record,
    section_47_update,
    strategy_discussion_record,
    strategy_discussion_update,
)
from referrals.statutory_selectors import (
    nrm_referrals_for,
    section_47_enquiries_for,
    strategy_discussions_for,
)
from referrals.workflow import referral_assign_lead, referral_transition
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
# A Monday with no bank holiday within three weeks: 15 working days on is a Monday 3 weeks on.
MONDAY = date(2026, 6, 1)


@pytest.fixture
def case() -> dict[str, Any]:
    """An active plan with a police lead professional named on it, in an area whose children's
    social care, police and health agencies take part in strategy discussions."""
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    referral_transition(referral=referral, actor=coordinator, name="start_triage")
    referral_transition(
        referral=referral,
        actor=coordinator,
        name="decide",
        inputs={"decision": "multi_agency_plan", "reason": "Plan agreed."},
    )
    agencies = [
        AgencyFactory.create(areas=[area], agency_type=kind)
        for kind in (AgencyType.CHILDRENS_SOCIAL_CARE, AgencyType.POLICE, AgencyType.HEALTH)
    ]
    lead = member(Role.LEAD_PROFESSIONAL, area=area, agency=agencies[1])
    referral_assign_lead(
        referral=referral, actor=coordinator, agency=agencies[1], lead_professional=lead
    )
    return {
        "area": area,
        "referral": referral,
        "coordinator": coordinator,
        "lead": lead,
        "agencies": agencies,
    }


def discuss(case: dict[str, Any], **change: Any) -> Any:
    answers = {
        "referral": case["referral"],
        "actor": case["coordinator"],
        "held_on": TODAY,
        "agencies": case["agencies"],
        "outcome": "Section 47 enquiry agreed; police to visit the address.",
        "section_47": True,
    } | change
    return strategy_discussion_record(**answers)


def told(user: Any) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, kind=NotificationKind.STATUTORY_STEP)
        .order_by("pk")
        .values_list("title", flat=True)
    )


def test_a_strategy_discussion_writes_its_event_and_audit_and_tells_the_lead(case: Any) -> None:
    discussion = discuss(case)
    event = case["referral"].events.get(event_type=ReferralEventType.STRATEGY_DISCUSSION_RECORDED)
    assert event.parameters["section_47"] is True
    assert event.parameters["agency_ids"] == sorted(a.pk for a in case["agencies"])
    assert "police to visit" not in str(event.parameters)  # what was agreed stays on the record
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_id=str(discussion.pk), actor=case["coordinator"]
    ).exists()
    assert told(case["lead"]) == [
        f"Referral {case['referral'].reference}: A strategy discussion decided on a section 47 "
        "enquiry"
    ]
    assert told(case["coordinator"]) == []  # whoever acted is not told


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"held_on": TODAY + timedelta(days=1)}, "held_on"),
        ({"held_on": date(9999, 1, 1)}, "held_on"),
        ({"agencies": []}, "agencies"),
        ({"outcome": "   "}, "outcome"),
    ],
)
def test_a_strategy_discussion_is_refused_by_field(case: Any, change: Any, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        discuss(case, **change)
    assert field in refused.value.message_dict


def test_a_strategy_discussion_names_agencies_of_its_area_only(case: Any) -> None:
    elsewhere = AgencyFactory.create(areas=[AreaFactory.create()])
    with pytest.raises(ValidationError) as refused:
        discuss(case, agencies=[*case["agencies"], elsewhere])
    assert refused.value.message_dict == {"agencies": ["Choose agencies of this area"]}


def test_a_correction_keeps_what_it_replaced_and_an_enquiry_holds_its_discussion(
    case: Any,
) -> None:
    discussion = discuss(case, held_on=TODAY - timedelta(days=3))
    section_47_record(
        referral=case["referral"],
        actor=case["coordinator"],
        started_on=TODAY - timedelta(days=2),
        strategy_discussion=discussion,
    )
    answers = {
        "discussion": discussion,
        "actor": case["lead"],
        "agencies": case["agencies"][:2],
        "outcome": "Corrected.",
    }
    with pytest.raises(ValidationError) as refused:
        strategy_discussion_update(held_on=TODAY - timedelta(days=3), section_47=False, **answers)
    assert "section_47" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        strategy_discussion_update(held_on=TODAY, section_47=True, **answers)
    assert "held_on" in refused.value.message_dict
    strategy_discussion_update(held_on=TODAY - timedelta(days=4), section_47=True, **answers)
    event = case["referral"].events.get(event_type=ReferralEventType.STRATEGY_DISCUSSION_UPDATED)
    assert event.parameters["previous"]["held_on"] == (TODAY - timedelta(days=3)).isoformat()
    assert len(event.parameters["previous"]["agency_ids"]) == 3
    assert len(event.parameters["agency_ids"]) == 2


def test_a_section_47_enquiry_follows_its_strategy_discussion(case: Any) -> None:
    none_follows = discuss(case, section_47=False, held_on=MONDAY)
    with pytest.raises(ValidationError) as refused:
        section_47_record(
            referral=case["referral"],
            actor=case["coordinator"],
            started_on=MONDAY,
            strategy_discussion=none_follows,
        )
    assert "strategy_discussion" in refused.value.message_dict
    discussion = discuss(case, held_on=MONDAY)
    with pytest.raises(ValidationError) as refused:
        section_47_record(
            referral=case["referral"],
            actor=case["coordinator"],
            started_on=MONDAY - timedelta(days=1),
            strategy_discussion=discussion,
        )
    assert "started_on" in refused.value.message_dict
    enquiry = section_47_record(
        referral=case["referral"],
        actor=case["coordinator"],
        started_on=MONDAY,
        strategy_discussion=discussion,
    )
    assert enquiry.conference_due_on() == MONDAY + timedelta(weeks=3)
    assert told(case["lead"]) == [  # the discussions told; an enquiry with no finding is not
        f"Referral {case['referral'].reference}: A strategy discussion decided on a section 47 "
        "enquiry"
    ]


def test_a_conference_date_goes_with_a_conference_and_after_the_start(case: Any) -> None:
    enquiry = section_47_record(
        referral=case["referral"], actor=case["coordinator"], started_on=MONDAY
    )
    answers = {"enquiry": enquiry, "actor": case["coordinator"], "started_on": MONDAY}
    for outcome, conference_on in (
        ("not_substantiated", MONDAY + timedelta(days=10)),
        ("conference", MONDAY - timedelta(days=1)),
    ):
        with pytest.raises(ValidationError) as refused:
            section_47_update(outcome=outcome, conference_on=conference_on, **answers)
        assert "conference_on" in refused.value.message_dict
    section_47_update(outcome="conference", conference_on=MONDAY + timedelta(days=10), **answers)
    event = case["referral"].events.get(event_type=ReferralEventType.SECTION_47_UPDATED)
    assert event.parameters["section_47_outcome"] == "conference"
    assert event.parameters["previous"]["section_47_outcome"] == ""
    assert told(case["lead"]) == [
        f"Referral {case['referral'].reference}: Section 47 enquiry: Concerns substantiated: "
        "initial child protection conference"
    ]


def refer(case: Any, **change: Any) -> NRMReferral:
    answers = {
        "referral": case["referral"],
        "actor": case["coordinator"],
        "referred_on": TODAY - timedelta(days=30),
        "first_responder": "Northmoor Council",
    } | change
    return nrm_referral_record(**answers)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reasonable_grounds": "positive"}, "reasonable_grounds_on"),
        ({"reasonable_grounds_on": TODAY}, "reasonable_grounds"),
        (
            {"reasonable_grounds": "positive", "reasonable_grounds_on": TODAY - timedelta(days=31)},
            "reasonable_grounds_on",
        ),
        (
            {"reasonable_grounds": "positive", "reasonable_grounds_on": date(1899, 1, 1)},
            "reasonable_grounds_on",
        ),
        (
            {"reasonable_grounds": "positive", "reasonable_grounds_on": TODAY + timedelta(days=1)},
            "reasonable_grounds_on",
        ),
        (
            {
                "reasonable_grounds": "positive",
                "reasonable_grounds_on": TODAY - timedelta(days=5),
                "conclusive_grounds": "positive",
                "conclusive_grounds_on": TODAY - timedelta(days=6),
            },
            "conclusive_grounds_on",
        ),
        (
            {
                "reasonable_grounds": "negative",
                "reasonable_grounds_on": TODAY - timedelta(days=20),
                "conclusive_grounds": "positive",
                "conclusive_grounds_on": TODAY,
            },
            "conclusive_grounds",
        ),
        (
            {"conclusive_grounds": "negative", "conclusive_grounds_on": TODAY},
            "conclusive_grounds",
        ),
        ({"first_responder": " "}, "first_responder"),
        ({"referred_on": TODAY + timedelta(days=1)}, "referred_on"),
    ],
)
def test_an_nrm_referral_is_refused_by_field(case: Any, change: Any, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        refer(case, **change)
    assert field in refused.value.message_dict
    assert not NRMReferral.objects.exists()


def test_the_database_refuses_conclusive_grounds_before_reasonable_grounds(case: Any) -> None:
    nrm = refer(case, reasonable_grounds="positive", reasonable_grounds_on=TODAY - timedelta(3))
    with pytest.raises(IntegrityError), transaction.atomic():
        NRMReferral.objects.filter(pk=nrm.pk).update(
            conclusive_grounds="positive", conclusive_grounds_on=TODAY - timedelta(days=4)
        )


def test_each_nrm_decision_is_told_once_as_it_comes(case: Any) -> None:
    nrm = refer(case)
    assert told(case["lead"]) == []
    answers = {
        "nrm": nrm,
        "actor": case["coordinator"],
        "referred_on": nrm.referred_on,
        "first_responder": nrm.first_responder,
        "reasonable_grounds": "positive",
        "reasonable_grounds_on": TODAY - timedelta(days=25),
    }
    nrm_referral_update(**answers)
    nrm_referral_update(**answers)  # saved again unchanged: nothing new to tell
    nrm_referral_update(
        conclusive_grounds="positive", conclusive_grounds_on=TODAY - timedelta(days=1), **answers
    )
    reference = case["referral"].reference
    assert told(case["lead"]) == [
        f"Referral {reference}: NRM reasonable grounds decision: positive",
        f"Referral {reference}: NRM conclusive grounds decision: positive",
    ]
    updates = case["referral"].events.filter(event_type=ReferralEventType.NRM_REFERRAL_UPDATED)
    assert updates.count() == 3
    assert updates.last().parameters["previous"]["conclusive_grounds"] == ""


def test_only_those_who_work_the_case_record_and_only_an_open_case(case: Any) -> None:
    outsider = member(Role.LEAD_PROFESSIONAL, area=case["area"])  # agency not on the case
    with pytest.raises(PermissionDenied):
        discuss(case, actor=outsider)
    referral_transition(
        referral=case["referral"],
        actor=case["coordinator"],
        name="close",
        inputs={"outcome": "risk_reduced", "reason": "Safety plan worked."},
    )
    with pytest.raises(ValidationError, match="reopen"):
        refer(case)


def test_the_records_are_read_only_by_those_who_see_the_referral_in_full(case: Any) -> None:
    discussion = discuss(case, section_47=True)
    section_47_record(
        referral=case["referral"],
        actor=case["coordinator"],
        started_on=TODAY,
        strategy_discussion=discussion,
    )
    refer(case)
    referral = case["referral"]
    readers = (case["coordinator"], case["lead"])
    others = (
        referral.raised_by,  # sees the referral in summary only
        member(Role.AGENCY_SAFEGUARDING_LEAD, area=case["area"], agency=referral.raised_by_agency),
        member(Role.COORDINATOR),  # another area's
        member(Role.BOARD_MEMBER, area=case["area"]),
    )
    for selector in (strategy_discussions_for, section_47_enquiries_for, nrm_referrals_for):
        assert all(selector(user=u, referral=referral).count() == 1 for u in readers)
        assert all(not selector(user=u, referral=referral).exists() for u in others)
