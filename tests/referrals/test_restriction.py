"""Restriction of processing (UK GDPR Article 18) on a young person's record: while it stands
the record and its referrals are the area's coordinators' alone, nothing new links to it and
nobody else is told of it; counts still count it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from agencies.models import Agency, AgencyType, Area, Role, User
from audit.models import AuditAction, AuditEvent
from disruption.models import Link, Node, PersonOfConcern
from disruption.network import network
from disruption.selectors import link_visible_q, node_visible_q
from disruption.services import mention_convert, node_for
from notifications.models import Notification, NotificationKind
from notifications.services import notify
from notifications.watch import allowed_referral_id
from referrals.break_glass import break_glass_open
from referrals.casework import missing_episode_start
from referrals.information_requests import information_requests_asked_of
from referrals.models import (
    Referral,
    ReferralEvent,
    ReferralEventType,
    YoungPersonRestriction,
)
from referrals.restriction import (
    ALREADY_RESTRICTED,
    LINK_REFUSED,
    NOT_RESTRICTED,
    RESTRICTED_FROM_BREAK_GLASS,
    young_person_restrict,
    young_person_restriction_lift,
)
from referrals.search import parse, search_young_people
from referrals.selectors import (
    ReferralAccess,
    referral_access,
    referral_full_q,
    referral_list,
    timeline,
    young_people_list,
    young_person_get,
)
from referrals.workflow import referral_assign_lead, referral_transition
from reports.rollups import rollups_recount
from tests.conftest import shared_rows
from tests.disruption.helpers import GRADING, link
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral
from tests.referrals.asking import ask

pytestmark = pytest.mark.django_db

REASON = "She contests that the address and school on the record are hers; being checked."


@dataclass
class World:
    area: Area
    school: Agency
    police: Agency
    coordinator: User
    colleague: User  # another coordinator of the area
    referrer: User
    agency_lead: User  # the school's designated safeguarding lead
    lead_professional: User  # named on the restricted referral for the police
    police_lead: User
    emergency: User  # a lead professional who opened the referral by break-glass
    board_member: User
    administrator: User
    national_analyst: User
    other_coordinator: User  # of another area
    restricted: Referral
    control: Referral  # another young person's referral, unrestricted


def _build() -> World:
    area = AreaFactory.create()
    school = AgencyFactory.create(areas=[area])
    police = AgencyFactory.create(areas=[area], agency_type=AgencyType.POLICE)
    coordinator = member(Role.COORDINATOR, area=area)
    referrer = member(Role.PRACTITIONER, area=area, agency=school)
    lead_professional = member(Role.LEAD_PROFESSIONAL, area=area, agency=police)
    emergency = member(Role.LEAD_PROFESSIONAL, area=area)
    restricted = raise_referral(referrer, submit=True, given_name="Restricta", family_name="Pers")
    control = raise_referral(referrer, submit=True, given_name="Controlla", family_name="Pers")
    for referral in (restricted, control):
        referral_transition(referral=referral, actor=coordinator, name="start_triage", inputs={})
        referral_assign(referral, coordinator, police, lead_professional)
    break_glass_open(
        referral=restricted, actor=emergency, reason="Found at a hotel at 2am: need the history."
    )
    world = World(
        area=area,
        school=school,
        police=police,
        coordinator=coordinator,
        colleague=member(Role.COORDINATOR, area=area),
        referrer=referrer,
        agency_lead=member(Role.AGENCY_SAFEGUARDING_LEAD, area=area, agency=school),
        lead_professional=lead_professional,
        police_lead=member(Role.POLICE_LEAD, area=area, agency=police),
        emergency=emergency,
        board_member=member(Role.BOARD_MEMBER, area=area),
        administrator=member(Role.AREA_ADMINISTRATOR, area=area),
        national_analyst=member(Role.NATIONAL_ANALYST),
        other_coordinator=member(Role.COORDINATOR),
        restricted=restricted,
        control=control,
    )
    ask(restricted, coordinator, school, timezone.localdate() + timedelta(days=5))
    ask(control, coordinator, school, timezone.localdate() + timedelta(days=5))
    young_person_restrict(actor=coordinator, young_person=restricted.young_person, reason=REASON)
    return world


def referral_assign(referral: Referral, coordinator: User, agency: Agency, lead: User) -> None:
    referral_assign_lead(
        referral=referral, actor=coordinator, agency=agency, lead_professional=lead
    )


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once for the module and only read by the tests that use it."""
    with django_db_blocker.unblock(), shared_rows():
        yield _build()


# Everyone who saw the record before it was restricted, or would have: none of them now.
OTHERS = [
    "referrer",
    "agency_lead",
    "lead_professional",
    "police_lead",
    "emergency",
    "board_member",
    "administrator",
    "national_analyst",
    "other_coordinator",
]


@pytest.mark.parametrize("who", OTHERS)
def test_the_restricted_record_is_out_of_every_other_roles_sight(world: World, who: str) -> None:
    user = getattr(world, who)
    person = world.restricted.young_person
    assert referral_access(user=user, referral=world.restricted) is ReferralAccess.NONE
    assert world.restricted not in referral_list(user=user)
    assert not Referral.objects.filter(referral_full_q(user=user), pk=world.restricted.pk)
    assert person not in young_people_list(user=user)
    with pytest.raises(Http404):
        young_person_get(user=user, pk=person.pk)
    found = search_young_people(actor=user, terms=parse("Restricta Pers"))
    assert person.pk not in found.ids
    events = timeline(user=user, referrals=Referral.objects.filter(pk=world.restricted.pk))
    assert not events.exists()
    # Nor may they follow its page's live updates.
    assert allowed_referral_id(user=user, reference=world.restricted.reference) is None


@pytest.mark.parametrize(
    ("who", "access"),
    [
        ("referrer", ReferralAccess.SUMMARY),
        ("agency_lead", ReferralAccess.SUMMARY),
        ("lead_professional", ReferralAccess.FULL),
        ("police_lead", ReferralAccess.FULL),
    ],
)
def test_another_young_persons_referral_is_seen_as_before(
    world: World, who: str, access: ReferralAccess
) -> None:
    assert referral_access(user=getattr(world, who), referral=world.control) is access


@pytest.mark.parametrize("who", ["coordinator", "colleague"])
def test_the_areas_coordinators_see_it_in_full(world: World, who: str) -> None:
    user = getattr(world, who)
    person = world.restricted.young_person
    assert referral_access(user=user, referral=world.restricted) is ReferralAccess.FULL
    assert world.restricted in referral_list(user=user)
    assert young_person_get(user=user, pk=person.pk) == person
    found = search_young_people(actor=user, terms=parse("Restricta Pers"))
    assert person.pk in found.ids
    assert allowed_referral_id(user=user, reference=world.restricted.reference) is not None


def test_even_an_emergency_does_not_open_a_restricted_record(world: World) -> None:
    for actor in (member(Role.LEAD_PROFESSIONAL, area=world.area), world.other_coordinator):
        with pytest.raises(ValidationError) as refused:
            break_glass_open(
                referral=world.restricted, actor=actor, reason="Found at a hotel at 3am today."
            )
        assert refused.value.messages == [RESTRICTED_FROM_BREAK_GLASS]


def test_the_agency_is_not_asked_about_a_restricted_record(world: World) -> None:
    asked = {r.referral_id for r in information_requests_asked_of(user=world.agency_lead)}
    assert asked == {world.control.pk}


def test_restricting_writes_the_timeline_and_an_audit_record_without_the_reason(
    world: World,
) -> None:
    restriction = YoungPersonRestriction.objects.get(young_person=world.restricted.young_person)
    assert (restriction.reason, restriction.placed_by) == (REASON, world.coordinator)
    event = ReferralEvent.objects.get(
        referral=world.restricted, event_type=ReferralEventType.YOUNG_PERSON_RESTRICTED
    )
    assert event.parameters == {"reason": REASON}
    audit = AuditEvent.objects.filter(
        action=AuditAction.CHANGE, object_id=str(world.restricted.young_person_id)
    ).latest("id")
    assert audit.details == {"restriction": restriction.pk, "restricted": True}
    assert REASON not in str(audit.details) and not audit.reason


def test_counts_still_count_it(world: World) -> None:
    """A restriction limits use, not the numbers: the board's figures, recounted from the
    records, count the restricted young person's concern with the other."""
    counts = rollups_recount(area_ids=[world.area.pk])
    months = [(cell, count) for cell, count in counts.items() if cell[1] == "month"]
    raised = sum(count for (*_, measure, key), count in months if (measure, key) == ("raised", ""))
    assert raised == 2


def test_only_a_coordinator_of_the_area_restricts(world: World) -> None:
    for user in (world.police_lead, world.other_coordinator):
        with pytest.raises(PermissionDenied):
            young_person_restrict(
                actor=user, young_person=world.control.young_person, reason=REASON
            )


def test_a_restricted_record_cannot_be_restricted_again_nor_without_a_reason(
    world: World,
) -> None:
    with pytest.raises(ValidationError) as again:
        young_person_restrict(
            actor=world.colleague, young_person=world.restricted.young_person, reason=REASON
        )
    assert again.value.message_dict == {"reason": [ALREADY_RESTRICTED]}
    with pytest.raises(ValidationError) as empty:
        young_person_restrict(
            actor=world.coordinator, young_person=world.control.young_person, reason="   "
        )
    assert "reason" in empty.value.message_dict
    with pytest.raises(ValidationError):
        young_person_restrict(
            actor=world.coordinator, young_person=world.control.young_person, reason="x" * 2001
        )


def test_nothing_new_is_linked_to_a_restricted_record(world: World) -> None:
    entity = PersonOfConcern.objects.create(
        area=world.area, name="Synthetic Adult", created_by=world.police_lead
    )
    person = world.restricted.young_person
    for actor in (world.police_lead, world.coordinator):
        with pytest.raises(ValidationError) as refused:
            link(actor, person, entity)
        assert refused.value.message_dict == {"b": [LINK_REFUSED.format(person=person)]}
        with pytest.raises(ValidationError) as reversed_ends:
            link(actor, entity, person)
        assert "b" in reversed_ends.value.message_dict
    assert not Link.objects.filter(a__young_person=person).exists()
    assert not Link.objects.filter(b__young_person=person).exists()
    # Another young person links as before.
    assert link(world.police_lead, world.control.young_person, entity).pk


def test_a_mention_of_a_restricted_record_is_not_converted(world: World) -> None:
    Referral.objects.filter(pk=world.restricted.pk).update(people_mentioned="A man called Dan")
    referral = Referral.objects.get(pk=world.restricted.pk)
    with pytest.raises(ValidationError) as refused:
        mention_convert(
            actor=world.coordinator,
            referral=referral,
            kind="person",
            line="A man called Dan",
            source_evaluation=GRADING["source_evaluation"],
            intelligence_assessment=GRADING["intelligence_assessment"],
            handling_code=GRADING["handling_code"],
        )
    assert "line" in refused.value.message_dict
    assert not PersonOfConcern.objects.filter(area=world.area, name="A man called Dan").exists()


@pytest.fixture
def linked_before(world: World) -> PersonOfConcern:
    """A link recorded while the record was not restricted (the row written directly, as the
    service now refuses it)."""
    entity = PersonOfConcern.objects.create(
        area=world.area, name="Synthetic Driver", created_by=world.police_lead
    )
    a, b = sorted((node_for(world.restricted.young_person), node_for(entity)), key=lambda n: n.pk)
    Link.objects.create(
        area=world.area, a=a, b=b, nature="seen_with", recorded_by=world.police_lead, **GRADING
    )
    return entity


def test_the_network_hides_a_restricted_record_from_the_police_lead(
    world: World, linked_before: PersonOfConcern
) -> None:
    node = Node.objects.get(young_person=world.restricted.young_person)
    shown = network(user=world.police_lead, kind="person", pk=linked_before.pk)
    assert node.pk not in {n.id for n in shown.nodes}
    assert not shown.edges
    assert not Link.objects.filter(link_visible_q(user=world.police_lead), a=node).exists()
    assert not Link.objects.filter(link_visible_q(user=world.police_lead), b=node).exists()
    assert not Node.objects.filter(node_visible_q(user=world.police_lead), pk=node.pk).exists()
    with pytest.raises(Http404):
        network(user=world.police_lead, kind="young_person", pk=world.restricted.young_person_id)
    # The area's coordinator sees it all.
    theirs = network(user=world.coordinator, kind="person", pk=linked_before.pk)
    assert node.pk in {n.id for n in theirs.nodes}


def test_only_the_areas_coordinators_are_told_of_a_restricted_record(world: World) -> None:
    missing_episode_start(
        referral=world.restricted,
        actor=world.coordinator,
        started_at=timezone.now() - timedelta(hours=1),
        reported_by="Her carer",
    )
    told = set(
        Notification.objects.filter(
            kind=NotificationKind.MISSING_REPORTED, referral_id=world.restricted.pk
        ).values_list("recipient_id", flat=True)
    )
    assert told == {world.colleague.pk}
    # Whoever a caller names (a timed reminder, say), only the coordinators are told.
    notify(
        recipients=[world.lead_professional, world.police_lead, world.colleague],
        kind=NotificationKind.MISSING_REPORTED,
        event_key="restricted-direct",
        title="Test",
        referral_id=world.restricted.pk,
    )
    direct = Notification.objects.filter(event_key="restricted-direct")
    assert set(direct.values_list("recipient_id", flat=True)) == {world.colleague.pk}
    notify(
        recipients=[world.lead_professional],
        kind=NotificationKind.MISSING_REPORTED,
        event_key="control-direct",
        title="Test",
        referral_id=world.control.pk,
    )
    assert Notification.objects.filter(event_key="control-direct").count() == 1


@pytest.fixture
def lifted(world: World) -> YoungPersonRestriction:
    return young_person_restriction_lift(
        actor=world.colleague,
        young_person=world.restricted.young_person,
        reason="Her details were checked with her and corrected.",
    )


def test_lifting_gives_the_record_back_to_everyone_who_saw_it(
    world: World, lifted: YoungPersonRestriction
) -> None:
    assert lifted.lifted_by == world.colleague
    assert lifted.lift_reason == "Her details were checked with her and corrected."
    assert referral_access(user=world.lead_professional, referral=world.restricted) is (
        ReferralAccess.FULL
    )
    assert referral_access(user=world.referrer, referral=world.restricted) is (
        ReferralAccess.SUMMARY
    )
    lifted_event = ReferralEvent.objects.get(
        referral=world.restricted, event_type=ReferralEventType.YOUNG_PERSON_RESTRICTION_LIFTED
    )
    assert lifted_event.actor == world.colleague
    with pytest.raises(ValidationError) as again:
        young_person_restriction_lift(
            actor=world.coordinator, young_person=world.restricted.young_person, reason="Again"
        )
    assert again.value.message_dict == {"reason": [NOT_RESTRICTED]}
    # Restricted again later: a new row, the first kept.
    young_person_restrict(
        actor=world.coordinator, young_person=world.restricted.young_person, reason=REASON
    )
    assert world.restricted.young_person.restrictions.count() == 2
