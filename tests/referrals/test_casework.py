"""Working the case: actions, missing episodes, notes, timelines and the young person's record."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agencies.models import Role
from audit.models import AuditEvent
from audit.selectors import field_history
from referrals.casework import (
    action_add,
    action_update,
    missing_episode_end,
    missing_episode_start,
    note_add,
    return_home_interview_record,
)
from referrals.identity import young_person_confirm_new, young_person_correct, young_person_link
from referrals.models import ActionStatus, ProtectiveActionType, ReturnInterview, YoungPerson
from referrals.selectors import (
    notes_for,
    overdue_actions,
    timeline,
    young_person_matches,
)
from referrals.workflow import referral_assign_lead, referral_transition
from tests.factories import AgencyFactory, AreaFactory, YoungPersonFactory, member, raise_referral

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + timedelta(days=1)


@pytest.fixture
def case() -> dict[str, Any]:
    """An active plan with a health agency's lead professional named on it."""
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
    health = AgencyFactory.create(areas=[area])
    lead = member(Role.LEAD_PROFESSIONAL, area=area, agency=health)
    referral_assign_lead(
        referral=referral, actor=coordinator, agency=health, lead_professional=lead
    )
    return {
        "area": area,
        "referral": referral,
        "coordinator": coordinator,
        "lead": lead,
        "health": health,
    }


def safety_plan() -> ProtectiveActionType:
    return ProtectiveActionType.objects.get(code="safety_plan")


def test_the_catalogue_of_actions_is_data() -> None:
    codes = set(ProtectiveActionType.objects.values_list("code", flat=True))
    assert {"safety_plan", "return_home_interview", "sexual_health"} <= codes


def test_an_action_is_owned_completed_and_shown_overdue(case: dict[str, Any]) -> None:
    action = action_add(
        referral=case["referral"],
        actor=case["coordinator"],
        action_type=safety_plan(),
        owner=case["lead"],
        due_on=TOMORROW,
    )
    assert action.owner_agency == case["health"]
    assert case["referral"].events.filter(event_type="action_added").count() == 1
    with pytest.raises(ValidationError) as excinfo:
        action_update(action=action, actor=case["lead"], status=ActionStatus.DONE)
    assert set(excinfo.value.message_dict) == {"outcome"}
    done = action_update(
        action=action, actor=case["lead"], status=ActionStatus.DONE, outcome="Plan signed."
    )
    assert done.status == ActionStatus.DONE and done.completed_at is not None


def test_an_overdue_action_is_listed_for_the_coordinator_only(case: dict[str, Any]) -> None:
    action = action_add(
        referral=case["referral"],
        actor=case["coordinator"],
        action_type=safety_plan(),
        owner=case["lead"],
        due_on=timezone.localdate(),
    )
    type(action).objects.filter(pk=action.pk).update(due_on=date(2020, 1, 1))
    assert list(overdue_actions(user=case["coordinator"])) == [action]
    assert list(overdue_actions(user=case["lead"])) == []


def test_actions_refuse_a_past_due_date_and_outsiders(case: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as excinfo:
        action_add(
            referral=case["referral"],
            actor=case["coordinator"],
            action_type=safety_plan(),
            owner=case["lead"],
            due_on=date(2020, 1, 1),
        )
    assert set(excinfo.value.message_dict) == {"due_on"}
    unnamed_lead = member(Role.LEAD_PROFESSIONAL, area=case["area"])
    with pytest.raises(PermissionDenied):
        action_add(
            referral=case["referral"],
            actor=unnamed_lead,
            action_type=safety_plan(),
            owner=unnamed_lead,
            due_on=TOMORROW,
        )


def test_a_return_home_interview_is_due_72_hours_after_return(case: dict[str, Any]) -> None:
    went = timezone.now() - timedelta(days=2)
    episode = missing_episode_start(
        referral=case["referral"],
        actor=case["lead"],
        started_at=went,
        reported_by="Foster carer",
        police_reference="MP/123",
    )
    with pytest.raises(ValidationError) as excinfo:
        missing_episode_end(episode=episode, actor=case["lead"], ended_at=went - timedelta(hours=1))
    assert set(excinfo.value.message_dict) == {"ended_at"}
    back = went + timedelta(hours=20)
    episode = missing_episode_end(episode=episode, actor=case["lead"], ended_at=back)
    assert episode.interview_due_at == back + timedelta(hours=72)
    assert episode.interview == ReturnInterview.DUE
    with pytest.raises(ValidationError) as excinfo:
        return_home_interview_record(episode=episode, actor=case["lead"], held=False)
    assert set(excinfo.value.message_dict) == {"not_held_reason"}
    held = return_home_interview_record(
        episode=episode,
        actor=case["lead"],
        held=True,
        held_by="Independent RHI worker",
        held_on=timezone.localdate(),
        summary="Spoke about who they were with.",
    )
    assert held.interview == ReturnInterview.HELD
    types = set(case["referral"].events.values_list("event_type", flat=True))
    assert {"missing_started", "missing_ended", "return_home_interview"} <= types


def test_a_restricted_note_is_for_its_agency_and_the_coordinators(case: dict[str, Any]) -> None:
    police = AgencyFactory.create(areas=[case["area"]])
    officer = member(Role.POLICE_LEAD, area=case["area"], agency=police)
    note = note_add(
        referral=case["referral"],
        actor=officer,
        text="Intelligence: vehicle seen.",
        restricted=True,
    )
    open_note = note_add(referral=case["referral"], actor=case["lead"], text="Met at school.")
    assert list(notes_for(user=case["lead"], referral=case["referral"])) == [open_note]
    assert list(notes_for(user=case["coordinator"], referral=case["referral"])) == [note, open_note]
    assert list(notes_for(user=officer, referral=case["referral"])) == [note, open_note]
    event = case["referral"].events.get(event_type="note_added", parameters__note_id=note.pk)
    assert "Intelligence" not in str(event.parameters)


def test_a_correction_is_a_new_note_pointing_at_the_old(case: dict[str, Any]) -> None:
    first = note_add(referral=case["referral"], actor=case["lead"], text="Seen Tuesday.")
    second = note_add(
        referral=case["referral"], actor=case["lead"], text="Seen Wednesday.", corrects=first
    )
    first.refresh_from_db()
    assert first.text == "Seen Tuesday." and list(first.corrections.all()) == [second]


def test_the_young_persons_timeline_spans_only_referrals_seen_in_full(
    case: dict[str, Any],
) -> None:
    person = case["referral"].young_person
    other_area_practitioner = member(Role.PRACTITIONER, area=case["area"])
    second = raise_referral(other_area_practitioner, submit=True)
    YoungPerson.objects.filter(pk=second.young_person_id).update(merged_into=person)
    type(second).objects.filter(pk=second.pk).update(young_person=person)
    referrals = person.referrals.all()
    everything = timeline(user=case["coordinator"], referrals=referrals)
    assert {e.referral_id for e in everything} == {case["referral"].pk, second.pk}
    lead_sees = timeline(user=case["lead"], referrals=referrals)
    assert {e.referral_id for e in lead_sees} == {case["referral"].pk}
    only = timeline(user=case["coordinator"], referrals=referrals, event_types=["decided"])
    assert [e.event_type for e in only] == ["decided"]


def test_matches_use_the_nhs_number_first_then_names_with_dob_or_postcode() -> None:
    area = AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)

    def known_to_the_area(**person: Any) -> YoungPerson:
        return raise_referral(practitioner, submit=True, **person).young_person

    born = date(2011, 5, 4)
    known = known_to_the_area(given_name="Kayleigh", family_name="Morris", date_of_birth=born)
    numbered = known_to_the_area(nhs_number="9434765919")
    known_to_the_area(given_name="Kayleigh", family_name="Morris")  # another date of birth
    other_area = member(Role.PRACTITIONER)
    raise_referral(
        other_area, submit=True, given_name="Kayleigh", family_name="Morris", date_of_birth=born
    )
    new = YoungPersonFactory.create(
        area=area, given_name="Kayley", family_name="Morris", date_of_birth=born
    )
    assert young_person_matches(young_person=new) == [known]
    new.nhs_number = "9434765919"
    assert young_person_matches(young_person=new) == [numbered]
    new.nhs_number = "4010232137"  # valid but different: nobody with another number matches
    known.nhs_number = "9434765919"
    known.save()
    assert young_person_matches(young_person=new) == []


def test_linking_points_the_referral_at_the_known_record(case: dict[str, Any]) -> None:
    known = YoungPersonFactory.create(area=case["area"])
    referral = case["referral"]
    duplicate = referral.young_person
    with pytest.raises(PermissionDenied):
        young_person_link(referral=referral, actor=case["lead"], existing=known)
    linked = young_person_link(referral=referral, actor=case["coordinator"], existing=known)
    duplicate.refresh_from_db()
    assert linked.young_person == known and duplicate.merged_into == known
    assert referral.events.filter(event_type="young_person_linked").count() == 1


def test_confirming_a_new_person_is_recorded(case: dict[str, Any]) -> None:
    person = young_person_confirm_new(referral=case["referral"], actor=case["coordinator"])
    assert person.identity_confirmed_at is not None


def test_a_correction_keeps_the_old_value_and_the_reason(case: dict[str, Any]) -> None:
    referral = case["referral"]
    with pytest.raises(ValidationError) as excinfo:
        young_person_correct(
            referral=referral,
            actor=case["coordinator"],
            changes={"nhs_number": "9434765918"},
            reason="Checked with the GP",
        )
    assert set(excinfo.value.message_dict) == {"nhs_number"}
    with pytest.raises(ValidationError) as excinfo:
        young_person_correct(
            referral=referral,
            actor=case["coordinator"],
            changes={"date_of_birth": timezone.localdate() + timedelta(days=1)},
            reason="Typo",
        )
    assert set(excinfo.value.message_dict) == {"date_of_birth"}
    person = young_person_correct(
        referral=referral,
        actor=case["coordinator"],
        changes={"family_name": "Corrected", "postcode": "m1  1ae"},
        reason="Spelling confirmed with the school",
    )
    assert (person.family_name, person.postcode) == ("Corrected", "M1 1AE")
    changes = {c.field: (c.old, c.new) for c in field_history(target=person)[0]["changes"]}
    assert changes["family_name"][1] == "Corrected"
    assert AuditEvent.objects.filter(detail__reason="Spelling confirmed with the school").exists()


def test_linking_to_a_person_with_an_open_referral_merges_the_new_one(
    case: dict[str, Any],
) -> None:
    known = case["referral"].young_person
    newer = raise_referral(member(Role.PRACTITIONER, area=case["area"]), submit=True)
    linked = young_person_link(referral=newer, actor=case["coordinator"], existing=known)
    assert linked.state == "merged" and linked.merged_into == case["referral"]
    assert case["referral"].events.filter(event_type="duplicate_merged").count() == 1


def test_no_action_is_added_to_a_case_closed_meanwhile(case: dict[str, Any]) -> None:
    stale = case["referral"]  # loaded while the plan was active
    referral_transition(
        referral=stale,
        actor=case["coordinator"],
        name="close",
        inputs={"outcome": "risk_reduced", "reason": "Plan complete."},
    )
    with pytest.raises(ValidationError, match="closed"):
        action_add(
            referral=stale,
            actor=case["coordinator"],
            action_type=safety_plan(),
            owner=case["lead"],
            due_on=TOMORROW,
        )
    assert not stale.actions.exists()


def test_an_interview_cannot_be_recorded_as_held_in_the_future(case: dict[str, Any]) -> None:
    went = timezone.now() - timedelta(days=1)
    episode = missing_episode_start(
        referral=case["referral"], actor=case["lead"], started_at=went, reported_by="Carer"
    )
    episode = missing_episode_end(episode=episode, actor=case["lead"], ended_at=went)
    with pytest.raises(ValidationError) as excinfo:
        return_home_interview_record(
            episode=episode,
            actor=case["lead"],
            held=True,
            held_by="RHI worker",
            held_on=timezone.localdate() + timedelta(days=2),
            summary="Not yet.",
        )
    assert set(excinfo.value.message_dict) == {"held_on"}


def test_an_action_on_a_closed_case_stays_as_it_was(case: dict[str, Any]) -> None:
    action = action_add(
        referral=case["referral"],
        actor=case["coordinator"],
        action_type=safety_plan(),
        owner=case["lead"],
        due_on=TOMORROW,
    )
    referral_transition(
        referral=case["referral"],
        actor=case["coordinator"],
        name="close",
        inputs={"outcome": "risk_reduced", "reason": "Plan complete."},
    )
    with pytest.raises(ValidationError, match="closed"):
        action_update(action=action, actor=case["lead"], status=ActionStatus.DONE, outcome="x")
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_a_correction_of_a_restricted_note_stays_restricted(case: dict[str, Any]) -> None:
    first = note_add(referral=case["referral"], actor=case["lead"], text="Secret.", restricted=True)
    second = note_add(
        referral=case["referral"], actor=case["lead"], text="Secret, corrected.", corrects=first
    )
    assert second.restricted


def test_an_actions_earlier_outcome_stays_on_the_timeline(case: dict[str, Any]) -> None:
    action = action_add(
        referral=case["referral"],
        actor=case["coordinator"],
        action_type=safety_plan(),
        owner=case["lead"],
        due_on=TOMORROW,
    )
    action_update(action=action, actor=case["lead"], status=ActionStatus.DONE, outcome="Signed.")
    action_update(action=action, actor=case["coordinator"], status=ActionStatus.OPEN)
    latest = case["referral"].events.filter(event_type="action_updated").last()
    assert latest is not None
    assert latest.parameters["previous_outcome"] == "Signed."
    assert latest.parameters["previous_status"] == ActionStatus.DONE


def test_actions_are_owned_by_those_who_work_the_case(case: dict[str, Any]) -> None:
    teacher = member(Role.PRACTITIONER, area=case["area"])
    with pytest.raises(ValidationError) as excinfo:
        action_add(
            referral=case["referral"],
            actor=case["coordinator"],
            action_type=safety_plan(),
            owner=teacher,
            due_on=TOMORROW,
        )
    assert set(excinfo.value.message_dict) == {"owner"}


def test_a_draft_withdrawn_before_it_was_sent_stays_its_authors(case: dict[str, Any]) -> None:
    from referrals.selectors import ReferralAccess, referral_access, young_person_matches

    practitioner = member(Role.PRACTITIONER, area=case["area"])
    draft = raise_referral(practitioner)
    withdrawn = referral_transition(
        referral=draft, actor=practitioner, name="withdraw", inputs={"reason": "Wrong child"}
    )
    assert referral_access(user=case["coordinator"], referral=withdrawn) is ReferralAccess.NONE
    twin = YoungPersonFactory.create(
        area=case["area"],
        given_name=withdrawn.young_person.given_name,
        family_name=withdrawn.young_person.family_name,
        date_of_birth=withdrawn.young_person.date_of_birth,
    )
    assert withdrawn.young_person not in young_person_matches(young_person=twin)
