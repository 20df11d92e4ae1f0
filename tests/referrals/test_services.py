from __future__ import annotations

from datetime import date

import pytest

from agencies.models import Membership, Role
from referrals.concerns import referral_create_draft
from referrals.models import ReferralEventType, ReferralState
from referrals.references import format_referral_reference
from referrals.workflow import TransitionConflict, referral_submit
from referrals.working_time import add_working_days
from tests.factories import AreaFactory, YoungPersonFactory, member, raise_referral

pytestmark = pytest.mark.django_db


def test_a_draft_records_who_raised_it_and_a_timeline_event() -> None:
    referral = raise_referral(member(Role.PRACTITIONER))
    assert referral.state == ReferralState.DRAFT
    assert referral.reference.startswith("R") and len(referral.reference) == 10
    assert [e.event_type for e in referral.events.all()] == [ReferralEventType.RAISED]


def test_submitting_moves_the_state_and_adds_the_event() -> None:
    submitted = raise_referral(member(Role.PRACTITIONER), submit=True)
    assert submitted.state == ReferralState.SUBMITTED
    assert submitted.submitted_at is not None
    assert submitted.triage_due_at == add_working_days(
        submitted.submitted_at, submitted.area.triage_working_days
    )
    assert [e.event_type for e in submitted.events.all()] == [
        ReferralEventType.RAISED,
        ReferralEventType.SUBMITTED,
    ]


def test_a_referral_cannot_be_submitted_twice() -> None:
    referral = raise_referral(member(Role.PRACTITIONER), submit=True)
    with pytest.raises(TransitionConflict):
        referral_submit(referral=referral, actor=referral.raised_by)
    assert referral.events.filter(event_type=ReferralEventType.SUBMITTED).count() == 1


def test_references_are_unique() -> None:
    practitioner = member(Role.PRACTITIONER)
    references = {raise_referral(practitioner).reference for _ in range(5)}
    assert len(references) == 5


def test_a_concern_for_a_young_person_of_another_area_is_refused() -> None:
    practitioner = member(Role.PRACTITIONER)
    with pytest.raises(ValueError, match="area"):
        referral_create_draft(
            actor=practitioner,
            membership=Membership.objects.get(user=practitioner),
            young_person=YoungPersonFactory.create(),
            narrative="x",
        )


def test_a_concern_is_raised_only_through_the_actors_own_membership() -> None:
    membership = Membership.objects.get(user=member(Role.PRACTITIONER))
    with pytest.raises(ValueError, match="own agency membership"):
        referral_create_draft(
            actor=member(Role.PRACTITIONER),
            membership=membership,
            young_person=YoungPersonFactory.create(area=membership.area),
            narrative="x",
        )


def test_reference_format_keeps_growing_past_six_digits() -> None:
    assert format_referral_reference(123, date(2026, 3, 1)) == "R26-000123"
    assert format_referral_reference(1_234_567, date(2030, 1, 1)) == "R30-1234567"


def test_the_areas_timescale_sets_the_triage_due_time() -> None:
    area = AreaFactory.create(triage_working_days=3)
    submitted = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    assert submitted.submitted_at is not None and submitted.triage_due_at is not None
    assert submitted.triage_due_at == add_working_days(submitted.submitted_at, 3)
    assert submitted.triage_due_at > add_working_days(submitted.submitted_at, 2)
