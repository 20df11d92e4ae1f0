"""Starting a concern and writing the young person's details while it is a draft."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agencies.models import Membership, Role
from audit.models import AuditAction, AuditEvent
from referrals.concerns import concern_raise, referral_create_draft, young_person_update_draft
from referrals.models import Referral, ReferralState, YoungPerson
from tests.factories import AreaFactory, member, raise_referral

pytestmark = pytest.mark.django_db


def start(user, **person) -> Referral:
    return concern_raise(
        actor=user,
        membership=Membership.objects.get(user=user),
        young_person={"given_name": "Synthetic", "family_name": "Person", **person},
        concern={},
    )


def test_starting_a_concern_creates_the_young_person_and_the_draft_together() -> None:
    practitioner = member(Role.PRACTITIONER)
    referral = start(practitioner, aliases=["Syn"])
    person = referral.young_person
    assert referral.state == ReferralState.DRAFT and referral.raised_by == practitioner
    assert (person.given_name, person.aliases, person.area_id) == (
        "Synthetic",
        ["Syn"],
        referral.area_id,
    )
    created = AuditEvent.objects.filter(action=AuditAction.CREATE, actor=practitioner)
    assert {e.object_type for e in created} == {"referrals.youngperson", "referrals.referral"}


def test_a_role_that_does_not_raise_concerns_cannot_start_one_and_nothing_is_kept() -> None:
    with pytest.raises(PermissionDenied):
        start(member(Role.BOARD_MEMBER))
    assert not YoungPerson.objects.exists() and not Referral.objects.exists()


def test_details_are_normalised_saved_and_audited() -> None:
    practitioner = member(Role.PRACTITIONER)
    referral = start(practitioner)
    person = young_person_update_draft(
        young_person=referral.young_person,
        actor=practitioner,
        changes={
            "nhs_number": "943-476 5919",
            "postcode": " sw1a1aa ",
            "date_of_birth": date(2011, 3, 27),
            "phone_numbers": ["07700 900123"],
        },
    )
    person.refresh_from_db()
    assert (person.nhs_number, person.postcode) == ("9434765919", "SW1A 1AA")
    assert person.date_of_birth == date(2011, 3, 27)
    assert person.phone_numbers == ["07700 900123"]
    change = AuditEvent.objects.get(action=AuditAction.CHANGE, object_type="referrals.youngperson")
    assert change.actor == practitioner
    assert change.details == {
        "fields": ["date_of_birth", "nhs_number", "phone_numbers", "postcode"]
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"nhs_number": "943 476 5918"}, "nhs_number", "the last digit does not match"),
        ({"nhs_number": "12345"}, "nhs_number", "10 digits"),
        # A day from now, worked out when the test runs (not when it is collected, which may
        # be the day before).
        ({"date_of_birth": "tomorrow"}, "date_of_birth", "today or in the past"),
    ],
)
def test_a_bad_detail_names_its_field_and_saves_nothing(
    changes: dict, field: str, message: str
) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    changes = {k: tomorrow if v == "tomorrow" else v for k, v in changes.items()}
    practitioner = member(Role.PRACTITIONER)
    referral = start(practitioner)
    with pytest.raises(ValidationError) as raised:
        young_person_update_draft(
            young_person=referral.young_person,
            actor=practitioner,
            changes={"school": "Synthetic Academy", **changes},
        )
    assert message in " ".join(raised.value.message_dict[field])
    person = YoungPerson.objects.get(pk=referral.young_person_id)
    assert (person.school, person.nhs_number, person.date_of_birth) == ("", "", None)
    assert not AuditEvent.objects.filter(action=AuditAction.CHANGE).exists()


def test_only_the_author_of_the_draft_may_change_the_details() -> None:
    area = AreaFactory.create()
    referral = raise_referral(member(Role.PRACTITIONER, area=area))
    for other in (member(Role.PRACTITIONER, area=area), member(Role.COORDINATOR, area=area)):
        with pytest.raises(PermissionDenied):
            young_person_update_draft(
                young_person=referral.young_person, actor=other, changes={"school": "X"}
            )


def test_once_submitted_the_details_are_closed_to_draft_changes() -> None:
    practitioner = member(Role.PRACTITIONER)
    referral = raise_referral(practitioner, submit=True)
    with pytest.raises(PermissionDenied):
        young_person_update_draft(
            young_person=referral.young_person, actor=practitioner, changes={"school": "X"}
        )
    assert YoungPerson.objects.get(pk=referral.young_person_id).school == ""


def test_a_young_person_with_another_referral_is_not_changed_through_a_draft() -> None:
    practitioner = member(Role.PRACTITIONER)
    referral = raise_referral(practitioner)
    referral_create_draft(
        actor=practitioner,
        membership=Membership.objects.get(user=practitioner),
        young_person=referral.young_person,
    )
    with pytest.raises(PermissionDenied):
        young_person_update_draft(
            young_person=referral.young_person, actor=practitioner, changes={"school": "X"}
        )


def test_only_the_young_persons_details_may_be_written() -> None:
    practitioner = member(Role.PRACTITIONER)
    referral = start(practitioner)
    with pytest.raises(ValueError, match="area"):
        young_person_update_draft(
            young_person=referral.young_person, actor=practitioner, changes={"area": None}
        )
