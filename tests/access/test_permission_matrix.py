"""The need-to-know matrix: every role x every relation to a referral x every endpoint and page.

One table says how much of the referral each (role, relation) may see; every endpoint's
expected outcome is derived from it. An unexpected 200 anywhere fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Agency, Area, Membership, Role, User
from referrals.casework import action_add, missing_episode_end, missing_episode_start
from referrals.memberships import RAISING_ROLES
from referrals.models import ProtectiveActionType, Referral
from referrals.selectors import ReferralAccess, referral_access, referral_list
from referrals.workflow import referral_assign_lead
from tests.conftest import shared_rows
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

NONE, SUMMARY, FULL = ReferralAccess.NONE, ReferralAccess.SUMMARY, ReferralAccess.FULL

# Relations of a user to the referral: they raised it; same agency and area as the raiser;
# another agency in the same area; another area; (lead professionals) their agency is assigned.
OWN, SAME_AGENCY, SAME_AREA, OTHER_AREA, ASSIGNED = (
    "own",
    "same_agency",
    "same_area",
    "other_area",
    "assigned",
)

EXPECTED: dict[Role, dict[str, ReferralAccess]] = {
    Role.PRACTITIONER: {OWN: SUMMARY, SAME_AGENCY: NONE, SAME_AREA: NONE, OTHER_AREA: NONE},
    Role.AGENCY_SAFEGUARDING_LEAD: {
        OWN: SUMMARY,
        SAME_AGENCY: SUMMARY,
        SAME_AREA: NONE,
        OTHER_AREA: NONE,
    },
    Role.COORDINATOR: {OWN: FULL, SAME_AGENCY: FULL, SAME_AREA: FULL, OTHER_AREA: NONE},
    Role.POLICE_LEAD: {OWN: FULL, SAME_AGENCY: FULL, SAME_AREA: FULL, OTHER_AREA: NONE},
    Role.LEAD_PROFESSIONAL: {
        OWN: SUMMARY,
        SAME_AGENCY: NONE,
        SAME_AREA: NONE,
        OTHER_AREA: NONE,
        ASSIGNED: FULL,
    },
    # Aggregates or people only: never a record, whatever the relation.
    Role.BOARD_MEMBER: {SAME_AGENCY: NONE, SAME_AREA: NONE, OTHER_AREA: NONE},
    Role.AREA_ADMINISTRATOR: {SAME_AGENCY: NONE, SAME_AREA: NONE, OTHER_AREA: NONE},
    Role.NATIONAL_ANALYST: {OTHER_AREA: NONE},
}

CASES = [(role, relation) for role, row in EXPECTED.items() for relation in row]


@dataclass
class World:
    area: Area
    agency: Agency
    other_agency: Agency


def new_world() -> World:
    area = AreaFactory.create()
    return World(
        area=area,
        agency=AgencyFactory.create(areas=[area]),
        other_agency=AgencyFactory.create(areas=[area]),
    )


@pytest.fixture
def world() -> World:
    return new_world()


def subject_and_referral(world: World, role: Role, relation: str) -> tuple[User, Referral]:
    """A user in `role` standing in `relation` to a freshly submitted referral."""
    raiser = member(Role.PRACTITIONER, area=world.area, agency=world.agency)
    if relation == OWN:
        user = member(role, area=world.area, agency=world.agency)
        return user, raise_referral(user, submit=True)
    referral = raise_referral(raiser, submit=True)
    if role is Role.NATIONAL_ANALYST:
        return member(role), referral
    if relation == SAME_AGENCY:
        return member(role, area=world.area, agency=world.agency), referral
    if relation == SAME_AREA:
        return member(role, area=world.area, agency=world.other_agency), referral
    if relation == ASSIGNED:
        user = member(role, area=world.area, agency=world.other_agency)
        coordinator = member(Role.COORDINATOR, area=world.area, agency=world.other_agency)
        referral_assign_lead(referral=referral, actor=coordinator, agency=world.other_agency)
        return user, referral
    return member(role), referral  # OTHER_AREA: a new area of its own


@pytest.fixture(scope="module")
def subjects(
    django_db_setup: None, django_db_blocker: Any
) -> Iterator[dict[tuple[Role, str], tuple[User, Referral]]]:
    """Every case's user and referral, each in a world of its own as a fresh test would have,
    built once for the module in a transaction rolled back at its end. The tests only read
    them; whatever a test writes rolls back with the test."""
    with django_db_blocker.unblock(), shared_rows():
        yield {case: subject_and_referral(new_world(), *case) for case in CASES}


@pytest.fixture
def subject(
    subjects: dict[tuple[Role, str], tuple[User, Referral]], role: Role, relation: str
) -> tuple[User, Referral]:
    return subjects[(role, relation)]


def api_detail(user: User, referral: Referral) -> Any:
    client = APIClient()
    sign_in(client, user)
    return client.get(f"/api/v1/referrals/{referral.reference}/")


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_selector_grades_and_lists_agree(
    subject: tuple[User, Referral], role: Role, relation: str
) -> None:
    user, referral = subject
    expected = EXPECTED[role][relation]
    assert referral_access(user=user, referral=referral) is expected
    assert referral_list(user=user).filter(pk=referral.pk).exists() is (expected is not NONE)


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_api_detail(subject: tuple[User, Referral], role: Role, relation: str) -> None:
    user, referral = subject
    response = api_detail(user, referral)
    expected = EXPECTED[role][relation]
    if expected is NONE:
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    else:
        assert response.status_code == 200
        body = response.json()
        assert body["access"] == expected.name.lower()
        assert ("narrative" in body) is (expected is FULL)


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_api_list(subject: tuple[User, Referral], role: Role, relation: str) -> None:
    user, referral = subject
    client = APIClient()
    sign_in(client, user)
    response = client.get("/api/v1/referrals/")
    assert response.status_code == 200
    listed = {r["reference"] for r in response.json()["results"]}
    assert (referral.reference in listed) is (EXPECTED[role][relation] is not NONE)


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_detail_page(subject: tuple[User, Referral], role: Role, relation: str) -> None:
    user, referral = subject
    client = Client()
    sign_in(client, user)
    response = client.get(f"/referrals/{referral.reference}/")
    expected = EXPECTED[role][relation]
    if expected is NONE:
        assert response.status_code == 404
        assert referral.reference not in response.content.decode()
    else:
        assert response.status_code == 200
        assert (referral.narrative in response.content.decode()) is (expected is FULL)


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_list_page(subject: tuple[User, Referral], role: Role, relation: str) -> None:
    user, referral = subject
    client = Client()
    sign_in(client, user)
    response = client.get("/referrals/")
    if not user.has_perm("referrals.view_referral_list"):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    shown = referral.reference in response.content.decode()
    assert shown is (EXPECTED[role][relation] is not NONE)


# A referral's casework: seen, and (by every role that sees it in full here) written, only
# with FULL access; anyone else gets 404.
CASEWORK_LISTS = ["actions", "missing-episodes", "notes", "timeline"]
CASEWORK_WRITES = [
    "actions",
    "actions/1",
    "missing-episodes",
    "missing-episodes/1/return",
    "missing-episodes/1/interview",
    "notes",
]

# Pages and endpoints that depend on the role alone: 200 for these roles, else 403.
ROLE_PAGES = {
    "/referrals/": {
        Role.PRACTITIONER,
        Role.AGENCY_SAFEGUARDING_LEAD,
        Role.COORDINATOR,
        Role.LEAD_PROFESSIONAL,
        Role.POLICE_LEAD,
    },
    "/triage/": {Role.COORDINATOR},
    "/actions/overdue/": {Role.COORDINATOR},
    "/concerns/new/": set(RAISING_ROLES),
    "/referrals/emergency-access/": {Role.COORDINATOR, Role.LEAD_PROFESSIONAL},
    "/referrals/emergency-access/review/": {Role.COORDINATOR},
    "/administration/": {Role.AREA_ADMINISTRATOR},  # redirects to the area's people page
    "/": set(Role),
    "/api/v1/me/": set(Role),
    "/api/v1/tokens/": set(Role),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("path", list(ROLE_PAGES))
def test_role_pages(role: Role, path: str) -> None:
    client = Client()
    sign_in(client, member(role))
    response = client.get(path, follow=True)
    assert response.status_code == (200 if role in ROLE_PAGES[path] else 403)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me/",
        "/api/v1/tokens/",
        "/api/v1/referrals/",
        "/api/v1/referrals/R26-000001/",
        *(f"/api/v1/referrals/R26-000001/{rest}/" for rest in CASEWORK_LISTS),
        "/api/v1/young-people/",
        "/api/v1/young-people/1/",
        "/api/v1/young-people/1/timeline/",
    ],
)
def test_api_needs_a_signed_in_user(path: str) -> None:
    response = APIClient().get(path)
    assert response.status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/referrals/",
        *(f"/api/v1/referrals/R26-000001/{rest}/" for rest in CASEWORK_WRITES),
    ],
)
def test_api_writes_need_a_signed_in_user(path: str) -> None:
    response = APIClient().post(path, {}, format="json")
    assert response.status_code == 401


@pytest.mark.parametrize("path", ["/triage/", "/referrals/", "/referrals/R26-000001/"])
def test_pages_need_a_signed_in_user(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_a_draft_is_its_raisers_alone(world: World) -> None:
    raiser = member(Role.PRACTITIONER, area=world.area, agency=world.agency)
    draft = raise_referral(raiser)
    coordinator = member(Role.COORDINATOR, area=world.area)
    assert referral_access(user=raiser, referral=draft) is SUMMARY
    assert api_detail(coordinator, draft).status_code == 404


def test_an_unknown_reference_and_an_out_of_scope_one_answer_alike(world: World) -> None:
    referral = raise_referral(member(Role.PRACTITIONER, area=world.area), submit=True)
    outsider = member(Role.COORDINATOR)
    unknown = api_detail(outsider, Referral(reference="R99-999999"))
    hidden = api_detail(outsider, referral)
    assert unknown.status_code == hidden.status_code == 404
    assert unknown.json() == hidden.json()


def test_a_membership_in_a_deactivated_agency_grants_nothing(world: World) -> None:
    referral = raise_referral(member(Role.PRACTITIONER, area=world.area), submit=True)
    coordinator = member(Role.COORDINATOR, area=world.area, agency=world.other_agency)
    Agency.objects.filter(pk=world.other_agency.pk).update(is_active=False)
    assert api_detail(coordinator, referral).status_code == 404


def test_an_ended_membership_grants_nothing(world: World) -> None:
    referral = raise_referral(member(Role.PRACTITIONER, area=world.area), submit=True)
    coordinator = member(Role.COORDINATOR, area=world.area)
    Membership.objects.filter(user=coordinator).update(is_active=False)
    assert api_detail(coordinator, referral).status_code == 404


def test_a_lead_professional_sees_their_agencys_assignments_in_their_own_area_only(
    world: World,
) -> None:
    force = AgencyFactory.create(areas=[world.area])
    elsewhere = AreaFactory.create()
    force.areas.add(elsewhere)
    lead_elsewhere = member(Role.LEAD_PROFESSIONAL, area=elsewhere, agency=force)
    lead_here = member(Role.LEAD_PROFESSIONAL, area=world.area, agency=force)
    referral = raise_referral(member(Role.PRACTITIONER, area=world.area), submit=True)
    coordinator = member(Role.COORDINATOR, area=world.area)
    referral_assign_lead(referral=referral, actor=coordinator, agency=force)
    assert referral_access(user=lead_here, referral=referral) is FULL
    assert referral_access(user=lead_elsewhere, referral=referral) is NONE


def test_django_admin_is_not_mounted_outside_development() -> None:
    assert Client().get("/django-admin/").status_code == 404


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_api_transitions(subject: tuple[User, Referral], role: Role, relation: str) -> None:
    user, referral = subject
    client = APIClient()
    sign_in(client, user)
    listed = client.get(f"/api/v1/referrals/{referral.reference}/transitions/")
    taken = client.post(f"/api/v1/referrals/{referral.reference}/transitions/start_triage/")
    if EXPECTED[role][relation] is NONE:
        assert listed.status_code == taken.status_code == 404
        return
    assert listed.status_code == 200
    may_triage = role is Role.COORDINATOR
    assert ("start_triage" in {t["name"] for t in listed.json()}) is may_triage
    assert taken.status_code == (200 if may_triage else 403)


def casework_writes(referral: Referral) -> dict[str, dict[str, Any]]:
    """Each casework write's path under the referral, with a good body. The action and the
    missing episodes it updates are recorded first by a coordinator of the area."""
    coordinator = member(Role.COORDINATOR, area=referral.area)
    action = action_add(
        referral=referral,
        actor=coordinator,
        action_type=ProtectiveActionType.objects.get(code="safety_plan"),
        owner=coordinator,
        due_on=timezone.localdate(),
    )
    started = timezone.now() - timedelta(hours=2)
    missing, returned = (
        missing_episode_start(
            referral=referral, actor=coordinator, started_at=started, reported_by="Carer"
        )
        for _ in range(2)
    )
    missing_episode_end(episode=returned, actor=coordinator, ended_at=timezone.now())
    return {
        "actions": {
            "action_type": "safety_plan",
            "owner": coordinator.pk,
            "due_on": str(timezone.localdate()),
        },
        f"actions/{action.pk}": {"status": "done", "outcome": "Plan agreed."},
        "missing-episodes": {"started_at": started.isoformat(), "reported_by": "Parent"},
        f"missing-episodes/{missing.pk}/return": {"ended_at": timezone.now().isoformat()},
        f"missing-episodes/{returned.pk}/interview": {"held": False, "not_held_reason": "Declined"},
        "notes": {"text": "Spoke to the school."},
    }


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_api_casework_lists(subject: tuple[User, Referral], role: Role, relation: str) -> None:
    user, referral = subject
    client = APIClient()
    sign_in(client, user)
    for rest in CASEWORK_LISTS:
        response = client.get(f"/api/v1/referrals/{referral.reference}/{rest}/")
        assert response.status_code == (200 if EXPECTED[role][relation] is FULL else 404), rest


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_api_casework_writes(subject: tuple[User, Referral], role: Role, relation: str) -> None:
    user, referral = subject
    client = APIClient()
    sign_in(client, user)
    for rest, body in casework_writes(referral).items():
        response = client.post(
            f"/api/v1/referrals/{referral.reference}/{rest}/", body, format="json"
        )
        if EXPECTED[role][relation] is FULL:
            assert response.status_code in (200, 201), (rest, response.json())
        else:
            assert response.status_code == 404, rest


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_api_draft_update(subject: tuple[User, Referral], role: Role, relation: str) -> None:
    """The referral is submitted: its author hears so (409); others who see it may not change
    it (403); those who do not see it get 404."""
    user, referral = subject
    client = APIClient()
    sign_in(client, user)
    response = client.patch(
        f"/api/v1/referrals/{referral.reference}/", {"narrative": "Changed."}, format="json"
    )
    if EXPECTED[role][relation] is NONE:
        assert response.status_code == 404
    else:
        assert response.status_code == (409 if relation == OWN else 403)
    assert Referral.objects.get(pk=referral.pk).narrative != "Changed."


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_api_young_people(subject: tuple[User, Referral], role: Role, relation: str) -> None:
    user, referral = subject
    client = APIClient()
    sign_in(client, user)
    full = EXPECTED[role][relation] is FULL
    listed = {p["id"] for p in client.get("/api/v1/young-people/").json()["results"]}
    assert (referral.young_person_id in listed) is full
    for rest in ["", "timeline/"]:
        response = client.get(f"/api/v1/young-people/{referral.young_person_id}/{rest}")
        assert response.status_code == (200 if full else 404)


@pytest.mark.parametrize("role", list(Role))
def test_api_raise_a_concern(role: Role) -> None:
    client = APIClient()
    sign_in(client, member(role))
    response = client.post(
        "/api/v1/referrals/",
        {"given_name": "Sam", "family_name": "Example", "estimated_age": 14},
        format="json",
    )
    assert response.status_code == (201 if role in RAISING_ROLES else 403)


# The casework pages of a referral: for those who see it in full (all of whom work the case
# here), 200; for everyone else 404, as if it did not exist.
CASEWORK_PAGES = [
    "timeline/",
    "actions/add/",
    "missing/add/",
    "notes/add/",
    "young-person/correct/",
]


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_casework_pages(subject: tuple[User, Referral], role: Role, relation: str) -> None:
    user, referral = subject
    client = Client()
    sign_in(client, user)
    expected = 200 if EXPECTED[role][relation] is FULL else 404
    for rest in CASEWORK_PAGES:
        response = client.get(f"/referrals/{referral.reference}/{rest}")
        assert response.status_code == expected, rest
    timeline = client.get(f"/young-people/{referral.young_person_id}/timeline/")
    assert timeline.status_code == expected
