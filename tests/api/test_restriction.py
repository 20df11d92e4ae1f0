"""Restricting a young person's record and lifting it, through the API."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Role, User
from disruption.services import vehicle_create
from referrals.models import YoungPersonRestriction
from tests.disruption.helpers import GRADING, place
from tests.factories import member, sign_in

pytestmark = pytest.mark.django_db

REASON = "She contests the address on the record; being checked with her."


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


@pytest.fixture
def world() -> dict[str, Any]:
    here = place()
    referral = here.referral()
    return {
        "here": here,
        "person": referral.young_person,
        "referral": referral,
        "url": f"/api/v1/young-people/{referral.young_person_id}/restriction/",
    }


def test_a_coordinator_restricts_and_lifts_a_record(world: dict[str, Any]) -> None:
    here, url = world["here"], world["url"]
    coordinator = api(here.coordinator)
    assert coordinator.get(url).json() == []

    placed = coordinator.post(url, {"reason": REASON}, format="json")
    assert placed.status_code == 201, placed.json()
    body = placed.json()
    assert (body["young_person"], body["reason"], body["lifted_at"]) == (
        world["person"].pk,
        REASON,
        None,
    )
    # Now the police lead, who saw the young person, no longer does.
    police = api(here.police_lead)
    assert police.get(f"/api/v1/young-people/{world['person'].pk}/").status_code == 404
    assert police.get(f"/api/v1/referrals/{world['referral'].reference}/").status_code == 404
    assert coordinator.get(f"/api/v1/young-people/{world['person'].pk}/").status_code == 200

    again = coordinator.post(url, {"reason": REASON}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"

    lifted = coordinator.post(f"{url}lift/", {"reason": "Checked and corrected."}, format="json")
    assert lifted.status_code == 200, lifted.json()
    assert lifted.json()["lift_reason"] == "Checked and corrected."
    assert police.get(f"/api/v1/young-people/{world['person'].pk}/").status_code == 200
    assert coordinator.post(f"{url}lift/", {"reason": "Again"}, format="json").status_code == 409
    assert [r["id"] for r in coordinator.get(url).json()] == [body["id"]]


def test_the_request_is_checked(world: dict[str, Any]) -> None:
    coordinator = api(world["here"].coordinator)
    assert coordinator.post(world["url"], {}, format="json").status_code == 400
    too_long = coordinator.post(world["url"], {"reason": "x" * 2001}, format="json")
    assert too_long.status_code == 400
    blank = coordinator.post(world["url"], {"reason": "   "}, format="json")
    assert blank.status_code == 400
    assert not YoungPersonRestriction.objects.exists()


def test_only_the_areas_coordinators_may(world: dict[str, Any]) -> None:
    here = world["here"]
    # The police lead sees the record but may not restrict it; another area's coordinator
    # does not see it at all.
    police = api(here.police_lead)
    assert police.post(world["url"], {"reason": REASON}, format="json").status_code == 403
    assert police.get(world["url"]).status_code == 403
    stranger = api(member(Role.COORDINATOR))
    assert stranger.post(world["url"], {"reason": REASON}, format="json").status_code == 404
    assert not YoungPersonRestriction.objects.exists()


def test_a_link_to_a_restricted_record_is_refused_422(world: dict[str, Any]) -> None:
    here = world["here"]
    coordinator = api(here.coordinator)
    coordinator.post(world["url"], {"reason": REASON}, format="json")
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    body = {
        "a": {"kind": "young_person", "id": world["person"].pk},
        "b": {"kind": "vehicle", "id": car.pk},
        "nature": "seen_in",
        **GRADING,
        "observed_on": "2026-01-10",
    }
    refused = coordinator.post("/api/v1/links/", body, format="json")
    assert refused.status_code == 422, refused.json()
    assert "restricted" in refused.json()["error"]["fields"]["b"][0]
    # The police lead no longer sees the record to link it: 404, as for any record out of sight.
    assert api(here.police_lead).post("/api/v1/links/", body, format="json").status_code == 404
