"""The MACE meeting pages through the Django test client: the list, scheduling, the agenda
with its reasons, recording a decision with protective actions, minutes only for those who
attended, and 404 for anyone out of scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from agencies.models import Role, User
from disruption.meeting_selectors import MINUTES_HIDDEN
from disruption.meeting_services import meeting_minutes_record, meeting_propose_agenda
from disruption.models import AgendaItem, Meeting, MeetingStatus
from referrals.models import ProtectiveAction, ProtectiveActionType, ReferralEvent, RiskLevel
from tests.disruption import meeting_world as mw
from tests.factories import member, sign_in

pytestmark = pytest.mark.django_db


def browser(user: User) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def date_parts(name: str, day: date) -> dict[str, str]:
    return {
        f"{name}_day": str(day.day),
        f"{name}_month": str(day.month),
        f"{name}_year": str(day.year),
    }


def test_the_list_shows_the_areas_meetings_and_the_menu_entry() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    page = browser(w.coordinator).get("/meetings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/meetings/{meeting.pk}/" in html
    assert "MACE meetings" in html and f"/meetings/schedule/{w.area.ons_code}/" in html
    police = browser(w.police_lead).get("/meetings/").content.decode()
    assert f"/meetings/{meeting.pk}/" in police and "/meetings/schedule/" not in police
    other = browser(member(Role.COORDINATOR)).get("/meetings/").content.decode()
    assert f"/meetings/{meeting.pk}/" not in other
    assert 'href="/meetings/"' not in browser(w.practitioner).get("/").content.decode()


def test_a_coordinator_schedules_a_meeting() -> None:
    w = mw.world()
    client = browser(w.coordinator)
    url = f"/meetings/schedule/{w.area.ons_code}/"
    form = client.get(url)
    assert form.status_code == 200
    assert w.police_lead.get_full_name() in form.content.decode()
    day = timezone.localdate() + timedelta(days=7)
    response = client.post(
        url,
        {
            **date_parts("held_on", day),
            "time": "14:30",
            "place": "Civic centre",
            "chair": str(w.coordinator.pk),
            "agencies": [str(w.police.pk)],
            "attendees": [str(w.police_lead.pk), str(w.practitioner.pk)],
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    assert timezone.localtime(meeting.held_at).strftime("%H:%M") == "14:30"
    assert set(meeting.attendees.all()) == {w.police_lead, w.practitioner}
    bad = client.post(url, {**date_parts("held_on", day), "time": "25:00", "chair": ""})
    assert bad.status_code == 200
    assert "Enter a real time, like 14:30" in bad.content.decode()
    assert "Choose who chairs the meeting" in bad.content.decode()
    assert browser(w.police_lead).get(url).status_code == 403


def test_the_meeting_page_proposes_the_agenda_and_shows_why() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    case = mw.referral(w, risk_level=RiskLevel.HIGH, next_review_due_on=timezone.localdate())
    client = browser(w.coordinator)
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Propose the agenda" in page and case.reference not in page
    response = client.post(f"/meetings/{meeting.pk}/propose/")
    assert response.status_code == 302
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert case.reference in page
    assert "High risk" in page and "Review due" in page
    assert "Record the decision" in page


def test_recording_a_decision_reviews_the_referral_and_adds_actions() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    case = mw.referral(w, risk_level=RiskLevel.HIGH)
    [item] = meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
    client = browser(w.coordinator)
    url = f"/meetings/{meeting.pk}/items/{item.pk}/decision/"
    form = client.get(url).content.decode()
    assert "Protective action 1 (optional)" in form and w.police_lead.get_full_name() in form
    next_review = timezone.localdate() + timedelta(weeks=5)
    due = timezone.localdate() + timedelta(days=4)
    safety_plan = ProtectiveActionType.objects.get(code="safety_plan")
    missing_owner = client.post(
        url,
        {
            "decision": "Plan kept.",
            "action_1_type": str(safety_plan.pk),
            **date_parts("action_1_due_on", due),
        },
    )
    assert "Choose who owns the action" in missing_owner.content.decode()
    response = client.post(
        url,
        {
            "decision": "Plan kept.",
            **date_parts("next_review_on", next_review),
            "action_1_type": str(safety_plan.pk),
            "action_1_owner": str(w.police_lead.pk),
            **date_parts("action_1_due_on", due),
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.next_review_due_on == next_review
    assert ReferralEvent.objects.filter(referral=case, event_type="reviewed").count() == 1
    action = ProtectiveAction.objects.get(referral=case)
    assert list(AgendaItem.objects.get(pk=item.pk).protective_actions.all()) == [action]
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Plan kept." in page and "Next review:" in page


def test_disruption_set_at_the_meeting_is_logged_from_its_item() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    hotel = mw.location(w, "Hotel Example")
    mw.alert(w, hotel, at=timezone.now() - timedelta(days=1))
    [item] = meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
    client = browser(w.coordinator)
    client.post(
        f"/meetings/{meeting.pk}/items/{item.pk}/decision/", {"decision": "Notice the hotel."}
    )
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    url = f"/disruption/new/?agenda_item={item.pk}"
    assert url.replace("&", "&amp;") in page
    form = client.get(url).content.decode()
    assert "Back to the meeting" in form
    assert f'value="location:{hotel.location_id}" selected' in form
    response = client.post(
        url,
        {
            "target": f"location:{hotel.location_id}",
            "tactic": "hotel_information_notice",
            "mode": "locational",
            "owner": str(w.police_lead.pk),
            "status": "planned",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    [activity] = AgendaItem.objects.get(pk=item.pk).disruption_activities.all()
    assert activity.target_id == hotel.pk and activity.tactic.code == "hotel_information_notice"
    assert (
        "Disruption: Hotel information notice"
        in client.get(f"/meetings/{meeting.pk}/").content.decode()
    )
    other = mw.world()
    outsider = browser(other.coordinator)
    assert outsider.get(url).status_code == 404


def test_minutes_are_hidden_from_those_who_did_not_attend() -> None:
    w = mw.world()
    meeting = mw.meeting(w, attendees=[w.police_lead])
    client = browser(w.coordinator)
    assert client.post(f"/meetings/{meeting.pk}/minutes/", {"minutes": ""}).status_code == 200
    response = client.post(f"/meetings/{meeting.pk}/minutes/", {"minutes": "Secret minutes."})
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.HELD
    assert (
        "Secret minutes." in browser(w.police_lead).get(f"/meetings/{meeting.pk}/").content.decode()
    )
    absent = browser(member(Role.COORDINATOR, area=w.area))
    page = absent.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Secret minutes." not in page and MINUTES_HIDDEN in page
    assert absent.get(f"/meetings/{meeting.pk}/minutes/").status_code == 403


@pytest.mark.parametrize(
    "role", [Role.PRACTITIONER, Role.AGENCY_SAFEGUARDING_LEAD, Role.BOARD_MEMBER]
)
def test_others_get_404_on_every_meeting_page(role: Role) -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    mw.referral(w, risk_level=RiskLevel.HIGH)
    [item] = meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
    meeting_minutes_record(meeting=meeting, actor=w.coordinator, minutes="Minutes.")
    client = browser(member(role, area=w.area))
    for path in ["", "minutes/", f"items/{item.pk}/decision/"]:
        assert client.get(f"/meetings/{meeting.pk}/{path}").status_code == 404, path
    assert client.post(f"/meetings/{meeting.pk}/propose/").status_code == 404


def test_an_item_the_attendee_may_not_see_is_not_shown_nor_decided() -> None:
    w = mw.world()
    lead = member(Role.LEAD_PROFESSIONAL, area=w.area)
    meeting = mw.meeting(w, attendees=[lead])
    case = mw.referral(w, risk_level=RiskLevel.HIGH)
    [item] = meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
    client = browser(lead)
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert case.reference not in page and "nothing on the agenda that you can see" in page
    assert client.get(f"/meetings/{meeting.pk}/items/{item.pk}/decision/").status_code == 404


def test_the_chair_adds_a_referral_or_an_entity_by_hand() -> None:
    w = mw.world()
    meeting = mw.meeting(w)
    case = mw.referral(w)
    hotel = mw.location(w, "Synthetic Hotel")
    client = browser(w.coordinator)
    url = f"/meetings/{meeting.pk}/items/add/"
    assert "Synthetic Hotel (location)" in client.get(url).content.decode()
    both = client.post(url, {"referral": case.reference, "node": str(hotel.pk)})
    assert "Enter a referral reference or choose a person or location" in both.content.decode()
    unknown = client.post(url, {"referral": "R00-999999"})
    assert "There is no open referral R00-999999 in this area" in unknown.content.decode()
    assert client.post(url, {"referral": case.reference.lower()}).status_code == 302
    added = client.post(url, {"node": str(hotel.pk)})
    assert added.status_code == 302, added.content.decode()
    items = AgendaItem.objects.filter(meeting=meeting)
    assert [(i.referral, i.node, i.reasons) for i in items] == [
        (case, None, ["added"]),
        (None, hotel, ["added"]),
    ]
    again = client.post(url, {"referral": case.reference})
    assert "That is already on the agenda." in again.content.decode()
    assert browser(w.police_lead).get(url).status_code == 403
