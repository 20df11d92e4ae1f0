"""The case page of a referral, through the Django test client: the concern and the young
person in words, status and RAG as tags with the next deadline, the steps as buttons, every
section of the case one under another, the record trail in words and a page at a time, its
reads recorded, what it costs in queries however much the case holds, and the referrer's own
view of where the concern stands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Agency, AgencyType, Area, Role, User
from audit.models import AuditAction, AuditEvent
from disruption.activity_services import disruption_activity_add
from disruption.models import DisruptionTactic, PersonOfConcern
from disruption.services import link_add
from referrals.break_glass import break_glass_open
from referrals.casework import action_add, missing_episode_start, note_add
from referrals.identity import young_person_correct
from referrals.models import ProtectiveActionType, Referral
from referrals.selectors import information_requests_for
from referrals.statutory import nrm_referral_record, section_47_record, strategy_discussion_record
from referrals.workflow import referral_assign_lead, referral_transition
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

# What one view of the case page costs, however much the case holds: for a coordinator, and
# for the practitioner who raised the concern (their own view).
# The casework and statutory records' history adds two reads for each of its seven kinds (rows,
# history).
# One more each for a restriction of processing: for a coordinator, the restriction standing on
# the record (its banner); for the referrer, whether the record is restricted from them.
PAGE_QUERIES = 57
REFERRER_QUERIES = 15

CONCERN: dict[str, Any] = {
    "narrative": "Seen getting into a silver car outside school with older men.",
    "exploitation_type": "criminal",
    "exploitation_models": ["gang_or_group", "online_grooming"],
    "people_mentioned": "A man called Dee, about 25",
    "places_mentioned": "Mill Street kebab house",
    "vehicles_mentioned": "Silver Audi, AB12 CDE",
    "consent": "given",
    "consent_details": "Her mother agreed on the phone.",
    "contact_phone": "0161 496 0000",
    "contact_email": "referrer@example.org",
    "screening_indicators": ["out_late", "in_care"],
}


@dataclass
class Case:
    area: Area
    police: Agency
    school: Agency
    coordinator: User
    lead: User
    police_lead: User
    referral: Referral

    @property
    def url(self) -> str:
        return f"/referrals/{self.referral.reference}/"


def build_case() -> Case:
    """An active plan holding one of everything the page shows: a concern answered in full,
    a RAG rating, a lead professional, an information request, an action, a missing episode,
    a note, a correction of the young person, a link and disruption activity."""
    area = AreaFactory.create()
    police = AgencyFactory.create(
        areas=[area], agency_type=AgencyType.POLICE, name="Northtown Police"
    )
    school = AgencyFactory.create(areas=[area], name="Northtown Academy")
    coordinator = member(Role.COORDINATOR, area=area, agency=school)
    lead = member(Role.LEAD_PROFESSIONAL, area=area, agency=school)
    police_lead = member(Role.POLICE_LEAD, area=area, agency=police)
    practitioner = member(Role.PRACTITIONER, area=area, agency=school)
    referral = raise_referral(
        practitioner,
        submit=True,
        concern={**CONCERN, "concern_date": timezone.localdate() - timedelta(days=2)},
        given_name="Jade",
        family_name="Lowe",
        ethnicity="white_british",
    )

    def step(name: str, **inputs: str) -> Referral:
        return referral_transition(referral=referral, actor=coordinator, name=name, inputs=inputs)

    step("start_triage")
    step("set_rag", rag="red", reason="Seen with older men twice this week.")
    referral = step("decide", decision="multi_agency_plan", reason="Significant indicators.")
    referral_assign_lead(
        referral=referral, actor=coordinator, agency=school, lead_professional=lead
    )
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    step("request_information", agency=str(police.pk), question="Any sightings?", due_on=due)
    action_add(
        referral=referral,
        actor=coordinator,
        action_type=ProtectiveActionType.objects.get(code="safety_plan"),
        owner=lead,
        due_on=timezone.localdate() + timedelta(days=3),
    )
    missing_episode_start(
        referral=referral,
        actor=coordinator,
        started_at=timezone.now() - timedelta(hours=3),
        reported_by="Carer",
    )
    note_add(referral=referral, actor=coordinator, text="Spoke to school.")
    young_person_correct(
        referral=referral,
        actor=coordinator,
        changes={"ethnicity": "white_other"},
        reason="She told us herself.",
    )
    suspect = PersonOfConcern.objects.create(area=area, name="Dee Smith", created_by=police_lead)
    link_add(
        actor=police_lead,
        a=referral.young_person,
        b=suspect,
        nature="seen_with",
        source="School staff",
        source_evaluation="1",
        intelligence_assessment="A",
        handling_code="P",
        observed_on=timezone.localdate(),
        referral=referral,
    )
    disruption_activity_add(
        actor=police_lead,
        target=suspect,
        tactic=DisruptionTactic.objects.get(code="cawn"),
        mode="direct",
        owner=police_lead,
        referrals=[referral],
    )
    referral.refresh_from_db()
    return Case(area, police, school, coordinator, lead, police_lead, referral)


@pytest.fixture
def case() -> Case:
    return build_case()


def _page(client: Client, user: User, url: str) -> str:
    sign_in(client, user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _text(html: str) -> str:
    """The words on the page, tags and runs of space removed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_concern_and_the_young_person_read_in_words(client: Client, case: Case) -> None:
    text = _text(_page(client, case.coordinator, case.url))
    for words in (
        "Seen getting into a silver car outside school with older men.",
        "Criminal exploitation (including county lines)",
        "Gang or group",
        "Online grooming",
        "Staying out late",  # a screening indicator, under its category
        "Moderate indicators (recent months)",
        "In care",
        "A man called Dee, about 25",
        "Mill Street kebab house",
        "Silver Audi, AB12 CDE",
        "Public task (UK GDPR Art 6(1)(e))",
        "Sought and given",
        "Her mother agreed on the phone.",
        "0161 496 0000",
        "referrer@example.org",
        "Northtown Academy",
        "White: any other White background",  # the young person's facts, as corrected
    ):
        assert words in text, words
    for code in ("gang_or_group", "online_grooming", "white_other", "safeguarding_public_task"):
        assert code not in text, code


def test_status_and_rag_are_tags_with_the_next_deadline_and_the_steps_buttons(
    client: Client, case: Case
) -> None:
    html = _page(client, case.coordinator, case.url)
    assert re.search(r'govuk-tag--turquoise">\s*Active plan', html)
    assert 'govuk-tag--red">Red</strong>' in html
    # The action due in three days is nearer than the information (five) and the review.
    due = (timezone.localdate() + timedelta(days=3)).strftime("%A %-d %B %Y")
    assert f"Action due: Safety plan: {due}" in _text(html)
    review = f"/referrals/{case.referral.reference}/steps/review/"
    assert re.search(rf'<a class="govuk-button govuk-button--secondary"[^>]*href="{review}"', html)
    # Every section on the page, one under another, each reached from the contents list.
    assert "govuk-tabs" not in html
    for section in ("concern", "young-person", "plan", "missing", "notes", "disruption"):
        assert f'href="#{section}"' in html
        assert re.search(rf'<h2 class="govuk-heading-m app-case__section" id="{section}">', html)
    text = _text(html)
    for words in (
        "Any sightings?",
        "Northtown Police",
        "Dee Smith",
        "Seen with",
        "Spoke to school.",
    ):
        assert words in text, words


def test_the_record_trail_names_people_and_fields(client: Client, case: Case) -> None:
    html = _page(client, case.coordinator, case.url)
    trail = _text(html.split('id="record-trail"')[1])
    coordinator = case.coordinator.get_full_name()
    assert f"Taken for triage by: nothing → changed to {coordinator}" in trail
    assert f"{coordinator}, Northtown Academy Viewed" in trail  # who saw it, for which agency
    assert "Moved on in its workflow: Submitted to In triage" in trail
    assert "RAG rating: nothing → changed to Red" in trail
    assert "Status: Submitted → changed to In triage" in trail
    assert "Ethnicity: White: English, Welsh, Scottish, Northern Irish or British" in trail
    for raw in ("triaged_by", "white_other", "rag_due_at", "in_triage", f'"{case.coordinator.pk}"'):
        assert raw not in trail, raw
    # Folded away until asked for.
    assert '<details class="govuk-details">' in html


def test_a_change_made_on_the_pages_names_who_made_it(client: Client) -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    url = f"/referrals/{referral.reference}/"
    sign_in(client, coordinator)
    assert client.post(f"{url}steps/start_triage/").status_code == 302
    trail = _text(client.get(url).content.decode().split('id="record-trail"')[1])
    name = coordinator.get_full_name()
    assert f": the referral changed by {name} Status: Submitted → changed to In triage" in trail


def test_the_record_trail_comes_a_page_at_a_time(client: Client, case: Case) -> None:
    for n in range(12):
        note_add(referral=case.referral, actor=case.coordinator, text=f"Note {n}")
    sign_in(client, case.coordinator)
    for _ in range(11):
        client.get(case.url)
    first = client.get(case.url).content.decode()
    assert 'href="?seen=2#record-trail" rel="next"' in first
    second = client.get(f"{case.url}?seen=2").content.decode()
    assert '<details class="govuk-details" open>' in second  # the list asked for, unfolded
    assert 'href="?seen=1#record-trail" rel="prev"' in second
    # Each list keeps its own page: moving on the changes keeps the page of who has seen it.
    both = client.get(f"{case.url}?seen=2&changes=1").content.decode()
    assert 'href="?seen=2&amp;changes=1#record-trail"' in both


def record_statutory_steps(case: Case) -> None:
    """A strategy discussion, the section 47 enquiry it started and an NRM referral."""
    today = timezone.localdate()
    discussion = strategy_discussion_record(
        referral=case.referral,
        actor=case.coordinator,
        held_on=today,
        agencies=[case.referral.raised_by_agency],
        outcome="Enquiry agreed.",
        section_47=True,
    )
    section_47_record(
        referral=case.referral,
        actor=case.coordinator,
        started_on=today,
        strategy_discussion=discussion,
    )
    nrm_referral_record(
        referral=case.referral, actor=case.coordinator, referred_on=today, first_responder="Police"
    )


def test_the_page_costs_the_same_queries_however_much_the_case_holds(
    client: Client, case: Case
) -> None:
    record_statutory_steps(case)
    sign_in(client, case.coordinator)
    client.get(case.url)  # the session's first request settles its own rows
    with CaptureQueriesContext(connection) as counted:
        client.get(case.url)
    # The signed-in request, the referral read and its audit record, the steps and their
    # rules, the concern's indicators, the plan, episodes, notes, requests, disruption and
    # links with their audit record, the strategy discussions (with their agencies), section 47
    # enquiries and NRM referrals with their audit record, and the trail (a page of each, two
    # histories, names).
    assert len(counted) == PAGE_QUERIES, [q["sql"] for q in counted.captured_queries]
    for n in range(5):
        note_add(referral=case.referral, actor=case.coordinator, text=f"More {n}")
        action_add(
            referral=case.referral,
            actor=case.coordinator,
            action_type=ProtectiveActionType.objects.get(code="safety_plan"),
            owner=case.lead,
            due_on=timezone.localdate() + timedelta(days=10 + n),
        )
        record_statutory_steps(case)  # last, as before the first count: the newest events
    with CaptureQueriesContext(connection) as again:
        client.get(case.url)
    assert len(again) == len(counted)


def test_what_the_page_shows_is_recorded_as_seen(client: Client, case: Case) -> None:
    seen_before = AuditEvent.objects.filter(action=AuditAction.VIEW).count()
    _page(client, case.coordinator, case.url)
    viewed = set(
        AuditEvent.objects.filter(action=AuditAction.VIEW)
        .order_by("id")[seen_before:]
        .values_list("object_type", flat=True)
    )
    assert {"referrals.referral", "disruption.link", "disruption.disruptionactivity"} <= viewed


def test_a_referrer_sees_where_it_stands_not_the_case(client: Client, case: Case) -> None:
    text = _text(_page(client, case.referral.raised_by, case.url))
    assert "Active plan" in text and "Multi-agency plan" in text
    assert "What was decided" in text and "What happens next" in text
    assert "Agencies are working together on a plan to protect the young person" in text
    assert "The plan is under way." in text
    for hidden in (
        "Spoke to school.",
        "The concern",
        "Who has seen or changed this",
        "Dee Smith",
        "Any sightings?",
        "Red",  # the RAG rating is the coordinators' working scale
        "Next review due",
    ):
        assert hidden not in text, hidden


def test_the_referrers_view_costs_the_same_queries_however_much_the_case_holds(
    client: Client, case: Case
) -> None:
    sign_in(client, case.referral.raised_by)
    client.get(case.url)
    with CaptureQueriesContext(connection) as counted:
        client.get(case.url)
    assert len(counted) == REFERRER_QUERIES, [q["sql"] for q in counted.captured_queries]
    note_add(referral=case.referral, actor=case.coordinator, text="Another")
    with CaptureQueriesContext(connection) as again:
        client.get(case.url)
    assert len(again) == len(counted)


def test_a_referrer_is_told_when_to_expect_a_decision(client: Client) -> None:
    referral = raise_referral(member(Role.PRACTITIONER), submit=True)
    text = _text(_page(client, referral.raised_by, f"/referrals/{referral.reference}/"))
    due = timezone.localtime(referral.due_at).strftime("%A %-d %B %Y, %H:%M")
    assert f"Decision expected by {due}" in text
    assert "What was decided Nothing yet" in text
    assert "decide what happens next, normally within one working day" in text


def test_a_draft_is_its_authors_to_continue(client: Client) -> None:
    referral = raise_referral(member(Role.PRACTITIONER))
    text = _text(_page(client, referral.raised_by, f"/referrals/{referral.reference}/"))
    assert "Continue this concern : it has not been sent yet." in text
    assert "This concern has not been sent yet." in text
    assert "Decision expected" not in text and "What was decided" not in text


def test_the_chronology_shows_its_latest_entries_in_words(client: Client, case: Case) -> None:
    html = _page(client, case.coordinator, case.url)
    chronology = _text(html.split('id="chronology"')[1].split('id="record-trail"')[0])
    assert "The 3 latest entries, newest first." in chronology
    newest, *_ = chronology.split("The 3 latest entries, newest first.")[1].split(",")
    assert newest.strip() == "Disruption activity logged"
    assert "Case note added" in chronology
    assert "Timeline of this referral" in chronology


def test_information_requests_are_read_only_by_those_who_see_the_case(case: Case) -> None:
    asked = information_requests_for(referral=case.referral, actor=case.coordinator)
    assert [request.question for request in asked] == ["Any sightings?"]
    assert list(information_requests_for(referral=case.referral, actor=case.lead)) == list(asked)
    for outside in (case.referral.raised_by, member(Role.COORDINATOR)):
        assert not information_requests_for(referral=case.referral, actor=outside).exists()


def test_emergency_access_is_said_on_the_page_with_its_end(client: Client, case: Case) -> None:
    outsider = member(Role.COORDINATOR)
    access = break_glass_open(
        referral=case.referral, actor=outsider, reason="Found at the station at 2am."
    )
    text = _text(_page(client, outsider, case.url))
    until = timezone.localtime(access.expires_at).strftime("%-d %B %Y, %H:%M")
    assert f"You are seeing this referral through emergency access, until {until}." in text
    assert "through emergency access" not in _text(_page(client, case.coordinator, case.url))


def test_someone_out_of_scope_is_told_nothing(client: Client, case: Case) -> None:
    sign_in(client, member(Role.COORDINATOR))
    assert client.get(case.url).status_code == 404


def test_a_lead_professional_sees_the_case_but_not_the_trail(client: Client, case: Case) -> None:
    text = _text(_page(client, case.lead, case.url))
    assert "Staying out late" in text and "Spoke to school." in text
    assert "Who has seen or changed this" not in text
