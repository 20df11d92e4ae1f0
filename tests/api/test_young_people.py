"""Young people through the API: only those seen through a referral seen in full."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Role, User
from audit.models import AuditAction, AuditEvent
from referrals.casework import note_add
from referrals.models import Referral
from tests.factories import AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


@pytest.fixture
def referral() -> Referral:
    area = AreaFactory.create()
    return raise_referral(member(Role.PRACTITIONER, area=area), submit=True, nhs_number="")


def views_of(person_id: int) -> int:
    return AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="referrals.youngperson", object_id=str(person_id)
    ).count()


def test_a_coordinator_lists_and_opens_the_young_people_of_their_area(referral: Referral) -> None:
    raise_referral(member(Role.PRACTITIONER), submit=True)  # another area: never listed
    client = api(member(Role.COORDINATOR, area=referral.area))
    listed = client.get("/api/v1/young-people/").json()["results"]
    assert [p["id"] for p in listed] == [referral.young_person_id]
    assert views_of(referral.young_person_id) == 1
    detail = client.get(f"/api/v1/young-people/{referral.young_person_id}/")
    assert detail.status_code == 200
    assert detail.json()["given_name"] == referral.young_person.given_name
    assert views_of(referral.young_person_id) == 2


def test_a_summary_is_not_enough(referral: Referral) -> None:
    client = api(referral.raised_by)
    assert client.get("/api/v1/young-people/").json()["results"] == []
    for path in ["", "timeline/"]:
        response = client.get(f"/api/v1/young-people/{referral.young_person_id}/{path}")
        assert response.status_code == 404
    assert views_of(referral.young_person_id) == 0


def test_the_timeline_joins_every_referral_seen_in_full(referral: Referral) -> None:
    coordinator = member(Role.COORDINATOR, area=referral.area)
    second = raise_referral(referral.raised_by, submit=True)
    Referral.objects.filter(pk=second.pk).update(young_person=referral.young_person)
    note_add(referral=second, actor=coordinator, text="Secret text.", restricted=True)
    draft = raise_referral(referral.raised_by)  # a draft is its raiser's alone
    Referral.objects.filter(pk=draft.pk).update(young_person=referral.young_person)
    client = api(coordinator)
    url = f"/api/v1/young-people/{referral.young_person_id}/timeline/"
    events = client.get(url).json()["results"]
    assert {e["referral"] for e in events} == {referral.reference, second.reference}
    assert "Secret text." not in str(events)
    notes = client.get(f"{url}?type=note_added").json()["results"]
    assert [e["referral"] for e in notes] == [second.reference]


@pytest.mark.parametrize("count", [1, 10])
def test_the_list_uses_a_fixed_number_of_queries(
    django_assert_num_queries: Any, count: int
) -> None:
    area = AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)
    for _ in range(count):
        raise_referral(practitioner, submit=True)
    client = api(member(Role.COORDINATOR, area=area))
    # session, user, second-factor device; then in one transaction (BEGIN, COMMIT)
    # memberships, one page of young people with their areas, and the audit of every one
    # shown (one insert, sent with the commit: no query of its own); then the idle-timeout
    # session refresh (BEGIN, UPDATE, COMMIT). The same for 1 row as for 10.
    with django_assert_num_queries(10):
        response = client.get("/api/v1/young-people/")
    assert len(response.json()["results"]) == count
