"""The home page of each role: the person's own work in blocks, an empty state for each, links
to the full lists, need to know, every record shown recorded; the header's items per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import frontend
from agencies.models import Membership, Role, User
from audit.models import AuditAction, AuditEvent
from disruption.models import LinkAlert
from disruption.services import link_alert_review
from frontend.navigation import HEADER_LIMIT
from referrals.models import ProtectiveAction, ProtectiveActionType, Rag, Referral
from referrals.workflow import referral_assign_lead, referral_transition
from reports.models import NationalReturn
from tests.conftest import shared_rows
from tests.disruption.meeting_world import World, activity, alert, meeting, person, world
from tests.disruption.meeting_world import referral as active_referral
from tests.factories import AgencyFactory, MembershipFactory, member, raise_referral, sign_in
from tests.frontend.test_pages import nav_labels

pytestmark = pytest.mark.django_db


def text(response: Any) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def home(user: User) -> str:
    client = Client()
    sign_in(client, user)
    return text(client.get("/"))


# --- the header ----------------------------------------------------------------------------

HEADERS = {
    Role.PRACTITIONER: ["Home", "Referrals", "Notifications"],
    Role.AGENCY_SAFEGUARDING_LEAD: ["Home", "Referrals", "Notifications"],
    Role.COORDINATOR: [
        "Home",
        "Triage queue",
        "Referrals",
        "Intelligence",
        "MACE meetings",
        "Reports",
        "Notifications",
    ],
    Role.LEAD_PROFESSIONAL: ["Home", "Referrals", "Notifications"],
    Role.POLICE_LEAD: [
        "Home",
        "Referrals",
        "Intelligence",
        "Disruption",
        "MACE meetings",
        "Notifications",
    ],
    Role.BOARD_MEMBER: ["Home", "Reports", "Strategy profiles", "Notifications"],
    Role.AREA_ADMINISTRATOR: [
        "Home",
        "Reports",
        "Administration",
        "Strategy profiles",
        "National picture",
        "Notifications",
    ],
    Role.NATIONAL_ANALYST: ["Home", "Strategy profiles", "National picture", "Notifications"],
}


@pytest.mark.parametrize("role", list(Role))
def test_each_roles_header_has_at_most_seven_items(client: Client, role: Role) -> None:
    sign_in(client, member(role))
    labels = nav_labels(client.get("/").content.decode())
    assert labels == HEADERS[role]
    assert len(labels) <= HEADER_LIMIT


def test_a_person_with_many_roles_still_gets_seven_and_finds_the_rest_on_home(
    client: Client,
) -> None:
    user = member(Role.COORDINATOR)
    area = Membership.objects.get(user=user).area
    for role in (Role.POLICE_LEAD, Role.AREA_ADMINISTRATOR, Role.BOARD_MEMBER):
        MembershipFactory.create(user=user, role=role, area=area)
    sign_in(client, user)
    html = client.get("/").content.decode()
    labels = nav_labels(html)
    assert len(labels) == HEADER_LIMIT
    assert labels[0] == "Home" and labels[-1] == "Notifications"
    other = html.split('id="home-other-pages"')[1]
    for left_out in ("Reports", "Administration", "Clusters", "Emergency access to review"):
        assert left_out not in labels and f">{left_out}</a>" in other


def test_every_page_a_coordinator_may_open_is_in_the_header_or_on_home(client: Client) -> None:
    sign_in(client, member(Role.COORDINATOR))
    html = client.get("/").content.decode()
    header = re.findall(r'class="govuk-service-navigation__link" href="([^"]+)"', html)
    other = re.findall(
        r'<a class="govuk-link" href="([^"]+)">', html.split('id="home-other-pages"')[1]
    )
    for name in ("clusters", "disruption-log", "break-glass-review", "strategy-profiles"):
        assert reverse(f"frontend:{name}") in other
    assert not set(header) & set(other)


def test_a_section_page_marks_its_header_item_current(client: Client) -> None:
    sign_in(client, member(Role.COORDINATOR))
    html = client.get("/intelligence/clusters/").content.decode()
    current = re.findall(r'aria-current="page">\s*<strong[^>]*>([^<]+)<', html)
    assert current == ["Intelligence"]


def test_the_header_carries_the_search_box() -> None:
    header = Path(frontend.__file__).parent / "templates/frontend/includes/service_navigation.html"
    source = header.read_text()
    assert '{% include "frontend/includes/header_search.html" %}' in source


# --- the blocks ----------------------------------------------------------------------------


@dataclass
class Homes:
    w: World
    lead: User
    decided: Referral
    other_practitioner_referral: Referral
    board: User
    administrator: User
    analyst: User


def build_homes() -> Homes:
    """One area with work in every block: a practitioner's concerns (one decided and led by
    `lead`, one waiting and overdue, one draft), actions, an alert, an order, a meeting."""
    w = world()
    agency = AgencyFactory.create(areas=[w.area])
    lead = member(Role.LEAD_PROFESSIONAL, area=w.area, agency=agency)
    # The practitioner's concerns: one decided (a plan, led by `lead`), one waiting, one
    # draft; another practitioner's concern they must not see.
    decided = active_referral(w, next_review_due_on=timezone.localdate() + timedelta(days=20))
    referral_assign_lead(
        referral=decided, actor=w.coordinator, agency=agency, lead_professional=lead
    )
    waiting = raise_referral(w.practitioner, submit=True, given_name="Waiting", family_name="Case")
    Referral.objects.filter(pk=waiting.pk).update(
        rag=Rag.RED, rag_due_at=timezone.now() - timedelta(hours=1)
    )
    raise_referral(w.practitioner, given_name="Unsent", family_name="Draft")
    other = raise_referral(
        member(Role.PRACTITIONER, area=w.area),
        submit=True,
        given_name="Hidden",
        family_name="Other",
    )
    kind = ProtectiveActionType.objects.create(label="Safety plan with the school", position=99)
    for days in (-2, 0, 5):
        ProtectiveAction.objects.create(
            referral=decided,
            action_type=kind,
            owner=lead,
            owner_agency=agency,
            due_on=timezone.localdate() + timedelta(days=days),
            created_by=w.coordinator,
        )
    referral_transition(
        referral=decided,
        actor=w.coordinator,
        name="request_information",
        inputs={
            "agency": str(agency.pk),
            "question": "Any sightings near the school?",
            "due_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
        },
    )
    suspect = person(w, "Darren Example")
    alert(w, suspect, at=timezone.now() - timedelta(hours=2))
    activity(w, suspect, expires_on=timezone.localdate() + timedelta(days=3))
    meeting(w, held_at=timezone.now() + timedelta(days=6))
    board = member(Role.BOARD_MEMBER, area=w.area)
    administrator = member(Role.AREA_ADMINISTRATOR, area=w.area)
    analyst = member(Role.NATIONAL_ANALYST)
    return Homes(w, lead, decided, other, board, administrator, analyst)


@pytest.fixture(scope="module")
def homes(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Homes]:
    with django_db_blocker.unblock(), shared_rows():
        yield build_homes()


def test_a_practitioner_sees_the_concerns_they_raised_what_was_decided_and_drafts(
    homes: Homes,
) -> None:
    page = home(homes.w.practitioner)
    raised = page.split("Concerns you raised")[1].split("Concerns you have not sent yet")[0]
    assert "Active plan" in raised and "Decided: multi-agency plan." in raised
    assert "Waiting Case" in raised and "Waiting for the coordinator's decision." in raised
    assert "Hidden Other" not in page  # another practitioner's concern
    assert "Unsent Draft" in page.split("Concerns you have not sent yet")[1]
    assert "Raise a concern" in page


def test_a_coordinator_sees_the_queue_in_figures_and_what_to_review(homes: Homes) -> None:
    page = home(homes.w.coordinator)
    queue = page.split("Triage queue")[-1]
    assert re.search(r"Red 1 concern rated Red", queue)
    assert re.search(r"Overdue 1 concern overdue", queue)
    assert "Go to the triage queue" in queue
    alerts = page.split("Link alerts to review")[1].split("Orders and notices expiring")[0]
    assert "1 to review" in alerts and "Synthetic alert" in alerts
    assert "Child Abduction Warning Notice" in page.split("Orders and notices expiring")[1]


def test_an_alert_marked_reviewed_leaves_every_home_page(homes: Homes) -> None:
    link_alert_review(alert=LinkAlert.objects.get(area=homes.w.area), actor=homes.w.police_lead)
    for user in (homes.w.coordinator, homes.w.police_lead):
        page = home(user)
        assert "Synthetic alert" not in page
        assert "No link alert is waiting for review." in page


def test_a_lead_professional_sees_their_cases_and_actions_by_due_date(homes: Homes) -> None:
    page = home(homes.lead)
    cases = page.split("Your cases")[1].split("Your protective actions")[0]
    assert homes.decided.reference in cases and "Next review due" in cases
    actions = page.split("Your protective actions")[1]
    assert actions.index("Overdue") < actions.index("Due today")
    today = timezone.localdate()
    dues = [f"Due {today + timedelta(days=d):%-d %B %Y}" for d in (-2, 0, 5)]
    assert [actions.index(due) for due in dues] == sorted(actions.index(due) for due in dues)


def test_a_named_lead_professional_sees_the_requests_to_their_agency(homes: Homes) -> None:
    block = home(homes.lead).split("Information requested from your agency")[1]
    assert f"Referral {homes.decided.reference}" in block
    assert "See all information requests to your agency" in block
    # The coordinator asked: they read it on the case page, not as work of their own.
    assert "Information requested from your agency" not in home(homes.w.coordinator)


def test_a_police_lead_sees_alerts_expiring_orders_and_next_meetings(homes: Homes) -> None:
    page = home(homes.w.police_lead)
    assert "Synthetic alert" in page.split("Link alerts")[1]
    assert "Darren Example: expires" in page
    assert "Town hall" in page.split("Next MACE meetings")[1]


def test_a_board_member_sees_key_figures_and_the_dashboard(homes: Homes) -> None:
    client = Client()
    sign_in(client, homes.board)
    html = client.get("/").content.decode()
    assert f'href="/reports/{homes.w.area.ons_code}/"' in html
    page = text(client.get("/"))
    assert "Key figures" in page and "Concerns raised" in page
    assert "Decided within one working day" in page
    assert "Raise a concern" not in page  # no records for a board
    assert AuditEvent.objects.filter(actor=homes.board, details__report="home").exists()


def test_an_administrator_and_a_national_analyst_see_their_own_figures(homes: Homes) -> None:
    page = home(homes.administrator)
    assert "People with a role" in page and "Accounts locked out now None" in page
    assert "National returns" not in page
    analyst = home(homes.analyst)
    assert "No national returns have been imported yet." in analyst
    NationalReturn.objects.create(
        area=homes.w.area,
        period_start=timezone.localdate().replace(day=1),
        period_end=timezone.localdate().replace(day=1),
        imported_by=homes.analyst,
    )
    assert "1 return imported" in home(homes.analyst)


def test_each_block_has_an_empty_state() -> None:
    assert "You have not sent a concern yet" in home(member(Role.PRACTITIONER))
    coordinator = home(member(Role.COORDINATOR))
    assert "No concern is waiting for triage." in coordinator
    assert "No link alert is waiting for review." in coordinator
    assert "No order or notice is due to expire soon." in coordinator
    lead = home(member(Role.LEAD_PROFESSIONAL))
    assert "You are not the lead professional on any open referral." in lead
    assert "You have no open protective actions." in lead
    assert "No MACE meeting is planned." in home(member(Role.POLICE_LEAD))
    board = home(member(Role.BOARD_MEMBER))
    assert "Key figures" in board and "Concerns raised 0" in board


def test_every_record_a_home_page_names_is_recorded_as_seen(homes: Homes) -> None:
    before = AuditEvent.objects.filter(actor=homes.lead, action=AuditAction.VIEW).count()
    home(homes.lead)
    seen = AuditEvent.objects.filter(actor=homes.lead, action=AuditAction.VIEW)
    assert seen.count() - before == 1 + 3 + 1  # one case, three actions, one request


def test_a_lead_professional_no_longer_named_loses_the_case_and_its_actions(
    homes: Homes,
) -> None:
    referral_transition(
        referral=homes.decided,
        actor=homes.w.coordinator,
        name="close",
        inputs={"outcome": "risk_reduced", "reason": "Plan complete."},
    )
    page = home(homes.lead)
    assert "You are not the lead professional on any open referral." in page
    assert "You have no open protective actions." in page


def test_a_lead_professionals_full_lists_of_cases_and_actions(
    homes: Homes, django_assert_max_num_queries: Any
) -> None:
    client = Client()
    sign_in(client, homes.lead)
    assert "/my-cases/" in client.get("/").content.decode()
    with django_assert_max_num_queries(15):
        cases = text(client.get(reverse("frontend:my-cases")))
    assert homes.decided.reference in cases and "Next review due" in cases
    with django_assert_max_num_queries(15):
        actions = text(client.get(reverse("frontend:my-actions")))
    assert actions.count("Safety plan with the school") == 3
    assert actions.index("Overdue") < actions.index("Due today")
    # Home is the current header item on both.
    html = client.get(reverse("frontend:my-actions")).content.decode()
    assert re.findall(r'aria-current="page">\s*<strong[^>]*>([^<]+)<', html) == ["Home"]
    # Someone else's lists are their own: empty for the coordinator.
    coordinator = Client()
    sign_in(coordinator, homes.w.coordinator)
    assert "You have no open protective actions." in text(coordinator.get("/my-actions/"))
    assert "You are not the lead professional" in text(coordinator.get("/my-cases/"))


def test_the_full_lists_are_paginated_and_recorded_as_seen(homes: Homes) -> None:
    kind = ProtectiveActionType.objects.get(label="Safety plan with the school")
    agency = ProtectiveAction.objects.filter(owner=homes.lead).first().owner_agency  # type: ignore[union-attr]
    for _ in range(25):
        ProtectiveAction.objects.create(
            referral=homes.decided,
            action_type=kind,
            owner=homes.lead,
            owner_agency=agency,
            due_on=timezone.localdate() + timedelta(days=30),
            created_by=homes.w.coordinator,
        )
    client = Client()
    sign_in(client, homes.lead)
    before = AuditEvent.objects.filter(actor=homes.lead, action=AuditAction.VIEW).count()
    response = client.get("/my-actions/")
    html = response.content.decode()
    assert text(response).count("Safety plan with the school") == 25
    # The service's one pagination: the pages numbered, the current one marked.
    assert 'aria-label="Pages of your protective actions"' in html
    assert 'href="?page=2" aria-label="Page 2"' in html
    assert 'aria-label="Page 1" aria-current="page"' in html
    after = AuditEvent.objects.filter(actor=homes.lead, action=AuditAction.VIEW).count()
    assert after - before == 25
    assert text(client.get("/my-actions/?page=2")).count("Safety plan with the school") == 3


# Queries per home page, by role: sign-in checks, the blocks (a few each), the records seen
# in one insert, the header and the session.
QUERY_LIMITS = {
    Role.PRACTITIONER: 15,
    Role.COORDINATOR: 20,  # with the records waiting for review under the retention schedule
    Role.LEAD_PROFESSIONAL: 16,
    Role.POLICE_LEAD: 18,  # likewise
    Role.BOARD_MEMBER: 24,  # the dashboard's own summary for the last whole quarter
    Role.AREA_ADMINISTRATOR: 13,
    Role.NATIONAL_ANALYST: 12,
}


@pytest.mark.parametrize("role", list(QUERY_LIMITS))
def test_home_page_queries_are_pinned_per_role(
    homes: Homes, role: Role, django_assert_max_num_queries: Any
) -> None:
    user = {
        Role.PRACTITIONER: homes.w.practitioner,
        Role.COORDINATOR: homes.w.coordinator,
        Role.LEAD_PROFESSIONAL: homes.lead,
        Role.POLICE_LEAD: homes.w.police_lead,
        Role.BOARD_MEMBER: homes.board,
        Role.AREA_ADMINISTRATOR: homes.administrator,
        Role.NATIONAL_ANALYST: homes.analyst,
    }[role]
    client = Client()
    sign_in(client, user)
    client.get("/")  # warm: caches that a second view finds filled
    with django_assert_max_num_queries(QUERY_LIMITS[role]):
        assert client.get("/").status_code == 200
