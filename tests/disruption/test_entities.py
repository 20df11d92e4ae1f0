"""Persons of concern, locations, vehicles and identifiers: who may record them, one record per
normalised identifier, every write audited, and a concern's mentions turned into records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from agencies.models import Role
from audit.models import AuditEvent
from disruption.models import Link, LinkNature, Location, OnlineIdentifier, PersonOfConcern, Vehicle
from disruption.selectors import entity_get, entity_list, links_for, person_matches
from disruption.services import (
    identifier_create,
    location_create,
    location_update,
    mention_convert,
    mention_lines,
    person_of_concern_create,
    person_of_concern_update,
    vehicle_create,
    vehicle_update,
)
from tests.disruption.helpers import GRADING, place
from tests.factories import member, raise_referral

pytestmark = pytest.mark.django_db

MENTION_GRADING: dict[str, Any] = {
    "source_evaluation": "2",
    "intelligence_assessment": "C",
    "handling_code": "P",
}


def audits(record: object, action: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=action,
            object_type=record._meta.label_lower,  # type: ignore[attr-defined]
            object_id=str(record.pk),  # type: ignore[attr-defined]
        )
    )


def test_a_person_of_concern_is_recorded_changed_and_audited_with_the_fields_changed() -> None:
    here = place()
    person = person_of_concern_create(
        actor=here.police_lead,
        area=here.area,
        name="  Mohammed Khan ",
        aliases=["Mo K", " ", "Mo K"],
        phone_numbers=["07700 900123"],
        handles=[("snapchat", "@MoK99")],
        grading=GRADING,
    )
    assert person.name == "Mohammed Khan" and person.aliases == ["Mo K"]
    assert len(audits(person, "create")) == 1
    uses = list(links_for(user=here.coordinator, node=person.node))
    assert {link.nature for link in uses} == {LinkNature.USES}
    assert set(OnlineIdentifier.objects.values_list("value", flat=True)) == {
        "+447700900123",
        "mok99",
    }
    changed = person_of_concern_update(
        actor=here.coordinator,
        person=person,
        changes={"name": "Mohammed Khan", "status": "arrested", "description": "Tall"},
    )
    assert changed.status == "arrested"
    (audit,) = audits(person, "change")
    assert audit.details["fields"] == ["description", "status"]


def test_bad_input_is_refused_on_its_field() -> None:
    here = place()
    cases: list[tuple[Callable[..., Any], dict[str, Any], str]] = [
        (person_of_concern_create, {"name": " "}, "name"),
        (person_of_concern_create, {"name": "A", "status": "free"}, "status"),
        (
            person_of_concern_create,
            {"name": "A", "date_of_birth": date.today() + timedelta(days=2)},
            "date_of_birth",
        ),
        (person_of_concern_create, {"name": "A", "phone_numbers": ["07700 900123"]}, "source"),
        (location_create, {"name": "Kebab shop", "location_type": "castle"}, "location_type"),
        (location_create, {"name": "Kebab shop", "latitude": 53.4}, "latitude"),
        (vehicle_create, {"registration": " - "}, "registration"),
        (identifier_create, {"platform": "phone", "value": "call me"}, "value"),
        (identifier_create, {"platform": "myspace", "value": "x"}, "platform"),
    ]
    for service, kwargs, field in cases:
        with pytest.raises(ValidationError) as refused:
            service(actor=here.police_lead, area=here.area, **kwargs)
        assert field in refused.value.message_dict, (service.__name__, kwargs)
    assert not PersonOfConcern.objects.exists() and not Location.objects.exists()


@pytest.mark.parametrize(
    "role",
    [
        Role.PRACTITIONER,
        Role.AGENCY_SAFEGUARDING_LEAD,
        Role.LEAD_PROFESSIONAL,
        Role.BOARD_MEMBER,
        Role.AREA_ADMINISTRATOR,
    ],
)
def test_only_coordinators_and_police_leads_record_intelligence(role: Role) -> None:
    here = place()
    user = member(role, area=here.area)
    with pytest.raises(PermissionDenied):
        person_of_concern_create(actor=user, area=here.area, name="Someone")
    with pytest.raises(PermissionDenied):
        vehicle_create(actor=user, area=here.area, registration="AB12CDE")
    elsewhere = place()
    with pytest.raises(PermissionDenied):
        location_create(actor=here.coordinator, area=elsewhere.area, name="Park")


def test_one_vehicle_and_one_identifier_per_normalised_value_per_area() -> None:
    here, there = place(), place()
    car = vehicle_create(
        actor=here.police_lead, area=here.area, registration="ab12 cde", make="Ford"
    )
    same = vehicle_create(actor=here.coordinator, area=here.area, registration="AB12-CDE")
    assert same.pk == car.pk and same.make == "Ford"
    other_area = vehicle_create(actor=there.police_lead, area=there.area, registration="AB12CDE")
    assert other_area.pk != car.pk
    assert len(audits(car, "create")) == 1
    van = vehicle_create(actor=here.police_lead, area=here.area, registration="XY99 ZZZ")
    with pytest.raises(ValidationError) as taken:
        vehicle_update(actor=here.police_lead, vehicle=van, changes={"registration": "ab12cde"})
    assert "registration" in taken.value.message_dict
    vehicle_update(actor=here.police_lead, vehicle=van, changes={"colour": "Silver"})
    assert audits(van, "change")[0].details["fields"] == ["colour"]
    phone = identifier_create(
        actor=here.police_lead, area=here.area, platform="phone", value="+44 (0)7700 900123"
    )
    again = identifier_create(
        actor=here.police_lead, area=here.area, platform="phone", value="07700900123"
    )
    assert again.pk == phone.pk and Vehicle.objects.filter(area=here.area).count() == 2


def test_a_location_is_recorded_with_its_postcode_normalised_and_changed() -> None:
    here = place()
    hotel = location_create(
        actor=here.police_lead,
        area=here.area,
        name="Station Hotel",
        location_type="hotel",
        postcode="m11aa",
    )
    assert hotel.postcode == "M1 1AA"
    location_update(actor=here.coordinator, location=hotel, changes={"is_hotspot": True})
    assert audits(hotel, "change")[0].details["fields"] == ["is_hotspot"]


def test_lists_and_reads_are_scoped_to_the_areas_intelligence() -> None:
    here, there = place(), place()
    person = person_of_concern_create(
        actor=here.police_lead, area=here.area, name="Mohammed Khan", aliases=["Big Mo"]
    )
    assert list(entity_list(user=here.coordinator, model=PersonOfConcern, search="big")) == [person]
    assert list(entity_list(user=here.coordinator, model=PersonOfConcern, search="Smith")) == []
    assert list(entity_list(user=there.coordinator, model=PersonOfConcern)) == []
    with pytest.raises(Http404):
        entity_get(user=there.police_lead, model=PersonOfConcern, pk=person.pk)
    with pytest.raises(Http404):
        entity_get(user=here.practitioner, model=PersonOfConcern, pk=person.pk)
    car = vehicle_create(actor=here.police_lead, area=here.area, registration="AB12CDE")
    assert list(entity_list(user=here.police_lead, model=Vehicle, search="ab12 c")) == [car]


def test_alike_names_are_offered_before_recording_a_duplicate() -> None:
    here, there = place(), place()
    known = person_of_concern_create(
        actor=here.police_lead, area=here.area, name="Mohammed Khan", aliases=["Mo K"]
    )
    person_of_concern_create(actor=here.police_lead, area=here.area, name="John Smith")
    found = person_matches(user=here.coordinator, area_id=here.area.pk, name="Mo Khan")
    assert found == [(known, "'Mo Khan' is like 'Mohammed Khan'")]
    assert person_matches(user=here.coordinator, area_id=here.area.pk, name="Aisha Begum") == []
    assert person_matches(user=there.coordinator, area_id=here.area.pk, name="Mo Khan") == []


def test_a_concerns_mentions_become_linked_records() -> None:
    here = place()
    referral = raise_referral(
        here.practitioner,
        submit=True,
        concern={
            "people_mentioned": "Mo, older man\n\nTaz",
            "vehicles_mentioned": "silver car ab12 cde",
            "places_mentioned": "Kebab shop on High Street",
        },
    )
    assert mention_lines(referral)["person"] == ["Mo, older man", "Taz"]
    link = mention_convert(
        actor=here.coordinator,
        referral=referral,
        kind="person",
        line="Mo, older man",
        name="Mo",
        **MENTION_GRADING,
    )
    assert link.nature == LinkNature.MENTIONED and link.referral == referral
    assert link.source == f"Concern {referral.reference}"
    assert {link.a.record, link.b.record} == {referral.young_person, PersonOfConcern.objects.get()}
    with pytest.raises(ValidationError) as not_a_registration:
        mention_convert(
            actor=here.police_lead,
            referral=referral,
            kind="vehicle",
            line="silver car ab12 cde",
            **MENTION_GRADING,
        )
    assert "registration" in not_a_registration.value.message_dict
    mention_convert(
        actor=here.police_lead,
        referral=referral,
        kind="vehicle",
        line="silver car ab12 cde",
        name="AB12 CDE",
        **MENTION_GRADING,
    )
    assert Vehicle.objects.get().registration == "AB12CDE"
    with pytest.raises(ValidationError):
        mention_convert(
            actor=here.coordinator,
            referral=referral,
            kind="place",
            line="Elsewhere",
            **MENTION_GRADING,
        )
    with pytest.raises(PermissionDenied):
        mention_convert(
            actor=here.practitioner,
            referral=referral,
            kind="place",
            line="Kebab shop on High Street",
            **MENTION_GRADING,
        )
    assert Link.objects.count() == 2


def test_a_mention_may_be_linked_to_a_person_already_recorded() -> None:
    here, there = place(), place()
    referral = raise_referral(
        here.practitioner, submit=True, concern={"people_mentioned": "Mo, older man"}
    )
    known = person_of_concern_create(actor=here.police_lead, area=here.area, name="Mo Khan")
    link = mention_convert(
        actor=here.coordinator,
        referral=referral,
        kind="person",
        line="Mo, older man",
        existing=known,
        **MENTION_GRADING,
    )
    assert known.node in (link.a, link.b)
    assert PersonOfConcern.objects.count() == 1
    elsewhere = person_of_concern_create(actor=there.police_lead, area=there.area, name="Mo")
    with pytest.raises(ValidationError) as refused:
        mention_convert(
            actor=here.coordinator,
            referral=referral,
            kind="person",
            line="Mo, older man",
            existing=elsewhere,
            **MENTION_GRADING,
        )
    assert "existing" in refused.value.message_dict
