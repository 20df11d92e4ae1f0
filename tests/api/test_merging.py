"""Merging young people's records, undoing a merge, and matching, through the API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Role, User
from referrals.models import Referral, ReferralState, YoungPersonMerge
from referrals.workflow import referral_transition
from tests.factories import AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

BORN: dict[str, Any] = {"date_of_birth": date(2011, 3, 4), "postcode": "M1 1AA"}


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


@pytest.fixture
def world() -> dict[str, Any]:
    area = AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)
    first = raise_referral(
        practitioner, submit=True, given_name="Amira", family_name="Khan", **BORN
    )
    second = raise_referral(
        practitioner, submit=True, given_name="Amira", family_name="Kahn", **BORN
    )
    return {
        "area": area,
        "coordinator": member(Role.COORDINATOR, area=area),
        "kept": first.young_person,
        "merged": second.young_person,
        "second": second,
    }


def _merge(client: APIClient, world: dict[str, Any], **body: Any) -> Any:
    sent = {"merged": world["merged"].pk, "reason": "Same GP record"} | body
    return client.post(f"/api/v1/young-people/{world['kept'].pk}/merges/", sent, format="json")


def test_merge_and_undo(world: dict[str, Any]) -> None:
    client = api(world["coordinator"])
    response = _merge(client, world)
    assert response.status_code == 201, response.json()
    merge = response.json()
    assert merge["kept"] == world["kept"].pk and merge["moved_referrals"] == [world["second"].pk]
    assert merge["moved_links"] == merge["absorbed_links"] == []  # neither is in the network
    # The merged record now answers as the kept one.
    assert (
        client.get(f"/api/v1/young-people/{world['merged'].pk}/").json()["id"] == world["kept"].pk
    )
    undo = f"/api/v1/young-person-merges/{merge['id']}/undo/"
    assert client.post(undo, {"reason": ""}, format="json").status_code == 400
    response = client.post(undo, {"reason": "Twins"}, format="json")
    assert response.status_code == 200 and response.json()["undone_at"]
    assert Referral.objects.get(pk=world["second"].pk).young_person == world["merged"]


def test_undo_after_the_period_is_refused_in_words(world: dict[str, Any]) -> None:
    client = api(world["coordinator"])
    merge = _merge(client, world).json()
    YoungPersonMerge.objects.filter(pk=merge["id"]).update(
        merged_at=timezone.now() - timedelta(days=31)
    )
    response = client.post(
        f"/api/v1/young-person-merges/{merge['id']}/undo/", {"reason": "Late"}, format="json"
    )
    assert response.status_code == 422
    assert "can no longer be undone" in response.json()["error"]["fields"]["reason"][0]


def test_who_may_merge(world: dict[str, Any]) -> None:
    police_lead = member(Role.POLICE_LEAD, area=world["area"])
    assert _merge(api(police_lead), world).status_code == 403
    elsewhere = raise_referral(member(Role.PRACTITIONER), submit=True).young_person
    assert _merge(api(world["coordinator"]), world, merged=elsewhere.pk).status_code == 404
    assert _merge(api(member(Role.COORDINATOR)), world).status_code == 404
    assert not YoungPersonMerge.objects.exists()


def test_matching_a_referral_transferred_in(world: dict[str, Any]) -> None:
    """A referral transferred into the area is matched to the record the area already has."""
    sending_area = AreaFactory.create()
    sender = member(Role.COORDINATOR, area=sending_area)
    raised = raise_referral(
        member(Role.PRACTITIONER, area=sending_area),
        submit=True,
        given_name="Amira",
        family_name="Khan",
        **BORN,
    )
    moving = referral_transition(referral=raised, actor=sender, name="start_triage")
    moving = referral_transition(
        referral=moving,
        actor=sender,
        name="transfer",
        inputs={"area": str(world["area"].pk), "reason": "Moved to live with an aunt."},
    )
    coordinator = world["coordinator"]
    referral_transition(referral=moving, actor=coordinator, name="accept_transfer")
    arrived = Referral.objects.get(transferred_from=moving)
    assert arrived.state == ReferralState.IN_TRIAGE
    client = api(coordinator)
    url = f"/api/v1/referrals/{arrived.reference}/young-person/matches/"
    offered = client.get(url).json()
    assert [m["young_person"]["id"] for m in offered] == [world["kept"].pk, world["merged"].pk]
    assert client.post(url, {"young_person": 0}, format="json").status_code == 400
    assert (
        api(member(Role.POLICE_LEAD, area=world["area"]))
        .post(url, {"young_person": world["kept"].pk}, format="json")
        .status_code
        == 403
    )
    response = client.post(url, {"young_person": world["kept"].pk}, format="json")
    assert response.status_code == 200 and response.json()["id"] == world["kept"].pk
    assert Referral.objects.get(pk=arrived.pk).young_person == world["kept"]
