"""The merging pages through the Django test client: who sees them, the answers checked before
anything is written, the service's refusals on the form, and the transfer-in match offered."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Role
from referrals.identity_merging import young_person_merge
from referrals.models import Referral, YoungPersonMerge
from referrals.workflow import referral_transition
from tests.factories import AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

BORN: dict[str, Any] = {"date_of_birth": date(2011, 3, 4), "postcode": "M1 1AA"}


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
        "other": second.young_person,
        "second": second,
    }


def _compare(world: dict[str, Any]) -> str:
    return f"/young-people/{world['kept'].pk}/merge/{world['other'].pk}/"


def test_the_chronology_offers_merging_to_coordinators_only(
    client: Client, world: dict[str, Any]
) -> None:
    url = f"/young-people/{world['kept'].pk}/timeline/"
    sign_in(client, world["coordinator"])
    assert "Merge another record of Amira Khan" in client.get(url).content.decode()
    client.logout()
    sign_in(client, member(Role.POLICE_LEAD, area=world["area"]))
    assert "Merge another record" not in client.get(url).content.decode()
    assert client.get(f"/young-people/{world['kept'].pk}/merge/").status_code == 403
    assert client.get(_compare(world)).status_code == 403


def test_merge_pages_check_the_answers_before_merging(
    client: Client, world: dict[str, Any]
) -> None:
    sign_in(client, world["coordinator"])
    start = f"/young-people/{world['kept'].pk}/merge/"
    page = client.get(start).content.decode()
    assert "Records that look alike" in page
    refused = client.post(start, {"other": ""})
    assert refused.status_code == 200
    assert "Choose the other record of this young person" in refused.content.decode()
    chosen = client.post(start, {"other": f"young_person:{world['other'].pk}"})
    assert chosen["Location"] == _compare(world)

    compare = client.get(_compare(world)).content.decode()
    assert world["second"].reference in compare and "Same" in compare
    refused = client.post(_compare(world), {"keep": "", "reason": ""})
    assert "Choose the record to keep" in refused.content.decode()
    answers = {"keep": str(world["kept"].pk), "reason": "GP confirmed."}
    check = client.post(_compare(world), answers)
    assert "Check before you merge the records" in check.content.decode()
    assert not YoungPersonMerge.objects.exists()
    back = client.post(_compare(world), answers | {"change": "yes"})
    assert "Are these the same young person?" in back.content.decode()
    assert "GP confirmed." in back.content.decode()  # the answers kept
    done = client.post(_compare(world), answers | {"confirm": "yes"}, follow=True)
    assert "Records merged: Amira Kahn is now part of the record of Amira Khan" in (
        done.content.decode()
    )
    assert Referral.objects.get(pk=world["second"].pk).young_person == world["kept"]
    # The merged record now stands for the kept one: there are no longer two to compare.
    assert client.post(_compare(world), answers | {"confirm": "yes"}).status_code == 404


def test_another_areas_record_is_not_offered(client: Client, world: dict[str, Any]) -> None:
    elsewhere = raise_referral(member(Role.PRACTITIONER), submit=True).young_person
    sign_in(client, world["coordinator"])
    assert client.get(f"/young-people/{world['kept'].pk}/merge/{elsewhere.pk}/").status_code == 404
    refused = client.post(
        f"/young-people/{world['kept'].pk}/merge/", {"other": f"young_person:{elsewhere.pk}"}
    )
    assert "Choose the other record of this young person" in refused.content.decode()


def test_the_undo_page(client: Client, world: dict[str, Any]) -> None:
    sign_in(client, world["coordinator"])
    answers = {"keep": str(world["kept"].pk), "reason": "GP confirmed.", "confirm": "yes"}
    client.post(_compare(world), answers)
    merge = YoungPersonMerge.objects.get()
    url = f"/young-people/merges/{merge.pk}/undo/"
    assert "Can be undone until" in client.get(url).content.decode()
    assert "Enter why the merge is being undone" in client.post(url, {}).content.decode()
    YoungPersonMerge.objects.filter(pk=merge.pk).update(
        merged_at=timezone.now() - timedelta(days=31)
    )
    late = client.post(url, {"reason": "Twins"}).content.decode()
    assert "This merge can no longer be undone" in late
    YoungPersonMerge.objects.filter(pk=merge.pk).update(merged_at=timezone.now())
    done = client.post(url, {"reason": "Twins"}, follow=True)
    assert "Merge undone: Amira Kahn has a record of their own again" in done.content.decode()
    assert Referral.objects.get(pk=world["second"].pk).young_person == world["other"]


def test_accepting_a_transfer_offers_the_records_the_area_knows(
    client: Client, world: dict[str, Any]
) -> None:
    sending = AreaFactory.create()
    sender = member(Role.COORDINATOR, area=sending)
    raised = raise_referral(
        member(Role.PRACTITIONER, area=sending),
        submit=True,
        given_name="Amira",
        family_name="Khan",
        **BORN,
    )
    moving = referral_transition(referral=raised, actor=sender, name="start_triage")
    referral_transition(
        referral=moving,
        actor=sender,
        name="transfer",
        inputs={"area": str(world["area"].pk), "reason": "Moved to an aunt's"},
    )
    sign_in(client, world["coordinator"])
    response = client.post(f"/referrals/{raised.reference}/steps/accept_transfer/")
    arrived = Referral.objects.get(transferred_from=raised)
    assert response["Location"] == f"/referrals/{arrived.reference}/young-person/matches/"
    assert "Possible match 1: Amira Khan" in client.get(response["Location"]).content.decode()


def test_the_chronologys_list_of_merges_costs_the_same_however_long(
    client: Client, world: dict[str, Any]
) -> None:
    """The merges a coordinator can undo are read in one query, whatever their number."""
    coordinator, kept = world["coordinator"], world["kept"]
    practitioner = member(Role.PRACTITIONER, area=world["area"])
    url = f"/young-people/{kept.pk}/timeline/"
    sign_in(client, coordinator)

    def merge_one_more() -> None:
        other = raise_referral(practitioner, submit=True).young_person
        young_person_merge(actor=coordinator, kept=kept, merged=other, reason="Same GP record")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    merge_one_more()
    once = queries()
    merge_one_more()
    merge_one_more()
    assert queries() == once
    assert client.get(url).content.decode().count("Undo the merge") == 3
