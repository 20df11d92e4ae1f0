"""MACE meetings through the API: scheduling (idempotent), the agenda, decisions, minutes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Role, User
from audit.models import AuditAction, AuditEvent
from disruption.meeting_selectors import MINUTES_HIDDEN
from disruption.meeting_services import (
    ActionInput,
    agenda_item_record,
    meeting_minutes_record,
    meeting_propose_agenda,
)
from disruption.models import AgendaItem, Meeting, MeetingStatus
from referrals.models import (
    ProtectiveAction,
    ProtectiveActionType,
    ReferralEvent,
    ReferralEventType,
    RiskLevel,
)
from tests.disruption import meeting_world as mw
from tests.factories import member, sign_in

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def schedule_body(w: mw.World, **changes: Any) -> dict[str, Any]:
    return {
        "area": w.area.ons_code,
        "held_at": (timezone.now() + timedelta(days=7)).isoformat(),
        "place": "Town hall",
        "chair": w.coordinator.pk,
        "agencies": [w.police.pk],
        "attendees": [w.police_lead.pk],
        **changes,
    }


def test_a_coordinator_schedules_once_per_idempotency_key() -> None:
    w = mw.world()
    client = api(w.coordinator)
    body = schedule_body(w)
    first = client.post("/api/v1/meetings/", body, format="json", HTTP_IDEMPOTENCY_KEY="mace-1")
    again = client.post("/api/v1/meetings/", body, format="json", HTTP_IDEMPOTENCY_KEY="mace-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    assert Meeting.objects.count() == 1
    meeting = Meeting.objects.get()
    assert list(meeting.attendees.all()) == [w.police_lead]


def test_scheduling_is_refused_to_others_and_checks_the_people() -> None:
    w = mw.world()
    for outsider in (w.police_lead, member(Role.COORDINATOR)):  # another area's coordinator
        response = api(outsider).post("/api/v1/meetings/", schedule_body(w), format="json")
        assert response.status_code == 403
    stranger = member(Role.PRACTITIONER)
    refused = api(w.coordinator).post(
        "/api/v1/meetings/", schedule_body(w, attendees=[stranger.pk]), format="json"
    )
    assert refused.status_code == 404
    assert not Meeting.objects.exists()


def test_the_agenda_is_proposed_decided_and_minuted() -> None:
    w = mw.world()
    meeting = mw.meeting(w, attendees=[w.police_lead])
    case = mw.referral(w, risk_level=RiskLevel.HIGH)
    client = api(w.coordinator)
    proposed = client.post(f"/api/v1/meetings/{meeting.pk}/propose-agenda/")
    assert proposed.status_code == 200
    [item] = proposed.json()
    assert (item["referral"], item["reasons"]) == (case.reference, ["high_risk"])
    assert client.post(f"/api/v1/meetings/{meeting.pk}/propose-agenda/").json() == []

    suspect = mw.person(w, "Suspect")
    added = client.post(
        f"/api/v1/meetings/{meeting.pk}/items/", {"node": suspect.pk}, format="json"
    )
    assert added.status_code == 201
    assert (added.json()["subject_kind"], added.json()["reasons"]) == ("person", ["added"])
    both = client.post(
        f"/api/v1/meetings/{meeting.pk}/items/",
        {"node": suspect.pk, "referral": case.reference},
        format="json",
    )
    assert both.status_code == 400

    next_review = (timezone.localdate() + timedelta(weeks=4)).isoformat()
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    decided = client.post(
        f"/api/v1/meetings/{meeting.pk}/items/{item['id']}/decision/",
        {
            "decision": "Keep the plan.",
            "next_review_on": next_review,
            "actions": [{"action_type": "safety_plan", "owner": w.police_lead.pk, "due_on": due}],
        },
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    assert decided.json()["next_review_on"] == next_review
    [action] = decided.json()["protective_actions"]
    assert action["owner"] == w.police_lead.pk
    assert ProtectiveAction.objects.get(referral=case).pk == action["id"]
    assert ReferralEvent.objects.filter(
        referral=case, event_type=ReferralEventType.REVIEWED
    ).exists()

    minuted = client.post(
        f"/api/v1/meetings/{meeting.pk}/minutes/", {"minutes": "Agreed."}, format="json"
    )
    assert minuted.status_code == 200 and minuted.json()["status"] == MeetingStatus.HELD


def test_an_owner_outside_the_case_is_refused() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    mw.referral(w, risk_level=RiskLevel.HIGH)
    [item] = meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
    response = api(w.coordinator).post(
        f"/api/v1/meetings/{meeting.pk}/items/{item.pk}/decision/",
        {
            "decision": "Act.",
            "actions": [
                {
                    "action_type": "safety_plan",
                    "owner": member(Role.PRACTITIONER).pk,
                    "due_on": timezone.localdate().isoformat(),
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 404
    assert AgendaItem.objects.get(pk=item.pk).decided_at is None


def test_the_detail_shows_minutes_only_to_those_who_attended() -> None:
    w = mw.world()
    meeting = mw.meeting(w, attendees=[w.police_lead])
    mw.referral(w, risk_level=RiskLevel.HIGH)
    meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
    meeting_minutes_record(meeting=meeting, actor=w.coordinator, minutes="Secret minutes.")
    attended = api(w.police_lead).get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert attended["minutes"] == "Secret minutes." and attended["minutes_note"] == ""
    assert len(attended["items"]) == 1
    other_coordinator = member(Role.COORDINATOR, area=w.area)
    absent = api(other_coordinator).get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert absent["minutes"] is None and absent["minutes_note"] == MINUTES_HIDDEN
    assert "Secret minutes." not in str(absent)
    assert len(absent["items"]) == 1
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW,
        actor=other_coordinator,
        object_type="disruption.meeting",
        object_id=str(meeting.pk),
    ).exists()


def test_out_of_scope_meetings_answer_404_everywhere() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    mw.referral(w, risk_level=RiskLevel.HIGH)
    [item] = meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
    client = api(member(Role.COORDINATOR))
    assert client.get("/api/v1/meetings/").json()["results"] == []
    base = f"/api/v1/meetings/{meeting.pk}/"
    assert client.get(base).status_code == 404
    for path, body in [
        ("propose-agenda/", {}),
        ("items/", {"node": 1}),
        (f"items/{item.pk}/decision/", {"decision": "x"}),
        ("minutes/", {"minutes": "x"}),
    ]:
        assert client.post(base + path, body, format="json").status_code == 404, path


def test_a_police_lead_may_read_but_not_write() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    client = api(w.police_lead)
    assert client.get(f"/api/v1/meetings/{meeting.pk}/").status_code == 200
    assert client.post(f"/api/v1/meetings/{meeting.pk}/propose-agenda/").status_code == 403


@pytest.mark.parametrize("count", [1, 10])
def test_the_list_uses_a_fixed_number_of_queries(
    django_assert_num_queries: Any, count: int
) -> None:
    w = mw.world()
    for _ in range(count):
        mw.meeting(w)
    client = api(w.police_lead)
    # session, user, second-factor device; then in one transaction (BEGIN, COMMIT)
    # memberships, one page of meetings with their areas and chairs, and the audit of every
    # one shown (one insert, sent with the commit: no query of its own); then the idle-timeout
    # session refresh (BEGIN, UPDATE, COMMIT). The same for 1 row as for 10.
    with django_assert_num_queries(10):
        response = client.get("/api/v1/meetings/")
    assert len(response.json()["results"]) == count


def test_the_detail_costs_the_same_for_one_item_as_for_many() -> None:
    def queries_for(items: int) -> int:
        w = mw.world()
        meeting = mw.meeting(w, attendees=[w.police_lead])
        for _ in range(items):
            mw.referral(w, risk_level=RiskLevel.HIGH)
        meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
        for item in AgendaItem.objects.filter(meeting=meeting):
            agenda_item_record(
                item=item,
                actor=w.coordinator,
                decision="Decided.",
                actions=[
                    ActionInput(
                        ProtectiveActionType.objects.get(code="safety_plan"),
                        w.police_lead,
                        timezone.localdate() + timedelta(days=3),
                    )
                ],
            )
        client = api(w.police_lead)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/meetings/{meeting.pk}/")
        assert len(response.json()["items"]) == items
        return len(captured)

    assert queries_for(1) == queries_for(5)
