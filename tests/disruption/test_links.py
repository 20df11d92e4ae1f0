"""Links between young people and entities, and the alerts a new link raises: exactly once per
new link and match, never across areas except for a police force serving both."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agencies.models import AgencyType, Role
from audit.models import AuditEvent
from disruption.models import Link, LinkAlert, MatchKind
from disruption.selectors import link_alerts_for, links_for
from disruption.services import (
    link_add,
    link_share,
    person_of_concern_create,
    vehicle_create,
)
from disruption.signals import link_alert_raised
from referrals.workflow import referral_assign_lead
from tests.disruption.helpers import GRADING, link, place
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral

pytestmark = pytest.mark.django_db


def test_a_link_is_stored_once_per_pair_lower_node_first_and_audited() -> None:
    here = place()
    referral = here.referral()
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="ab12 cde")
    first = link(here.police_lead, car, referral.young_person, referral=referral)
    assert first.a_id < first.b_id
    again = link(here.police_lead, referral.young_person, car, referral=referral)
    assert again.pk == first.pk
    assert Link.objects.count() == 1
    assert (
        AuditEvent.objects.filter(
            action="create", object_type="disruption.link", object_id=str(first.pk)
        ).count()
        == 1
    )


def test_the_second_and_third_young_people_each_raise_one_alert() -> None:
    here = place()
    received: list[Any] = []

    def receiver(**kwargs: Any) -> None:
        received.append(kwargs["alert"])

    link_alert_raised.connect(receiver)
    try:
        car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12 CDE")
        first, second, third = here.referral(), here.referral(), here.referral()
        link(here.police_lead, car, first.young_person, referral=first)
        assert LinkAlert.objects.count() == 0
        link(here.police_lead, car, second.young_person, referral=second)
        assert [a.reason for a in LinkAlert.objects.all()] == [
            "Vehicle AB12CDE is now linked to 2 young people"
        ]
        link(here.police_lead, car, third.young_person, referral=third)
        assert LinkAlert.objects.count() == 2
        assert LinkAlert.objects.first().reason == "Vehicle AB12CDE is now linked to 3 young people"  # type: ignore[union-attr]
        # The same link again, and the same young person through another referral: no alert.
        link(here.police_lead, car, third.young_person, referral=third)
        fourth = here.referral()
        fourth.young_person = third.young_person
        fourth.save(update_fields=["young_person"])
        link(here.police_lead, car, third.young_person, referral=fourth)
        link(here.police_lead, car, third.young_person, nature="seen_in")
        assert LinkAlert.objects.count() == 2
        assert {a.match for a in LinkAlert.objects.all()} == {MatchKind.EXACT}
    finally:
        link_alert_raised.disconnect(receiver)
    assert sorted(a.pk for a in received) == sorted(LinkAlert.objects.values_list("pk", flat=True))


def test_a_similar_name_linked_to_other_young_people_raises_a_name_alert() -> None:
    here = place()
    known = person_of_concern_create(
        actor=here.police_lead, area=here.area, name="Mohammed Khan", aliases=["Mo K"]
    )
    first, second = here.referral(), here.referral()
    link(here.police_lead, known, first.young_person, referral=first)
    unrelated = person_of_concern_create(actor=here.police_lead, area=here.area, name="John Smith")
    link(here.police_lead, unrelated, second.young_person, referral=second)
    assert LinkAlert.objects.count() == 0
    new = person_of_concern_create(actor=here.coordinator, area=here.area, name="Mo Khan")
    added = link(here.coordinator, new, second.young_person, referral=second)
    (alert,) = LinkAlert.objects.all()
    assert alert.link == added and alert.match == MatchKind.NAME
    assert alert.matched_node == known.node
    assert alert.reason == "'Mo Khan' is like 'Mohammed Khan', linked to 1 young person more"


def test_never_across_areas_except_for_a_police_force_serving_both() -> None:
    north, south = place(), place()
    in_north = north.referral()
    car_north = vehicle_create(actor=north.police_lead, area=north.area, registration="AB12CDE")
    link(north.police_lead, car_north, in_north.young_person, referral=in_north)
    in_south = south.referral()
    car_south = vehicle_create(actor=south.police_lead, area=south.area, registration="ab12 cde")
    link(south.police_lead, car_south, in_south.young_person, referral=in_south)
    assert LinkAlert.objects.count() == 0

    force = AgencyFactory.create(agency_type=AgencyType.POLICE, areas=[north.area, south.area])
    force_lead = member(Role.POLICE_LEAD, area=north.area, agency=force)
    another = south.referral()
    link(south.police_lead, car_south, another.young_person, referral=another)
    alerts = {a.match: a for a in LinkAlert.objects.all()}
    assert set(alerts) == {MatchKind.EXACT}
    by_force = LinkAlert.objects.get(police_agency=force)
    assert by_force.matched_node == car_north.node
    assert by_force.area == south.area
    assert by_force.reason == (
        f"Vehicle AB12CDE is also linked to 1 young person in {north.area.name}"
    )
    assert list(link_alerts_for(user=force_lead)) == [by_force]
    for user in (south.coordinator, north.coordinator, north.police_lead, south.police_lead):
        assert by_force not in link_alerts_for(user=user)
    # The area's own alert (two young people in the south) is for the south's people only.
    own = LinkAlert.objects.get(police_agency__isnull=True)
    assert own in link_alerts_for(user=south.coordinator)
    assert own not in link_alerts_for(user=force_lead)


def test_links_are_refused_across_areas_and_to_another_young_persons_referral() -> None:
    north, south = place(), place()
    referral, elsewhere = north.referral(), south.referral()
    car = vehicle_create(actor=north.police_lead, area=north.area, registration="AB12CDE")
    with pytest.raises(ValidationError) as across:
        link(north.police_lead, car, elsewhere.young_person)
    assert "b" in across.value.message_dict
    other = north.referral()
    with pytest.raises(ValidationError) as wrong:
        link(north.police_lead, car, other.young_person, referral=referral)
    assert "referral" in wrong.value.message_dict
    with pytest.raises(ValidationError) as ungraded:
        link(north.police_lead, car, other.young_person, source_evaluation="9")
    assert "source_evaluation" in ungraded.value.message_dict
    with pytest.raises(PermissionDenied):
        link(north.practitioner, car, other.young_person)
    with pytest.raises(PermissionDenied):
        link(south.police_lead, car, other.young_person)
    assert Link.objects.count() == 0


def test_a_coordinator_shares_a_link_to_the_referrals_lead_professionals() -> None:
    here = place()
    referral = here.referral()
    agency = AgencyFactory.create(areas=[here.area])
    lead = member(Role.LEAD_PROFESSIONAL, area=here.area, agency=agency)
    referral_assign_lead(referral=referral, actor=here.coordinator, agency=agency)
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    shared = link(here.police_lead, car, referral.young_person, referral=referral)
    assert list(links_for(user=lead)) == []
    with pytest.raises(PermissionDenied):
        link_share(link=shared, actor=here.police_lead, reason="To plan the safety work.")
    with pytest.raises(ValidationError):
        link_share(link=shared, actor=here.coordinator, reason=" ")
    link_share(link=shared, actor=here.coordinator, reason="To plan the safety work.")
    assert list(links_for(user=lead)) == [shared]
    audit = AuditEvent.objects.filter(object_type="disruption.link", action="change").get()
    assert audit.given_reason() == "To plan the safety work."
    unlinked = link_add(
        actor=here.police_lead, a=car, b=here.referral().young_person, nature="seen_in", **GRADING
    )
    with pytest.raises(ValidationError):
        link_share(link=unlinked, actor=here.coordinator, reason="To plan the safety work.")


def test_a_force_serving_both_areas_gets_exactly_one_alert_for_its_police_leads() -> None:
    north = place()
    south_area = AreaFactory.create()
    force = AgencyFactory.create(agency_type=AgencyType.POLICE, areas=[north.area, south_area])
    south_police = member(Role.POLICE_LEAD, area=south_area, agency=force)
    south_coordinator = member(Role.COORDINATOR, area=south_area)
    in_north = north.referral()
    car = vehicle_create(actor=north.police_lead, area=north.area, registration="AB12 CDE")
    link(north.police_lead, car, in_north.young_person, referral=in_north)
    in_south = raise_referral(member(Role.PRACTITIONER, area=south_area), submit=True)
    there = vehicle_create(actor=south_police, area=south_area, registration="ab12cde")
    added = link(south_police, there, in_south.young_person, referral=in_south)
    (alert,) = LinkAlert.objects.all()
    assert (alert.link, alert.police_agency, alert.area) == (added, force, south_area)
    assert alert.young_people == 2
    assert list(link_alerts_for(user=south_police)) == [alert]
    for user in (south_coordinator, north.coordinator, north.police_lead):
        assert not link_alerts_for(user=user).exists()
