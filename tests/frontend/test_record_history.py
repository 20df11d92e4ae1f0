"""Field history of protective actions, missing episodes, information requests, lead
professional assignments, the statutory records (strategy discussions, section 47 enquiries, NRM
referrals) and strategy profiles, shown with human labels where the referral's
own history is shown (the case page's "Changes to the record", the profile page)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from agencies.models import Role
from audit.selectors import field_histories
from referrals.action_owners import action_owner_change
from referrals.casework import action_update, return_home_interview_record
from referrals.models import InformationRequest, ProtectiveAction
from referrals.statutory import (
    nrm_referral_record,
    nrm_referral_update,
    strategy_discussion_record,
    strategy_discussion_update,
)
from referrals.workflow import referral_assign_lead, referral_transition
from tests.factories import member, sign_in
from tests.frontend.test_casework import Case, _action, _episode, case
from tests.frontend.test_strategy_profile_pages import ANSWERS, profile_url

pytestmark = pytest.mark.django_db
__all__ = ["case"]  # the fixture, used by name


def changes_section(case: Case) -> str:
    client = Client()
    sign_in(client, case.coordinator)
    page = client.get(case.url() + "?changes=1").content.decode()
    section = page[page.index("Changes to the record") :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))


def test_an_action_handed_over_and_done_shows_on_the_case_page(case: Case) -> None:
    action = _action(case)
    action_owner_change(action=action, actor=case.coordinator, owner=case.coordinator)
    action_update(action=action, actor=case.coordinator, status="done", outcome="Plan agreed.")
    words = changes_section(case)
    assert "the protective action (Safety plan) changed by" in words
    lead, coordinator = case.lead.get_full_name(), case.coordinator.get_full_name()
    assert f"Owner: {lead} → changed to {coordinator}" in words
    assert "Status: Open → changed to Done" in words
    assert "Outcome: nothing → changed to Plan agreed." in words


def test_a_return_interview_recorded_on_its_episode_keeps_what_it_replaced(case: Case) -> None:
    episode = _episode(case, returned=True)
    return_home_interview_record(
        episode=episode,
        actor=case.coordinator,
        held=True,
        held_by="Youth worker",
        held_on=timezone.localdate(),
        summary="Spoke about where they stayed.",
    )
    words = changes_section(case)
    assert f"the missing episode of {episode.started_at:%-d %B %Y} changed by" in words
    assert "Returned: nothing → changed to" in words
    assert "Return home interview: Due → changed to Held" in words
    assert (
        "What the return home interview found: nothing → changed to Spoke about where they "
        "stayed." in words
    )


def test_an_information_request_and_a_lead_assignment_show_their_changes(case: Case) -> None:
    referral_transition(
        referral=case.referral,
        actor=case.coordinator,
        name="request_information",
        inputs={
            "agency": str(case.agency.pk),
            "question": "Any school absences this term?",
            "due_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
        },
    )
    request = InformationRequest.objects.get(referral=case.referral)
    InformationRequest.objects.filter(pk=request.pk).update(answer="Three absences.")
    other = member(Role.LEAD_PROFESSIONAL, area=case.area, agency=case.agency)
    referral_assign_lead(
        referral=case.referral, actor=case.coordinator, agency=case.agency, lead_professional=other
    )
    words = changes_section(case)
    assert f"the information request to {case.agency.name} changed by" in words
    assert "Answer: nothing → changed to Three absences." in words
    assert f"the lead professional assignment of {case.agency.name} changed by" in words
    assert "Ended on: nothing → changed to" in words


def test_the_history_of_many_actions_is_read_at_once(
    case: Case, django_assert_num_queries: Any
) -> None:
    actions = [_action(case) for _ in range(3)]
    for action in actions:
        action_owner_change(action=action, actor=case.coordinator, owner=case.coordinator)
    with django_assert_num_queries(1):  # the snapshots (no person: changed outside a request)
        entries = field_histories(model=ProtectiveAction, pks=[a.pk for a in actions])
    assert sorted(e["obj_id"] for e in entries) == sorted(a.pk for a in actions)


def test_a_strategy_profile_shows_each_changed_answer_by_its_question(
    client: Client, case: Case
) -> None:
    sign_in(client, case.coordinator)
    url = profile_url("strategy-profile-edit", case.area)
    client.post(url, ANSWERS)
    client.post(url, {**ANSWERS, "coordinator": "planned"})
    page = client.get(profile_url("strategy-profile", case.area)).content.decode()
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "the profile changed by" in words
    assert "Is there a coordinator?: In post → changed to Planned" in words


def test_the_statutory_records_show_their_changes(case: Case) -> None:
    day = timezone.localdate() - timedelta(days=3)
    discussion = strategy_discussion_record(
        referral=case.referral,
        actor=case.coordinator,
        held_on=day,
        agencies=[case.agency],
        outcome="Agreed to hold an enquiry.",
        section_47=True,
    )
    strategy_discussion_update(
        discussion=discussion,
        actor=case.coordinator,
        held_on=day,
        agencies=[case.agency],
        outcome="Agreed to hold an enquiry with the police.",
        section_47=True,
    )
    nrm = nrm_referral_record(
        referral=case.referral, actor=case.coordinator, referred_on=day, first_responder="Police"
    )
    nrm_referral_update(
        nrm=nrm,
        actor=case.coordinator,
        referred_on=day,
        first_responder="Police",
        reasonable_grounds="positive",
        reasonable_grounds_on=timezone.localdate(),
    )
    words = changes_section(case)
    assert f"the strategy discussion of {day:%-d %B %Y} changed by" in words
    assert (
        "What was agreed: Agreed to hold an enquiry. → changed to Agreed to hold an enquiry "
        "with the police." in words
    )
    assert f"the NRM referral of {day:%-d %B %Y} changed by" in words
    assert "Reasonable grounds decision: nothing → changed to Positive" in words
