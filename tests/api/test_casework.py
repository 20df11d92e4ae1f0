"""A referral's casework through the API: actions, missing episodes, notes and the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Role, User
from audit.models import AuditAction, AuditEvent
from referrals.break_glass import break_glass_open
from referrals.casework import action_add, missing_episode_start, note_add
from referrals.models import CaseNote, ProtectiveActionType, Referral
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    referral: Referral
    coordinator: User
    practitioner: User

    def url(self, rest: str = "") -> str:
        return f"/api/v1/referrals/{self.referral.reference}/{rest}"


@pytest.fixture
def case() -> Case:
    area = AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)
    return Case(
        referral=raise_referral(practitioner, submit=True),
        coordinator=member(Role.COORDINATOR, area=area),
        practitioner=practitioner,
    )


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def tomorrow() -> str:
    return str(timezone.localdate() + timedelta(days=1))


def add_action(case: Case, client: APIClient | None = None, **body: Any) -> Any:
    body = {"action_type": "safety_plan", "owner": case.coordinator.pk, "due_on": tomorrow()} | body
    return (client or api(case.coordinator)).post(case.url("actions/"), body, format="json")


def test_an_action_is_added_listed_and_completed(case: Case) -> None:
    client = api(case.coordinator)
    created = add_action(case, client, detail="Agree a safety plan with the family.")
    assert created.status_code == 201, created.json()
    action = created.json()
    assert action["status"] == "open" and action["owner_agency"]
    listed = client.get(case.url("actions/")).json()["results"]
    assert [a["id"] for a in listed] == [action["id"]]
    done = client.post(case.url(f"actions/{action['id']}/"), {"status": "done"}, format="json")
    assert done.status_code == 422 and "outcome" in done.json()["error"]["fields"]
    done = client.post(
        case.url(f"actions/{action['id']}/"),
        {"status": "done", "outcome": "Plan signed."},
        format="json",
    )
    assert done.status_code == 200 and done.json()["completed_at"]


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"due_on": "2000-01-01"}, "due_on", 422),  # a rule: not in the past
        ({"action_type": "no_such_action"}, "action_type", 404),  # no such record
        ({"owner": 0}, "owner", 404),
    ],
)
def test_bad_actions_are_refused_by_field(
    case: Case, change: dict[str, Any], field: str, status: int
) -> None:
    response = add_action(case, **change)
    assert response.status_code == status
    assert field in response.json()["error"]["fields"]


def test_an_owner_from_another_area_is_not_offered(case: Case) -> None:
    response = add_action(case, owner=member(Role.COORDINATOR).pk)
    assert response.status_code == 404
    assert "owner" in response.json()["error"]["fields"]


def test_an_action_of_another_referral_is_404(case: Case) -> None:
    other = raise_referral(case.practitioner, submit=True)
    action = action_add(
        referral=other,
        actor=case.coordinator,
        action_type=ProtectiveActionType.objects.get(code="safety_plan"),
        owner=case.coordinator,
        due_on=timezone.localdate(),
    )
    response = api(case.coordinator).post(
        case.url(f"actions/{action.pk}/"), {"status": "cancelled", "outcome": "x"}, format="json"
    )
    assert response.status_code == 404


def test_a_missing_episode_runs_to_its_return_home_interview(case: Case) -> None:
    client = api(case.coordinator)
    started = timezone.now() - timedelta(hours=5)
    created = client.post(
        case.url("missing-episodes/"),
        {"started_at": started.isoformat(), "reported_by": "Foster carer"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    episode = created.json()["id"]
    early = client.post(
        case.url(f"missing-episodes/{episode}/interview/"),
        {"held": False, "not_held_reason": "Refused."},
        format="json",
    )
    assert early.status_code == 422  # not back yet
    back = client.post(
        case.url(f"missing-episodes/{episode}/return/"),
        {"ended_at": (started - timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert back.status_code == 422 and "ended_at" in back.json()["error"]["fields"]
    back = client.post(
        case.url(f"missing-episodes/{episode}/return/"),
        {"ended_at": timezone.now().isoformat()},
        format="json",
    )
    assert back.status_code == 200 and back.json()["interview"] == "due"
    missing_fields = client.post(
        case.url(f"missing-episodes/{episode}/interview/"), {"held": True}, format="json"
    )
    assert set(missing_fields.json()["error"]["fields"]) == {"held_by", "held_on", "summary"}
    held = client.post(
        case.url(f"missing-episodes/{episode}/interview/"),
        {
            "held": True,
            "held_by": "Independent worker",
            "held_on": str(timezone.localdate()),
            "summary": "Talked about where they went.",
        },
        format="json",
    )
    assert held.status_code == 200 and held.json()["interview"] == "held"
    listed = client.get(case.url("missing-episodes/")).json()["results"]
    assert [e["interview"] for e in listed] == ["held"]


def test_restricted_notes_are_shown_to_the_authors_agency_and_coordinators_only(
    case: Case,
) -> None:
    police = AgencyFactory.create(areas=[case.referral.area])
    officer = member(Role.POLICE_LEAD, area=case.referral.area, agency=police)
    note_add(referral=case.referral, actor=officer, text="Intelligence.", restricted=True)
    open_note = note_add(referral=case.referral, actor=officer, text="Seen at the station.")
    other_police = member(Role.POLICE_LEAD, area=case.referral.area)
    for user, expected in [(officer, 2), (case.coordinator, 2), (other_police, 1)]:
        rows = api(user).get(case.url("notes/")).json()["results"]
        assert len(rows) == expected
    correction = api(case.coordinator).post(
        case.url("notes/"),
        {"text": "Seen at the bus station.", "corrects": open_note.pk},
        format="json",
    )
    assert correction.status_code == 201
    assert correction.json()["corrects"] == open_note.pk
    restricted = CaseNote.objects.get(restricted=True)
    refused = api(other_police).post(
        case.url("notes/"), {"text": "x", "corrects": restricted.pk}, format="json"
    )
    assert refused.status_code == 404 and "corrects" in refused.json()["error"]["fields"]


def test_the_timeline_filters_by_type(case: Case) -> None:
    add_action(case)
    client = api(case.coordinator)
    every = client.get(case.url("timeline/")).json()["results"]
    assert {"raised", "submitted", "action_added"} <= {e["event_type"] for e in every}
    some = client.get(case.url("timeline/?type=raised&type=action_added")).json()["results"]
    assert {e["event_type"] for e in some} == {"raised", "action_added"}
    assert client.get(case.url("timeline/?type=nonsense")).status_code == 400


def test_reads_are_audited_row_by_row(case: Case) -> None:
    add_action(case)
    add_action(case)
    api(case.coordinator).get(case.url("actions/"))
    views = AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="referrals.protectiveaction"
    )
    assert views.count() == 2
    assert {v.area_id for v in views} == {case.referral.area_id}


def test_casework_needs_the_referral_in_full(case: Case) -> None:
    # The practitioner who raised it sees a summary only, so its casework is not there at all.
    assert add_action(case, api(case.practitioner)).status_code == 404
    assert api(case.practitioner).get(case.url("notes/")).status_code == 404
    police = member(Role.POLICE_LEAD, area=case.referral.area)
    assert add_action(case, api(police)).status_code == 201


def test_a_closed_referral_takes_no_more_casework(case: Case) -> None:
    Referral.objects.filter(pk=case.referral.pk).update(state="closed")
    response = add_action(case)
    assert response.status_code == 409  # the referral's state forbids it, not the body
    assert response.json()["error"]["code"] == "conflict"
    assert "closed" in response.json()["error"]["fields"]["non_field_errors"][0]


LISTS = {
    "actions/": lambda case: action_add(
        referral=case.referral,
        actor=case.coordinator,
        action_type=ProtectiveActionType.objects.get(code="safety_plan"),
        owner=case.coordinator,
        due_on=timezone.localdate(),
    ),
    "missing-episodes/": lambda case: missing_episode_start(
        referral=case.referral,
        actor=case.coordinator,
        started_at=timezone.now(),
        reported_by="Parent",
    ),
    "notes/": lambda case: note_add(referral=case.referral, actor=case.coordinator, text="x"),
    "timeline/": lambda case: note_add(referral=case.referral, actor=case.coordinator, text="x"),
}


@pytest.mark.parametrize("count", [1, 8])
@pytest.mark.parametrize("path", list(LISTS))
def test_lists_use_a_fixed_number_of_queries(
    case: Case, django_assert_num_queries: Any, path: str, count: int
) -> None:
    for _ in range(count):
        LISTS[path](case)
    client = api(case.coordinator)
    # session, user, second-factor device; then in one transaction (BEGIN, COMMIT) the
    # referral, memberships, the check of the caller's access, one page of rows and the audit
    # of every row shown (one insert, sent with the commit: no query of its own); then the
    # idle-timeout session refresh (BEGIN, UPDATE, COMMIT). The same for 1 row as for 8.
    with django_assert_num_queries(12):
        response = client.get(case.url(path))
    assert response.status_code == 200
    assert len(response.json()["results"]) >= count


def test_emergency_access_reads_but_does_not_write(case: Case) -> None:
    outsider = member(Role.COORDINATOR)
    break_glass_open(referral=case.referral, actor=outsider, reason="Missing overnight, urgent.")
    client = api(outsider)
    assert client.get(case.url("actions/")).status_code == 200
    response = add_action(case, client)
    assert response.status_code == 403
    assert "may record casework" in response.json()["error"]["message"]
