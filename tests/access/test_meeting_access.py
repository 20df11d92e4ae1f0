"""The need-to-know matrix for MACE meetings: every role, attending or not, against a meeting's
list entry, its page and API detail, the agenda items shown, its minutes and writing them.

A meeting of the area has two items: a young person's referral at high risk and a person of
concern named in a link alert. Its minutes are recorded by its chair."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Role, User
from disruption.meeting_selectors import MINUTES_HIDDEN
from disruption.meeting_services import meeting_minutes_record, meeting_propose_agenda
from disruption.models import Meeting
from referrals.models import RiskLevel
from referrals.workflow import referral_assign_lead
from tests.disruption import meeting_world as mw
from tests.factories import AgencyFactory, member, sign_in

pytestmark = pytest.mark.django_db

REFERRAL, PERSON = "referral", "person"
MINUTES = "Synthetic minutes of the meeting."


@dataclass(frozen=True)
class Expect:
    sees_meeting: bool
    items: frozenset[str] = frozenset()
    reads_minutes: bool = False
    records_minutes: int = 404  # the status of POST .../minutes/


BOTH = frozenset({REFERRAL, PERSON})
NOTHING = Expect(False)

# (role, relation): the chair; attended (invited); assigned (a lead professional named on the
# item's referral, attending); same_area (not attending); other_area.
EXPECTED: dict[tuple[Role, str], Expect] = {
    (Role.COORDINATOR, "chair"): Expect(True, BOTH, True, 200),
    (Role.COORDINATOR, "same_area"): Expect(True, BOTH, False, 403),
    (Role.COORDINATOR, "attended"): Expect(True, BOTH, True, 200),
    (Role.COORDINATOR, "other_area"): NOTHING,
    (Role.POLICE_LEAD, "same_area"): Expect(True, BOTH, False, 403),
    (Role.POLICE_LEAD, "attended"): Expect(True, BOTH, True, 403),
    (Role.POLICE_LEAD, "other_area"): NOTHING,
    (Role.LEAD_PROFESSIONAL, "same_area"): NOTHING,
    (Role.LEAD_PROFESSIONAL, "attended"): Expect(True, frozenset(), True, 403),
    (Role.LEAD_PROFESSIONAL, "assigned"): Expect(True, frozenset({REFERRAL}), True, 403),
    (Role.PRACTITIONER, "same_area"): NOTHING,
    (Role.PRACTITIONER, "attended"): Expect(True, frozenset(), True, 403),
    (Role.AGENCY_SAFEGUARDING_LEAD, "same_area"): NOTHING,
    (Role.AGENCY_SAFEGUARDING_LEAD, "attended"): Expect(True, frozenset(), True, 403),
    (Role.BOARD_MEMBER, "same_area"): NOTHING,
    (Role.AREA_ADMINISTRATOR, "same_area"): NOTHING,
    (Role.NATIONAL_ANALYST, "other_area"): NOTHING,
}


@dataclass
class Scene:
    user: User
    meeting: Meeting
    reference: str
    person_label: str


def scene(role: Role, relation: str) -> Scene:
    w = mw.world()
    case = mw.referral(w, risk_level=RiskLevel.HIGH)
    suspect = mw.person(w, "Synthetic Suspect")
    mw.alert(w, suspect, at=timezone.now() - timedelta(days=1))
    attendees: list[User] = []
    if relation == "chair":
        user = w.coordinator
    elif role is Role.NATIONAL_ANALYST or relation == "other_area":
        user = member(role)
    else:
        agency = AgencyFactory.create(areas=[w.area])
        user = member(role, area=w.area, agency=agency)
        if relation in ("attended", "assigned"):
            attendees.append(user)
        if relation == "assigned":
            referral_assign_lead(
                referral=case, actor=w.coordinator, agency=agency, lead_professional=user
            )
    meeting = mw.meeting(w, attendees=attendees)
    meeting_propose_agenda(meeting=meeting, actor=w.coordinator)
    meeting_minutes_record(meeting=meeting, actor=w.coordinator, minutes=MINUTES)
    return Scene(user, meeting, case.reference, suspect.label)


CASES = list(EXPECTED)


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_api(role: Role, relation: str) -> None:
    s = scene(role, relation)
    expect = EXPECTED[(role, relation)]
    client = api(s.user)
    listed = [m["id"] for m in client.get("/api/v1/meetings/").json()["results"]]
    assert listed == ([s.meeting.pk] if expect.sees_meeting else [])
    detail = client.get(f"/api/v1/meetings/{s.meeting.pk}/")
    if not expect.sees_meeting:
        assert detail.status_code == 404
        assert s.reference not in str(detail.json())
    else:
        body = detail.json()
        kinds = {"referral" if i["referral"] else i["subject_kind"] for i in body["items"]}
        assert kinds == expect.items
        assert (body["minutes"] == MINUTES) is expect.reads_minutes
        assert body["minutes_note"] == ("" if expect.reads_minutes else MINUTES_HIDDEN)
    written = client.post(
        f"/api/v1/meetings/{s.meeting.pk}/minutes/", {"minutes": "Changed."}, format="json"
    )
    assert written.status_code == expect.records_minutes


@pytest.mark.parametrize(("role", "relation"), CASES)
def test_pages(role: Role, relation: str) -> None:
    s = scene(role, relation)
    expect = EXPECTED[(role, relation)]
    client = Client()
    sign_in(client, s.user)
    listing = client.get("/meetings/").content.decode()
    assert (f"/meetings/{s.meeting.pk}/" in listing) is expect.sees_meeting
    page = client.get(f"/meetings/{s.meeting.pk}/")
    html = page.content.decode()
    if not expect.sees_meeting:
        assert page.status_code == 404
        assert s.reference not in html and MINUTES not in html
        return
    assert page.status_code == 200
    assert (s.reference in html) is (REFERRAL in expect.items)
    assert (s.person_label in html) is (PERSON in expect.items)
    assert (MINUTES in html) is expect.reads_minutes
    assert (MINUTES_HIDDEN in html) is not expect.reads_minutes
