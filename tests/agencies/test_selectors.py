"""The one way to ask whether someone holds a role in an area."""

from __future__ import annotations

import pytest

from agencies.models import Membership, Role
from agencies.selectors import membership_in
from tests.factories import AreaFactory, member

pytestmark = pytest.mark.django_db


def test_the_membership_of_a_role_in_the_area_is_found() -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    held = Membership.objects.get(user=coordinator)
    assert membership_in(user=coordinator, area_id=area.pk, roles=[Role.COORDINATOR]) == held
    both = [Role.POLICE_LEAD, Role.COORDINATOR]
    assert membership_in(user=coordinator, area_id=area.pk, roles=both) == held


def test_another_role_or_another_area_is_not_enough() -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    assert membership_in(user=coordinator, area_id=area.pk, roles=[Role.POLICE_LEAD]) is None
    elsewhere = AreaFactory.create().pk
    assert membership_in(user=coordinator, area_id=elsewhere, roles=[Role.COORDINATOR]) is None


def test_an_ended_membership_holds_nothing() -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    Membership.objects.filter(user=coordinator).update(is_active=False)
    assert membership_in(user=coordinator, area_id=area.pk, roles=[Role.COORDINATOR]) is None
