"""Who sees which referrals in the list (the access issue refines lead professionals)."""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Membership, Role, User
from referrals.selectors import referral_list
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def area_with_referrals() -> dict[str, Any]:
    area = AreaFactory.create()
    school, clinic = AgencyFactory.create(areas=[area]), AgencyFactory.create(areas=[area])
    teacher = member(Role.PRACTITIONER, area=area, agency=school)
    nurse = member(Role.PRACTITIONER, area=area, agency=clinic)
    return {
        "area": area,
        "school": school,
        "teacher": teacher,
        "teacher_submitted": raise_referral(teacher, submit=True).reference,
        "teacher_draft": raise_referral(teacher).reference,
        "nurse_submitted": raise_referral(nurse, submit=True).reference,
    }


def refs(user: Any) -> set[str]:
    return {r.reference for r in referral_list(user=user)}


def test_practitioner_sees_only_their_own_including_drafts(area_with_referrals: Any) -> None:
    d = area_with_referrals
    assert refs(d["teacher"]) == {d["teacher_submitted"], d["teacher_draft"]}


def test_coordinator_sees_the_area_but_not_others_drafts(area_with_referrals: Any) -> None:
    d = area_with_referrals
    coordinator = member(Role.COORDINATOR, area=d["area"])
    assert refs(coordinator) == {d["teacher_submitted"], d["nurse_submitted"]}


def test_agency_lead_sees_their_agencys_submitted_referrals(area_with_referrals: Any) -> None:
    d = area_with_referrals
    lead = member(Role.AGENCY_SAFEGUARDING_LEAD, area=d["area"], agency=d["school"])
    assert refs(lead) == {d["teacher_submitted"]}


@pytest.mark.parametrize(
    "role", [Role.BOARD_MEMBER, Role.AREA_ADMINISTRATOR, Role.NATIONAL_ANALYST]
)
def test_aggregate_and_admin_roles_see_no_records(area_with_referrals: Any, role: Role) -> None:
    area = None if role is Role.NATIONAL_ANALYST else area_with_referrals["area"]
    assert refs(member(role, area=area)) == set()


def test_coordinator_of_another_area_sees_nothing(area_with_referrals: Any) -> None:
    assert refs(member(Role.COORDINATOR)) == set()


def test_a_leaver_sees_nothing_even_of_their_own(area_with_referrals: Any) -> None:
    teacher = area_with_referrals["teacher"]
    Membership.objects.filter(user=teacher).update(is_active=False)
    # A fresh user object, as the next request would load (memberships are cached per request).
    assert refs(User.objects.get(pk=teacher.pk)) == set()
