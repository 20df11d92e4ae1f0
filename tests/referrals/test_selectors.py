"""Who sees which referrals in the list (the access issue refines lead professionals)."""

from __future__ import annotations

import pytest

from agencies.models import Membership, Role
from referrals.selectors import referral_list
from referrals.services import referral_create_draft, referral_submit
from tests.factories import AgencyFactory, AreaFactory, YoungPersonFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def area_with_referrals():  # type: ignore[no-untyped-def]
    area = AreaFactory()
    school, clinic = AgencyFactory(areas=[area]), AgencyFactory(areas=[area])
    teacher = member(Role.PRACTITIONER, area=area, agency=school)
    nurse = member(Role.PRACTITIONER, area=area, agency=clinic)

    def raise_by(user, submit):  # type: ignore[no-untyped-def]
        membership = Membership.objects.get(user=user)
        referral = referral_create_draft(
            actor=user,
            membership=membership,
            young_person=YoungPersonFactory(area=area),
            narrative="x",
        )
        return referral_submit(referral=referral, actor=user) if submit else referral

    return {
        "area": area,
        "school": school,
        "teacher": teacher,
        "teacher_submitted": raise_by(teacher, True),
        "teacher_draft": raise_by(teacher, False),
        "nurse_submitted": raise_by(nurse, True),
    }


def refs(user):  # type: ignore[no-untyped-def]
    return {r.reference for r in referral_list(user=user)}


def test_practitioner_sees_only_their_own_including_drafts(area_with_referrals) -> None:  # type: ignore[no-untyped-def]
    d = area_with_referrals
    assert refs(d["teacher"]) == {d["teacher_submitted"].reference, d["teacher_draft"].reference}


def test_coordinator_sees_the_area_but_not_others_drafts(area_with_referrals) -> None:  # type: ignore[no-untyped-def]
    d = area_with_referrals
    coordinator = member(Role.COORDINATOR, area=d["area"])
    assert refs(coordinator) == {d["teacher_submitted"].reference, d["nurse_submitted"].reference}


def test_agency_lead_sees_their_agencys_submitted_referrals(area_with_referrals) -> None:  # type: ignore[no-untyped-def]
    d = area_with_referrals
    lead = member(Role.AGENCY_SAFEGUARDING_LEAD, area=d["area"], agency=d["school"])
    assert refs(lead) == {d["teacher_submitted"].reference}


@pytest.mark.parametrize(
    "role", [Role.BOARD_MEMBER, Role.AREA_ADMINISTRATOR, Role.NATIONAL_ANALYST]
)
def test_aggregate_and_admin_roles_see_no_records(area_with_referrals, role) -> None:  # type: ignore[no-untyped-def]
    kwargs = {} if role is Role.NATIONAL_ANALYST else {"area": area_with_referrals["area"]}
    assert refs(member(role, **kwargs)) == set()


def test_coordinator_of_another_area_sees_nothing(area_with_referrals) -> None:  # type: ignore[no-untyped-def]
    assert refs(member(Role.COORDINATOR)) == set()


def test_a_leaver_sees_nothing_even_of_their_own(area_with_referrals) -> None:  # type: ignore[no-untyped-def]
    teacher = area_with_referrals["teacher"]
    Membership.objects.filter(user=teacher).update(is_active=False)
    assert refs(teacher) == set()
