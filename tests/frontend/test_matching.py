"""Matching the young person during triage, through the Django test client: the possible
matches side by side with the reasons they are offered, a check-answers page before anything
is linked or merged, what happened said afterwards, and who may do it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agencies.models import Area, Role, User
from audit.models import AuditAction, AuditEvent
from referrals.identity import ESTABLISHED
from referrals.models import Referral, ReferralState, YoungPerson
from referrals.selectors import young_person_possible_matches
from referrals.workflow import referral_transition
from tests.factories import AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

BORN: dict[str, Any] = {"date_of_birth": date(2011, 3, 4), "postcode": "M1 1AA"}


@dataclass
class World:
    area: Area
    coordinator: User
    known: Referral  # an earlier referral about Amira Khan
    referral: Referral  # the new one, in triage, about "Amira Kahn"

    def url(self, rest: str = "") -> str:
        return f"/referrals/{self.referral.reference}/young-person/matches/{rest}"


def _close(referral: Referral, coordinator: User) -> None:
    """Decide the referral: no further action closes it."""
    if referral.state == ReferralState.SUBMITTED:
        referral = referral_transition(referral=referral, actor=coordinator, name="start_triage")
    referral_transition(
        referral=referral,
        actor=coordinator,
        name="decide",
        inputs={"decision": "no_further_action", "reason": "Advice given."},
    )


@pytest.fixture
def world() -> World:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    practitioner = member(Role.PRACTITIONER, area=area)
    known = raise_referral(
        practitioner,
        submit=True,
        given_name="Amira",
        family_name="Khan",
        school="Hill High",
        **BORN,
    )
    referral = raise_referral(
        practitioner, submit=True, given_name="Amira", family_name="Kahn", **BORN
    )
    referral = referral_transition(referral=referral, actor=coordinator, name="start_triage")
    return World(area, coordinator, known, referral)


def test_the_reasons_come_from_the_matching_rules(world: World) -> None:
    [match] = young_person_possible_matches(young_person=world.referral.young_person)
    assert match.person == world.known.young_person
    assert match.reasons == (
        "Names alike: Amira Kahn and Amira Khan",
        "The same date of birth",
        "The same postcode",
    )
    numbered = {"nhs_number": "9434765919"}
    YoungPerson.objects.filter(pk=world.known.young_person_id).update(**numbered, postcode="")
    YoungPerson.objects.filter(pk=world.referral.young_person_id).update(
        **numbered, given_name="Amy", family_name="Khan"
    )
    world.referral.young_person.refresh_from_db()
    [match] = young_person_possible_matches(young_person=world.referral.young_person)
    assert match.reasons == ("The same NHS number", "The same date of birth")


def test_the_matches_are_shown_side_by_side_with_their_reasons(
    client: Client, world: World
) -> None:
    sign_in(client, world.coordinator)
    html = client.get(world.url()).content.decode()
    for words in (
        "Possible match 1: Amira Khan",
        "Names alike: Amira Kahn and Amira Khan",
        "The same date of birth",
        "On this referral",
        "On the existing record",
        "4 March 2011",
        "Hill High",
        f"{world.known.reference}: Submitted",
        'class="govuk-tag govuk-tag--green">Same</strong>',
        "Yes, the same as possible match 1: Amira Khan, born 4 March 2011, M1 1AA, Hill High",
        "No, a young person new to the area",
        'class="app-table-scroll" tabindex="0" role="region"',
    ):
        assert words in html, words
    # Showing another young person's record is a read like any other.
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW,
        actor=world.coordinator,
        object_type="referrals.youngperson",
        object_id=str(world.known.young_person_id),
    ).exists()


def test_a_choice_is_needed_and_nothing_is_linked_before_confirmation(
    client: Client, world: World
) -> None:
    sign_in(client, world.coordinator)
    response = client.post(world.url(), {})
    assert response.status_code == 200
    assert "Choose a record, or say this is a new young person" in response.content.decode()

    known = world.known.young_person
    response = client.post(world.url(), {"match": known.pk})
    assert response["Location"] == world.url(f"{known.pk}/")
    html = client.get(response["Location"]).content.decode()
    for words in (
        "Check before you link the records",
        "Amira Khan, born 4 March 2011, M1 1AA, Hill High",
        "What will happen",
        "Name: Amira Kahn on this referral, Amira Khan on the record",
        f"already has an open referral, {world.known.reference}",
    ):
        assert words in html, words
    world.referral.refresh_from_db()
    assert world.referral.young_person_id != known.pk
    assert world.referral.state == ReferralState.IN_TRIAGE
    assert not YoungPerson.objects.filter(merged_into=known).exists()


def test_confirming_merges_into_the_open_referral_and_says_so(client: Client, world: World) -> None:
    sign_in(client, world.coordinator)
    known = world.known.young_person
    response = client.post(world.url(f"{known.pk}/"))
    assert response["Location"] == f"/referrals/{world.known.reference}/"
    world.referral.refresh_from_db()
    assert (world.referral.young_person_id, world.referral.state) == (
        known.pk,
        ReferralState.MERGED,
    )
    html = client.get(response["Location"]).content.decode()
    assert (
        f'{world.referral.reference} is now recorded against <a class="govuk-notification-banner'
        f'__link" href="/young-people/{known.pk}/timeline/">the existing record of Amira Khan</a>'
        f" and merged into {world.known.reference}, which was already open for them"
    ) in html


def test_confirming_links_to_a_record_with_no_open_referral(client: Client, world: World) -> None:
    _close(world.known, world.coordinator)
    sign_in(client, world.coordinator)
    known = world.known.young_person
    assert (
        "already has an open referral" not in client.get(world.url(f"{known.pk}/")).content.decode()
    )
    response = client.post(world.url(f"{known.pk}/"))
    assert response["Location"] == f"/referrals/{world.referral.reference}/"
    world.referral.refresh_from_db()
    assert (world.referral.young_person_id, world.referral.state) == (
        known.pk,
        ReferralState.IN_TRIAGE,
    )
    html = client.get(response["Location"]).content.decode()
    assert f"/young-people/{known.pk}/timeline/" in html and "merged into" not in html


def test_a_refusal_shows_on_the_check_page_and_nothing_changes(
    client: Client, world: World
) -> None:
    # The referral's own record is shared with another referral: linking would orphan it.
    other = raise_referral(world.known.raised_by, submit=True)
    Referral.objects.filter(pk=other.pk).update(young_person=world.referral.young_person)
    sign_in(client, world.coordinator)
    known = world.known.young_person
    response = client.post(world.url(f"{known.pk}/"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert ESTABLISHED in html
    # Both records are established: the page offers their merge, compared side by side.
    compare = f"/young-people/{known.pk}/merge/{world.referral.young_person_id}/"
    assert f'href="{compare}"' in html and "Confirm: they are the same" not in html
    world.referral.refresh_from_db()
    assert world.referral.young_person_id != known.pk
    assert client.get(compare).status_code == 200


def test_a_new_young_person_is_confirmed_with_a_banner(client: Client, world: World) -> None:
    sign_in(client, world.coordinator)
    response = client.post(world.url(), {"match": "new"})
    assert response["Location"] == f"/referrals/{world.referral.reference}/"
    assert YoungPerson.objects.get(pk=world.referral.young_person_id).identity_confirmed_at
    html = client.get(response["Location"]).content.decode()
    assert "Amira Kahn is recorded as a young person new to the area" in html


def test_with_no_match_only_new_is_offered(client: Client, world: World) -> None:
    referral = raise_referral(member(Role.PRACTITIONER, area=world.area), submit=True)
    referral_transition(referral=referral, actor=world.coordinator, name="start_triage")
    sign_in(client, world.coordinator)
    url = f"/referrals/{referral.reference}/young-person/matches/"
    html = client.get(url).content.decode()
    assert "No record in the area looks like the same young person" in html
    assert "Yes, the same" not in html
    assert client.get(f"{url}{world.known.young_person_id}/").status_code == 404


def test_who_may_match(client: Client, world: World) -> None:
    known = world.known.young_person_id
    for page in ("", f"{known}/"):
        for outsider in (member(Role.COORDINATOR), world.known.raised_by):
            sign_in(client, outsider)
            assert client.get(world.url(page)).status_code == 404, (outsider, page)
            assert client.post(world.url(page), {"match": known}).status_code == 404
    _close(world.referral, world.coordinator)  # decided: matching is over
    sign_in(client, world.coordinator)
    assert client.get(world.url()).status_code == 404
    assert client.post(world.url(f"{known}/")).status_code == 404
    world.referral.refresh_from_db()
    assert world.referral.young_person_id != known


def test_the_matches_page_reads_the_same_for_one_match_as_for_three(
    client: Client, world: World
) -> None:
    sign_in(client, world.coordinator)
    with CaptureQueriesContext(connection) as one:
        assert client.get(world.url()).status_code == 200
    for family_name in ("Khan", "Khann"):
        raise_referral(
            world.known.raised_by, submit=True, given_name="Amira", family_name=family_name, **BORN
        )
    with CaptureQueriesContext(connection) as three:
        html = client.get(world.url()).content.decode()
    assert "Possible match 3" in html
    assert len(three) == len(one)
