"""The pages for working a case, through the Django test client: each page's happy path, a
bad answer shown on its field, need to know (404), and read-only roles (403)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from agencies.models import Agency, Area, Role, User
from audit.models import AuditAction, AuditEvent
from referrals.break_glass import break_glass_open
from referrals.casework import (
    action_add,
    action_update,
    missing_episode_end,
    missing_episode_start,
    note_add,
)
from referrals.models import (
    ActionStatus,
    CaseNote,
    MissingEpisode,
    ProtectiveAction,
    ProtectiveActionType,
    Referral,
    ReturnInterview,
)
from referrals.workflow import referral_assign_lead, referral_transition
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    area: Area
    agency: Agency
    coordinator: User
    lead: User
    referral: Referral

    def url(self, rest: str = "") -> str:
        return f"/referrals/{self.referral.reference}/{rest}"


def _triaged(practitioner: User, coordinator: User, **person: Any) -> Referral:
    referral = raise_referral(practitioner, submit=True, **person)
    return referral_transition(referral=referral, actor=coordinator, name="start_triage")


@pytest.fixture
def case() -> Case:
    """An active multi-agency plan with one agency's lead professional named on it."""
    area = AreaFactory.create()
    agency = AgencyFactory.create(areas=[area])
    coordinator = member(Role.COORDINATOR, area=area)
    lead = member(Role.LEAD_PROFESSIONAL, area=area, agency=agency)
    referral = _triaged(member(Role.PRACTITIONER, area=area), coordinator)
    referral = referral_transition(
        referral=referral,
        actor=coordinator,
        name="decide",
        inputs={"decision": "multi_agency_plan", "reason": "Significant indicators."},
    )
    referral_assign_lead(
        referral=referral, actor=coordinator, agency=agency, lead_professional=lead
    )
    return Case(area, agency, coordinator, lead, referral)


def _action(case: Case, **overrides: Any) -> ProtectiveAction:
    values: dict[str, Any] = {
        "referral": case.referral,
        "actor": case.coordinator,
        "action_type": ProtectiveActionType.objects.get(code="safety_plan"),
        "owner": case.lead,
        "due_on": timezone.localdate() + timedelta(days=7),
    }
    return action_add(**{**values, **overrides})


def _episode(case: Case, *, returned: bool = False) -> MissingEpisode:
    started = timezone.now() - timedelta(days=2)
    episode = missing_episode_start(
        referral=case.referral, actor=case.coordinator, started_at=started, reported_by="Carer"
    )
    if returned:
        episode = missing_episode_end(
            episode=episode, actor=case.coordinator, ended_at=started + timedelta(hours=5)
        )
    return episode


def _error_on(html: str, field: str, message: str) -> None:
    """The message shows in the error summary, linked to the field, and beside the field."""
    assert "There is a problem" in html
    # A date's link lands on its day box.
    assert re.search(rf'<a href="#id_{field}(_0)?">{re.escape(message)}</a>', html)
    assert re.search(rf'id="id_{field}-error"[^>]*>.*?{re.escape(message)}', html, re.S)


def _on(name: str, day: date) -> dict[str, str]:
    """A date as typed in the day, month and year boxes of the field `name`."""
    return {
        f"{name}_day": str(day.day),
        f"{name}_month": str(day.month),
        f"{name}_year": str(day.year),
    }


def _at(name: str, moment: Any) -> dict[str, str]:
    """A moment as typed in the date boxes and the time box of the field `name`."""
    local = timezone.localtime(moment)
    return _on(name, local.date()) | {f"{name}_time": local.strftime("%H:%M")}


def _someone_reading_only(case: Case) -> User:
    """A coordinator of another area with emergency access: reads the case, records nothing."""
    reader = member(Role.COORDINATOR)
    break_glass_open(referral=case.referral, actor=reader, reason="Seen with her at 2am today.")
    return reader


# The referral page.


def test_the_referral_page_shows_the_case(client: Client, case: Case) -> None:
    action = _action(case, detail="Visit at home weekly")
    ProtectiveAction.objects.filter(pk=action.pk).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    episode = _episode(case, returned=True)
    MissingEpisode.objects.filter(pk=episode.pk).update(
        interview_due_at=timezone.now() - timedelta(hours=1)
    )
    note_add(referral=case.referral, actor=case.coordinator, text="Spoke to school.")
    sign_in(client, case.coordinator)
    html = client.get(case.url()).content.decode()
    for text in (
        f"{case.agency.name}: {case.lead.get_full_name()}",
        "Visit at home weekly",
        f"{case.lead.get_full_name()}, {case.agency.name}",
        "Overdue",
        "Reported by Carer",
        "Record the return home interview",
        "Spoke to school.",
        "Add a protective action",
        "Report a missing episode",
        "Add a case note",
        "Correct the young person's details",
        case.url("timeline/"),
        f"/young-people/{case.referral.young_person_id}/timeline/",
        case.url(f"actions/{action.pk}/"),
    ):
        assert text in html, text
    assert "Check possible matches" not in html  # only while in triage


def test_a_reader_sees_the_case_but_no_links_to_record(client: Client, case: Case) -> None:
    _action(case)
    sign_in(client, _someone_reading_only(case))
    html = client.get(case.url()).content.decode()
    assert "Protective actions" in html
    assert "Add a protective action" not in html and "Update<span" not in html


def test_a_practitioner_sees_no_casework(client: Client, case: Case) -> None:
    note_add(referral=case.referral, actor=case.coordinator, text="Spoke to school.")
    sign_in(client, case.referral.raised_by)
    html = client.get(case.url()).content.decode()
    assert "Spoke to school." not in html and "Protective actions" not in html


def test_restricted_notes_are_for_the_authors_agency_and_coordinators(
    client: Client, case: Case
) -> None:
    other_agency = AgencyFactory.create(areas=[case.area])
    other_lead = member(Role.LEAD_PROFESSIONAL, area=case.area, agency=other_agency)
    referral_assign_lead(
        referral=case.referral,
        actor=case.coordinator,
        agency=other_agency,
        lead_professional=other_lead,
    )
    note_add(referral=case.referral, actor=case.lead, text="Disclosed to nurse.", restricted=True)

    sign_in(client, other_lead)
    assert "Disclosed to nurse." not in client.get(case.url()).content.decode()
    sign_in(client, case.coordinator)
    html = client.get(case.url()).content.decode()
    assert "Disclosed to nurse." in html and "Restricted</strong>" in html


# Protective actions.


def test_adding_an_action(client: Client, case: Case) -> None:
    sign_in(client, case.coordinator)
    page = client.get(case.url("actions/add/")).content.decode()
    assert "Back to the referral" in page and f"{case.lead.get_full_name()} ({case.agency})" in page
    due = timezone.localdate() + timedelta(days=3)
    kind = ProtectiveActionType.objects.get(code="safety_plan")
    response = client.post(
        case.url("actions/add/"),
        {"action_type": kind.pk, "owner": case.lead.pk, "detail": ""} | _on("due_on", due),
    )
    assert response.status_code == 302 and response["Location"] == case.url()
    banner = client.get(case.url()).content.decode()
    assert f"Protective action added: Safety plan, owned by {case.lead.get_full_name()}" in banner
    action = ProtectiveAction.objects.get(referral=case.referral)
    assert (action.owner, action.owner_agency, action.due_on) == (case.lead, case.agency, due)


@pytest.mark.parametrize(
    ("due_on", "message"),
    [
        (_on("due_on", date(2020, 1, 1)), "The due date must be today or in the future"),
        (
            _on("due_on", date(2026, 1, 1)) | {"due_on_day": "31", "due_on_month": "2"},
            "Due by must be a real date, like 27 3 2026",
        ),
        ({}, "Enter the date the action is due by"),
    ],
)
def test_an_action_due_date_must_be_a_date_to_come(
    client: Client, case: Case, due_on: dict[str, str], message: str
) -> None:
    sign_in(client, case.coordinator)
    kind = ProtectiveActionType.objects.get(code="safety_plan")
    response = client.post(
        case.url("actions/add/"), {"action_type": kind.pk, "owner": case.lead.pk} | due_on
    )
    assert response.status_code == 200
    html = response.content.decode()
    _error_on(html, "due_on", message)
    assert "<title>Error: " in html
    assert not ProtectiveAction.objects.exists()


def test_the_owner_marks_an_action_done_with_its_outcome(client: Client, case: Case) -> None:
    action = _action(case)
    sign_in(client, case.lead)
    url = case.url(f"actions/{action.pk}/")
    assert "Outcome, or why it was cancelled" in client.get(url).content.decode()
    assert client.post(url, {"status": "done", "outcome": "Seen at home."}).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.outcome) == (ActionStatus.DONE, "Seen at home.")


def test_an_action_needs_its_outcome(client: Client, case: Case) -> None:
    action = _action(case)
    sign_in(client, case.lead)
    response = client.post(case.url(f"actions/{action.pk}/"), {"status": "cancelled"})
    _error_on(response.content.decode(), "outcome", "Enter the outcome, or why it was cancelled")
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_an_action_on_a_case_closed_meanwhile_says_so(client: Client, case: Case) -> None:
    action = _action(case)
    sign_in(client, case.lead)
    url = case.url(f"actions/{action.pk}/")
    referral_transition(
        referral=case.referral,
        actor=case.coordinator,
        name="close",
        inputs={"outcome": "risk_reduced", "reason": "Plan complete."},
    )
    response = client.post(url, {"status": "done", "outcome": "Seen at home."})
    assert response.status_code == 200
    assert "The referral is closed: reopen it to record more." in response.content.decode()
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_an_action_needs_done_or_cancelled(client: Client, case: Case) -> None:
    action = _action(case)
    sign_in(client, case.lead)
    response = client.post(case.url(f"actions/{action.pk}/"), {"outcome": "Seen."})
    _error_on(response.content.decode(), "status", "Choose done or cancelled")


def test_an_action_of_another_referral_is_not_found(client: Client, case: Case) -> None:
    action = _action(case)
    other = raise_referral(member(Role.PRACTITIONER, area=case.area), submit=True)
    sign_in(client, case.coordinator)
    assert client.get(f"/referrals/{other.reference}/actions/{action.pk}/").status_code == 404


# Missing episodes and return home interviews.


def test_reporting_a_missing_episode_and_the_return(client: Client, case: Case) -> None:
    sign_in(client, case.lead)
    started = timezone.now() - timedelta(hours=6)
    response = client.post(
        case.url("missing/add/"),
        {"reported_by": "Foster carer", "police_reference": ""} | _at("started_at", started),
    )
    assert response.status_code == 302
    episode = MissingEpisode.objects.get(referral=case.referral)
    assert episode.reported_by == "Foster carer"

    url = case.url(f"missing/{episode.pk}/return/")
    assert client.post(url, _at("ended_at", timezone.now())).status_code == 302
    episode.refresh_from_db()
    assert episode.ended_at is not None and episode.interview == ReturnInterview.DUE


def test_a_missing_episode_cannot_start_in_the_future(client: Client, case: Case) -> None:
    sign_in(client, case.lead)
    response = client.post(
        case.url("missing/add/"),
        {"reported_by": "Carer"} | _at("started_at", timezone.now() + timedelta(days=1)),
    )
    _error_on(response.content.decode(), "started_at", "The time must be now or in the past")


def test_the_return_cannot_be_before_they_went_missing(client: Client, case: Case) -> None:
    episode = _episode(case)
    sign_in(client, case.lead)
    before = episode.started_at - timedelta(hours=1)
    response = client.post(case.url(f"missing/{episode.pk}/return/"), _at("ended_at", before))
    _error_on(response.content.decode(), "ended_at", "The return must be after they went missing")
    html = client.post(
        case.url(f"missing/{episode.pk}/return/"),
        _at("ended_at", timezone.now()) | {"ended_at_time": "25:00"},
    ).content.decode()
    _error_on(html, "ended_at", "When did they return? must be a real date and a time like 21:30")


def test_recording_a_held_return_home_interview(client: Client, case: Case) -> None:
    episode = _episode(case, returned=True)
    sign_in(client, case.lead)
    url = case.url(f"missing/{episode.pk}/interview/")
    assert "Was a return home interview held?" in client.get(url).content.decode()
    _error_on(client.post(url, {}).content.decode(), "held", "Say whether the interview was held")
    response = client.post(url, {"held": "held"})
    assert response["Location"] == f"{url}held/"
    page = client.get(f"{url}held/").content.decode()
    assert "Who held it?" in page and "Why was it not held?" not in page
    response = client.post(
        f"{url}held/",
        {"held_by": "Return worker", "summary": "Stayed with an older friend."}
        | _on("held_on", timezone.localdate()),
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert (episode.interview, episode.interview_by) == (ReturnInterview.HELD, "Return worker")


def test_a_held_interview_needs_who_when_and_what(client: Client, case: Case) -> None:
    episode = _episode(case, returned=True)
    sign_in(client, case.lead)
    html = client.post(case.url(f"missing/{episode.pk}/interview/held/"), {}).content.decode()
    _error_on(html, "held_by", "Enter who held the interview")
    _error_on(html, "held_on", "Enter the date it was held")
    _error_on(html, "summary", "Enter a summary of the interview")


def test_an_interview_not_held_needs_the_reason(client: Client, case: Case) -> None:
    episode = _episode(case, returned=True)
    sign_in(client, case.lead)
    url = case.url(f"missing/{episode.pk}/interview/not-held/")
    assert "Who held it?" not in client.get(url).content.decode()
    _error_on(
        client.post(url, {}).content.decode(), "not_held_reason", "Enter why no interview was held"
    )
    assert client.post(url, {"not_held_reason": "Declined."}).status_code == 302
    episode.refresh_from_db()
    assert (episode.interview, episode.not_held_reason) == (ReturnInterview.NOT_HELD, "Declined.")
    assert client.get(case.url(f"missing/{episode.pk}/interview/maybe/")).status_code == 404


def test_an_interview_before_the_return_is_refused_as_a_whole(client: Client, case: Case) -> None:
    episode = _episode(case)  # not back yet
    sign_in(client, case.lead)
    response = client.post(
        case.url(f"missing/{episode.pk}/interview/not-held/"), {"not_held_reason": "x"}
    )
    html = response.content.decode()
    assert "The interview can be recorded once the young person is back." in html


# Case notes.


def test_adding_a_restricted_note(client: Client, case: Case) -> None:
    sign_in(client, case.lead)
    page = client.get(case.url("notes/add/")).content.decode()
    assert "Who may read it?" in page and 'value="no" checked' in page
    response = client.post(case.url("notes/add/"), {"text": "Disclosed.", "restricted": "yes"})
    assert response.status_code == 302
    note = CaseNote.objects.get(referral=case.referral)
    assert (note.restricted, note.author_agency) == (True, case.agency)


def test_a_note_needs_its_text(client: Client, case: Case) -> None:
    sign_in(client, case.lead)
    _error_on(
        client.post(case.url("notes/add/"), {"text": ""}).content.decode(), "text", "Enter the note"
    )


# Who may do what.

WRITE_PAGES = ["actions/add/", "missing/add/", "notes/add/", "young-person/correct/"]


@pytest.mark.parametrize("page", WRITE_PAGES)
def test_a_reader_may_not_record(client: Client, case: Case, page: str) -> None:
    sign_in(client, _someone_reading_only(case))
    assert client.get(case.url(page)).status_code == 403
    assert client.post(case.url(page), {}).status_code == 403


def test_a_reader_may_not_update_an_action(client: Client, case: Case) -> None:
    action = _action(case)
    sign_in(client, _someone_reading_only(case))
    assert client.post(case.url(f"actions/{action.pk}/"), {"status": "done"}).status_code == 403


@pytest.mark.parametrize("page", [*WRITE_PAGES, "timeline/", "young-person/matches/", "actions/1/"])
def test_out_of_scope_is_not_found(client: Client, case: Case, page: str) -> None:
    for outsider in (member(Role.COORDINATOR), case.referral.raised_by):
        sign_in(client, outsider)
        assert client.get(case.url(page)).status_code == 404, outsider


# The young person's details (matching: test_matching.py).


def test_correcting_the_young_persons_details(client: Client, case: Case) -> None:
    sign_in(client, case.lead)
    url = case.url("young-person/correct/")
    person = case.referral.young_person
    assert f'value="{person.given_name}"' in client.get(url).content.decode()
    data = {"given_name": "Amira", "family_name": person.family_name, "reason": "Misspelt."}
    assert client.post(url, data).status_code == 302
    person.refresh_from_db()
    assert person.given_name == "Amira"
    assert AuditEvent.objects.filter(action=AuditAction.CHANGE, detail__reason="Misspelt.").exists()


def test_a_correction_needs_a_reason_and_valid_details(client: Client, case: Case) -> None:
    sign_in(client, case.lead)
    url = case.url("young-person/correct/")
    person = case.referral.young_person
    base = {"given_name": person.given_name, "family_name": person.family_name}
    _error_on(
        client.post(url, base).content.decode(),
        "reason",
        "Enter why the details are being corrected",
    )
    future = _on("date_of_birth", timezone.localdate() + timedelta(days=1))
    html = client.post(url, base | future | {"reason": "Wrong."}).content
    _error_on(html.decode(), "date_of_birth", "Date of birth must be today or in the past")


# Chronologies.


def test_the_referral_timeline_in_words_filtered_and_audited(client: Client, case: Case) -> None:
    action = _action(case)
    action_update(action=action, actor=case.lead, status=ActionStatus.DONE, outcome="Plan signed.")
    note_add(referral=case.referral, actor=case.lead, text="Secret text.", restricted=True)
    sign_in(client, case.coordinator)
    html = client.get(case.url("timeline/")).content.decode()
    for words in (
        "Triage started",
        "Decision recorded",
        "Decision:</dt> <dd>Multi-agency plan",
        f"Lead professional:</dt> <dd>{case.lead.get_full_name()}",
        f"Agency:</dt> <dd>{case.agency.name}",
        "Protective action added",
        "Status:</dt> <dd>Done",
        "Was:</dt> <dd>Open",
        "Restricted:</dt> <dd>Yes",
        "From:</dt> <dd>In triage",
        "app-no-print",
    ):
        assert words in html, words
    assert "Secret text." not in html
    filtered = client.get(case.url("timeline/"), {"type": ["action_added"]}).content.decode()
    assert "Protective action added" in filtered and "Triage started</h2>" not in filtered
    assert 'value="action_added" checked' in filtered
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, actor=case.coordinator, object_id=str(case.referral.pk)
    ).exists()


def test_the_young_persons_chronology_covers_their_referrals_seen_in_full(
    client: Client, case: Case
) -> None:
    person = case.referral.young_person
    second = raise_referral(member(Role.PRACTITIONER, area=case.area), submit=True)
    Referral.objects.filter(pk=second.pk).update(young_person=person)
    sign_in(client, case.coordinator)
    url = f"/young-people/{person.pk}/timeline/"
    html = client.get(url).content.decode()
    assert case.referral.reference in html and second.reference in html
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, actor=case.coordinator, object_id=str(person.pk)
    ).exists()

    sign_in(client, case.lead)  # named on the first referral only
    html = client.get(url).content.decode()
    assert case.referral.reference in html and second.reference not in html

    sign_in(client, member(Role.COORDINATOR))
    assert client.get(url).status_code == 404


# Overdue actions.


def test_coordinators_see_overdue_actions(client: Client, case: Case) -> None:
    late = _action(case, detail="Late one")
    _action(case, detail="On time")
    ProtectiveAction.objects.filter(pk=late.pk).update(
        due_on=timezone.localdate() - timedelta(days=2)
    )
    sign_in(client, case.coordinator)
    assert "/actions/overdue/" in client.get("/").content.decode()
    html = client.get("/actions/overdue/").content.decode()
    assert "Late one" in html and "On time" not in html
    assert case.url() in html
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="referrals.protectiveaction", object_id=str(late.pk)
    ).exists()


def test_overdue_actions_come_a_page_at_a_time(
    client: Client, case: Case, django_assert_num_queries: Any
) -> None:
    late = _action(case, detail="Late 0")
    ProtectiveAction.objects.filter(pk=late.pk).update(due_on=date(2026, 1, 1))
    late.refresh_from_db()
    copies = []
    for number in range(1, 26):
        late.pk, late.detail = None, f"Late {number}"
        late.due_on = date(2026, 1, 1) + timedelta(days=number)
        copies.append(
            ProtectiveAction(
                **{f.attname: getattr(late, f.attname) for f in late._meta.concrete_fields}
            )
        )
    ProtectiveAction.objects.bulk_create(copies)
    sign_in(client, case.coordinator)
    client.get("/actions/overdue/")  # a first visit fills the caches: the count is the page's own
    with django_assert_num_queries(12):
        first = client.get("/actions/overdue/").content.decode()
    assert "Late 0<" in first and "Late 24<" in first and "Late 25<" not in first
    assert 'aria-label="Pages of overdue actions"' in first
    second = client.get("/actions/overdue/", {"page": 2}).content.decode()
    assert "Late 25<" in second and "Late 0<" not in second


def test_overdue_actions_are_for_coordinators(client: Client, case: Case) -> None:
    sign_in(client, case.lead)
    assert "/actions/overdue/" not in client.get("/").content.decode()
    assert client.get("/actions/overdue/").status_code == 403


def test_the_correction_page_shows_the_date_of_birth_as_it_is_typed(
    client: Client, case: Case
) -> None:
    sign_in(client, case.coordinator)
    born = case.referral.young_person.date_of_birth
    assert born is not None
    html = client.get(case.url("young-person/correct/")).content.decode()
    for box, value in _on("date_of_birth", born).items():
        assert re.search(rf'name="{box}"[^>]*value="{value}"', html), box


def test_after_accepting_a_transfer_the_receiving_coordinator_sees_their_referral(
    client: Client, case: Case
) -> None:
    receiving_area = AreaFactory.create()
    referral_transition(
        referral=case.referral,
        actor=case.coordinator,
        name="transfer",
        inputs={"area": str(receiving_area.pk), "reason": "Moved to an aunt's"},
    )
    receiving = member(Role.COORDINATOR, area=receiving_area)
    sign_in(client, receiving)
    response = client.post(case.url("steps/accept_transfer/"))
    arrived = Referral.objects.get(transferred_from=case.referral)
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{arrived.reference}/"
    assert client.get(response["Location"]).status_code == 200


def test_after_declining_a_transfer_the_receiving_coordinator_goes_home(
    client: Client, case: Case
) -> None:
    receiving_area = AreaFactory.create()
    referral_transition(
        referral=case.referral,
        actor=case.coordinator,
        name="transfer",
        inputs={"area": str(receiving_area.pk), "reason": "Moved"},
    )
    sign_in(client, member(Role.COORDINATOR, area=receiving_area))
    response = client.post(case.url("steps/decline_transfer/"), {"reason": "Not known here"})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert Referral.objects.get(pk=case.referral.pk).state == "active"


def test_the_referrer_sees_the_decision_and_the_outcome(client: Client, case: Case) -> None:
    referral_transition(
        referral=case.referral,
        actor=case.coordinator,
        name="close",
        inputs={"outcome": "risk_reduced", "reason": "Plan complete."},
    )
    sign_in(client, case.referral.raised_by)
    html = client.get(case.url()).content.decode()
    assert "Multi-agency plan" in html and "Risk reduced" in html
    assert "Significant indicators." not in html  # the reason is for those on the case
