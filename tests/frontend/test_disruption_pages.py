"""The disruption pages through the Django test client: the log and its filters, expiring
orders and notices, logging (from the log and from a referral) and updating, and 404 for
anyone but the area's police leads and coordinators."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from agencies.models import AgencyType, Role, User
from audit.models import AuditAction, AuditEvent
from disruption.activity_services import disruption_activity_add
from disruption.models import (
    DisruptionActivity,
    DisruptionTactic,
    Link,
    Location,
    PersonOfConcern,
    Vehicle,
)
from disruption.services import node_for
from referrals.models import Referral, ReferralEvent, ReferralEventType
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db


class World:
    def __init__(self) -> None:
        self.area = AreaFactory.create()
        self.police = AgencyFactory.create(areas=[self.area], agency_type=AgencyType.POLICE)
        self.school = AgencyFactory.create(areas=[self.area])
        self.police_lead = member(Role.POLICE_LEAD, area=self.area, agency=self.police)
        self.coordinator = member(Role.COORDINATOR, area=self.area, agency=self.school)
        self.practitioner = member(Role.PRACTITIONER, area=self.area, agency=self.school)
        self.person = PersonOfConcern.objects.create(
            area=self.area, name="Synthetic Suspect", created_by=self.police_lead
        )
        self.hotel = Location.objects.create(
            area=self.area,
            name="Synthetic Hotel",
            location_type="hotel",
            created_by=self.police_lead,
        )
        self.referral: Referral = raise_referral(self.practitioner, submit=True)

    def add(self, **kwargs: Any) -> DisruptionActivity:
        values: dict[str, Any] = {
            "actor": self.police_lead,
            "target": self.person,
            "tactic": DisruptionTactic.objects.get(code="cawn"),
            "mode": "direct",
            "owner": self.police_lead,
            "status": "planned",
        }
        return disruption_activity_add(**(values | kwargs))


@pytest.fixture
def world() -> World:
    return World()


def client_for(user: User) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def form(**changes: Any) -> dict[str, Any]:
    return {
        "tactic": "cawn",
        "mode": "direct",
        "status": "planned",
        "referrals": "",
        "legal_power": "",
        "outcome": "",
        "court": "",
        "court_reference": "",
    } | changes


def test_the_log_lists_activity_with_filters(world: World) -> None:
    today = timezone.localdate()
    cawn = world.add(issued_on=today - timedelta(days=40))
    marker = world.add(
        target=Vehicle.objects.create(
            area=world.area, registration="AB12CDE", created_by=world.police_lead
        ),
        tactic=DisruptionTactic.objects.get(code="vehicle_marker"),
    )
    World().add()  # another area's
    client = client_for(world.coordinator)
    page = client.get("/disruption/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Child Abduction Warning Notice" in html and "AB12CDE" in html
    assert html.count('scope="row"') == 2
    seen = AuditEvent.objects.filter(action=AuditAction.VIEW, actor=world.coordinator)
    assert {int(e.object_id) for e in seen} == {cawn.pk, marker.pk}

    filtered = client.get("/disruption/", {"tactic": "vehicle_marker"}).content.decode()
    assert "AB12CDE" in filtered and "Synthetic Suspect" not in filtered
    filtered = client.get("/disruption/", {"target_kind": "person"}).content.decode()
    assert "Synthetic Suspect" in filtered and "AB12CDE" not in filtered
    filtered = client.get("/disruption/", {"status": "done"}).content.decode()
    assert "No disruption activity has been logged with these filters" in filtered
    yesterday = today - timedelta(days=1)
    until = {
        "until_day": yesterday.day,
        "until_month": yesterday.month,
        "until_year": yesterday.year,
    }
    filtered = client.get("/disruption/", until).content.decode()
    assert "Synthetic Suspect" in filtered and "AB12CDE" not in filtered
    filtered = client.get("/disruption/", {"owner": world.police_lead.pk}).content.decode()
    assert filtered.count('scope="row"') == 2
    bad = client.get("/disruption/", {"since_day": "yesterday"})
    assert bad.status_code == 200 and "From must be a real date" in bad.content.decode()


def test_the_expiring_page_lists_orders_in_their_reminder_window(world: World) -> None:
    today = timezone.localdate()
    soon = world.add(
        status="done",
        issued_on=today - timedelta(days=700),
        expires_on=today + timedelta(days=3),
        outcome="Served",
    )
    world.add(
        target=world.hotel,
        status="done",
        issued_on=today - timedelta(days=1),
        outcome="Served",
    )  # lapses in two years
    page = client_for(world.police_lead).get("/disruption/expiring/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Synthetic Suspect" in html and "Synthetic Hotel" not in html
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, actor=world.police_lead, object_id=str(soon.pk)
    ).exists()


def test_an_activity_is_logged_from_the_log(world: World) -> None:
    client = client_for(world.police_lead)
    page = client.get("/disruption/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<optgroup label="Persons of concern">' in html
    assert '<optgroup label="Locations">' in html
    assert 'name="expires_on_month"' in html
    answer = client.post(
        "/disruption/new/",
        form(target=f"location:{world.hotel.pk}", owner=world.police_lead.pk, mode="locational"),
    )
    assert answer.status_code == 302 and answer["Location"] == "/disruption/"
    activity = DisruptionActivity.objects.get()
    assert activity.target.location == world.hotel and activity.mode == "locational"


def test_the_service_rules_show_on_their_fields(world: World) -> None:
    client = client_for(world.police_lead)
    answer = client.post(
        "/disruption/new/",
        form(
            target=f"person:{world.person.pk}",
            owner=world.police_lead.pk,
            status="done",
            referrals="R99-999999",
        ),
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "There is a problem" in html
    assert "There is no referral R99-999999 in this area" in html
    answer = client.post(
        "/disruption/new/",
        form(target=f"person:{world.person.pk}", owner=world.police_lead.pk, status="done"),
    )
    assert "Enter the outcome" in answer.content.decode()
    assert not DisruptionActivity.objects.exists()


def test_logging_from_a_referral(world: World) -> None:
    car = Vehicle.objects.create(
        area=world.area, registration="LN12KED", created_by=world.police_lead
    )
    young, vehicle = node_for(world.referral.young_person), node_for(car)
    a, b = sorted([young, vehicle], key=lambda n: n.pk)
    Link.objects.create(
        area=world.area,
        a=a,
        b=b,
        nature="seen_in",
        source="Synthetic source",
        source_evaluation="1",
        intelligence_assessment="A",
        handling_code="P",
        observed_on=timezone.localdate(),
        recorded_by=world.police_lead,
    )
    client = client_for(world.police_lead)
    referral_page = client.get(f"/referrals/{world.referral.reference}/").content.decode()
    url = f"/disruption/new/?referral={world.referral.reference}"
    assert f'href="/disruption/new/?referral={world.referral.reference}"' in referral_page
    html = client.get(url).content.decode()
    linked_group = f'<optgroup label="Linked to {world.referral.young_person}">'
    assert linked_group in html
    # The linked vehicle comes first, before the area's other entities.
    first, then = f'value="vehicle:{car.pk}"', f'value="person:{world.person.pk}"'
    assert html.index(linked_group) < html.index(first) < html.index(then)
    assert f"Linked to {world.referral.young_person}: LN12KED (vehicle)." in html
    assert '<optgroup label="Vehicles">' not in html  # its only vehicle is listed first
    assert world.referral.reference in html  # preselected among the referrals it protects
    answer = client.post(
        url,
        form(
            target=f"vehicle:{car.pk}",
            tactic="vehicle_marker",
            owner=world.police_lead.pk,
            referrals=world.referral.reference,
        ),
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"/referrals/{world.referral.reference}/"
    event = ReferralEvent.objects.get(
        referral=world.referral, event_type=ReferralEventType.DISRUPTION_LOGGED
    )
    assert event.parameters["tactic"] == "Vehicle marker or ANPR"
    chronology = client.get(f"/referrals/{world.referral.reference}/timeline/").content.decode()
    assert "Disruption activity logged" in chronology and "Vehicle marker or ANPR" in chronology
    assert "LN12KED" not in chronology


def test_the_referral_page_offers_logging_only_to_police_leads_and_coordinators(
    world: World,
) -> None:
    lead = member(Role.LEAD_PROFESSIONAL, area=world.area, agency=world.school)
    from referrals.workflow import referral_assign_lead

    referral_assign_lead(referral=world.referral, actor=world.coordinator, agency=world.school)
    for user, offered in ((world.coordinator, True), (lead, False)):
        html = client_for(user).get(f"/referrals/{world.referral.reference}/").content.decode()
        assert ("Log disruption activity" in html) is offered


def test_an_activity_is_updated(world: World) -> None:
    activity = world.add(referrals=[world.referral])
    client = client_for(world.coordinator)
    page = client.get(f"/disruption/{activity.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Synthetic Suspect" in html and world.referral.reference in html
    assert 'name="issued_on_day"' in html and 'name="issued_on_year"' in html
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, actor=world.coordinator, object_id=str(activity.pk)
    ).exists()
    today = timezone.localdate()
    issued = today - timedelta(days=2)
    answer = client.post(
        f"/disruption/{activity.pk}/",
        form(
            owner=world.police_lead.pk,
            status="done",
            referrals=world.referral.reference,
            outcome="Served at home",
            issued_on_day=issued.day,
            issued_on_month=issued.month,
            issued_on_year=issued.year,
            court="Synthetic Magistrates' Court",
        ),
    )
    assert answer.status_code == 302, answer.content.decode()
    activity.refresh_from_db()
    assert activity.status == "done" and activity.issued_on == issued
    assert activity.expires_on == issued + timedelta(days=730)
    assert activity.court == "Synthetic Magistrates' Court"
    answer = client.post(
        f"/disruption/{activity.pk}/",
        form(owner=world.police_lead.pk, status="planned", outcome="Served at home"),
    )
    assert "cannot become planned" in answer.content.decode()


OUTSIDERS = [
    Role.PRACTITIONER,
    Role.AGENCY_SAFEGUARDING_LEAD,
    Role.LEAD_PROFESSIONAL,
    Role.BOARD_MEMBER,
    Role.AREA_ADMINISTRATOR,
]


@pytest.mark.parametrize("role", OUTSIDERS)
def test_other_roles_find_no_page(world: World, role: Role) -> None:
    activity = world.add()
    client = client_for(member(role, area=world.area, agency=world.school))
    for url in (
        "/disruption/",
        "/disruption/expiring/",
        "/disruption/new/",
        f"/disruption/new/?referral={world.referral.reference}",
        f"/disruption/{activity.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post("/disruption/new/", form()).status_code == 404


@pytest.mark.parametrize("role", [Role.POLICE_LEAD, Role.COORDINATOR])
def test_another_areas_police_lead_or_coordinator_finds_nothing(world: World, role: Role) -> None:
    activity = world.add()
    client = client_for(member(role))
    assert client.get(f"/disruption/{activity.pk}/").status_code == 404
    assert client.get(f"/disruption/new/?referral={world.referral.reference}").status_code == 404
    assert client.get(f"/disruption/new/?area={world.area.pk}").status_code == 404
    assert "Synthetic Suspect" not in client.get("/disruption/").content.decode()
    posted = client.post(f"/disruption/{activity.pk}/", form(owner=world.police_lead.pk, court="x"))
    assert posted.status_code == 404
    assert DisruptionActivity.objects.get().court == ""


def test_the_menu_offers_disruption_to_police_leads_and_coordinators(world: World) -> None:
    assert 'href="/disruption/"' in client_for(world.police_lead).get("/").content.decode()
    assert 'href="/disruption/"' not in client_for(world.practitioner).get("/").content.decode()


@pytest.mark.parametrize("reference", ["R26-\x00", "not a reference", "R99-999999"])
def test_logging_from_a_referral_that_is_not_one_finds_no_page(
    world: World, reference: str
) -> None:
    page = client_for(world.police_lead).get("/disruption/new/", {"referral": reference})
    assert page.status_code == 404
