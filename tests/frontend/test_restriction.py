"""The restriction pages answer only the area's coordinators; the banner is theirs alone."""

from __future__ import annotations

import pytest
from django.test import Client

from agencies.models import Role, User
from referrals.restriction import young_person_restrict
from tests.disruption.helpers import place
from tests.factories import member, sign_in

pytestmark = pytest.mark.django_db


def client(user: User) -> Client:
    signed = Client()
    sign_in(signed, user)
    return signed


def test_only_the_areas_coordinators_reach_the_pages_and_see_the_banner() -> None:
    here = place()
    referral = here.referral()
    person = referral.young_person
    pages = [
        f"/young-people/{person.pk}/restriction/",
        f"/young-people/{person.pk}/restriction/lift/",
    ]
    police, stranger = client(here.police_lead), client(member(Role.COORDINATOR))
    for url in pages:
        assert police.get(url).status_code == 403  # sees the record, may not restrict it
        assert stranger.get(url).status_code == 404
    coordinator = client(here.coordinator)
    assert coordinator.get(pages[0]).status_code == 200
    assert coordinator.get(pages[1]).status_code == 302  # nothing to lift yet

    young_person_restrict(actor=here.coordinator, young_person=person, reason="Contested.")
    chronology = coordinator.get(f"/young-people/{person.pk}/timeline/")
    assert 'id="restricted-title">Restricted<' in chronology.content.decode()
    assert coordinator.get(pages[1]).status_code == 200
    assert police.get(f"/referrals/{referral.reference}/").status_code == 404
    assert police.get(f"/young-people/{person.pk}/timeline/").status_code == 404
