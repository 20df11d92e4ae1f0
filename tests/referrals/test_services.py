from __future__ import annotations

import pytest
from django_fsm import TransitionNotAllowed

from agencies.models import Membership, Role
from referrals.models import ReferralEventType, ReferralState
from referrals.services import referral_create_draft, referral_submit
from tests.factories import YoungPersonFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


def raise_concern(practitioner=None):  # type: ignore[no-untyped-def]
    practitioner = practitioner or member(Role.PRACTITIONER)
    membership = Membership.objects.get(user=practitioner)
    person = YoungPersonFactory(area=membership.area)
    return referral_create_draft(
        actor=practitioner, membership=membership, young_person=person, narrative="Seen at the rank."
    )


def test_a_draft_records_who_raised_it_and_a_timeline_event() -> None:
    referral = raise_concern()
    assert referral.state == ReferralState.DRAFT
    assert referral.reference.startswith("R") and len(referral.reference) == 10
    assert [e.event_type for e in referral.events.all()] == [ReferralEventType.RAISED]


def test_submitting_moves_the_state_and_adds_the_event() -> None:
    referral = raise_concern()
    submitted = referral_submit(referral=referral, actor=referral.raised_by)
    assert submitted.state == ReferralState.SUBMITTED
    assert submitted.submitted_at is not None
    assert [e.event_type for e in submitted.events.all()] == [
        ReferralEventType.RAISED,
        ReferralEventType.SUBMITTED,
    ]


def test_a_referral_cannot_be_submitted_twice() -> None:
    referral = raise_concern()
    referral_submit(referral=referral, actor=referral.raised_by)
    with pytest.raises(TransitionNotAllowed):
        referral_submit(referral=referral, actor=referral.raised_by)
    assert referral.events.filter(event_type=ReferralEventType.SUBMITTED).count() == 1


def test_references_are_unique() -> None:
    practitioner = member(Role.PRACTITIONER)
    references = {raise_concern(practitioner).reference for _ in range(5)}
    assert len(references) == 5


def test_a_concern_for_a_young_person_of_another_area_is_refused() -> None:
    practitioner = member(Role.PRACTITIONER)
    membership = Membership.objects.get(user=practitioner)
    with pytest.raises(ValueError):
        referral_create_draft(
            actor=practitioner,
            membership=membership,
            young_person=YoungPersonFactory(),
            narrative="x",
        )


def test_a_concern_is_raised_only_through_the_actors_own_membership() -> None:
    membership = Membership.objects.get(user=member(Role.PRACTITIONER))
    with pytest.raises(ValueError):
        referral_create_draft(
            actor=member(Role.PRACTITIONER),
            membership=membership,
            young_person=YoungPersonFactory(area=membership.area),
            narrative="x",
        )
