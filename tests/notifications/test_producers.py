"""Who is told of each step of a referral, in which words, and that a step that fails (or is
rolled back) tells nobody."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role
from notifications.models import Notification, NotificationKind
from referrals.models import Referral, ReferralState
from referrals.signals import referral_step_taken
from referrals.workflow import referral_assign_lead, referral_submit
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral

from .producing import (
    REASON,
    YOUNG_PERSON,
    World,
    no_personal_details,  # noqa: F401  (a fixture)
    people,
    told,
    world,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("no_personal_details"),
]

Kind = NotificationKind


@pytest.fixture
def w() -> World:
    return world()


def when(moment: Any) -> str:
    return f"{timezone.localtime(moment):%H:%M on %A %-d %B %Y}"


def detail_url(referral: Referral) -> str:
    return reverse("frontend:referral-detail", args=[referral.reference])


# --- submission and rating -------------------------------------------------------------------


def test_a_concern_tells_the_areas_coordinators_and_acknowledges_the_referrer(w: World) -> None:
    referral = w.concern()

    coordinators = told(Kind.CONCERN_SUBMITTED)
    assert set(coordinators) == people(w.coordinator, w.colleague)
    notice = coordinators[w.coordinator.pk]
    assert notice.title == f"Concern {referral.reference} submitted"
    assert notice.body == (
        f"Raised by {w.raising_agency.name}. "
        f"A triage decision is due by {when(referral.triage_due_at)}."
    )
    assert not notice.urgent
    assert (notice.url, notice.referral_id, notice.area_id) == (
        detail_url(referral),
        referral.pk,
        w.area.pk,
    )
    assert notice.event_key == f"concern_submitted:{referral.pk}"

    acknowledgement = told(Kind.REFERRAL_ACKNOWLEDGED)
    assert set(acknowledgement) == people(w.practitioner)
    assert acknowledgement[w.practitioner.pk].title == (
        f"Your concern {referral.reference} was received by the area's coordinators"
    )
    # Nobody else: not the raiser's colleagues, police, board, administration, other areas,
    # nor a deactivated account or an ended role.
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == people(
        w.coordinator, w.colleague, w.practitioner
    )


def test_a_concern_in_immediate_danger_is_urgent_and_rated_red(w: World) -> None:
    referral = w.concern(immediate_danger=True)
    coordinators = told(Kind.CONCERN_SUBMITTED)
    assert set(coordinators) == people(w.coordinator, w.colleague)
    for notice in coordinators.values():
        assert notice.urgent
        assert notice.title == (
            f"Concern {referral.reference} submitted: immediate danger, rated Red"
        )
        assert notice.body.endswith(f"A triage decision is due by {when(referral.rag_due_at)}.")
    assert not told(Kind.REFERRAL_ACKNOWLEDGED)[w.practitioner.pk].urgent


def test_a_lone_coordinator_is_named_alone_in_the_acknowledgement() -> None:
    area = AreaFactory.create()
    member(Role.COORDINATOR, area=area)
    practitioner = member(Role.PRACTITIONER, area=area)
    referral = raise_referral(practitioner, submit=True, **YOUNG_PERSON)
    assert told(Kind.REFERRAL_ACKNOWLEDGED)[practitioner.pk].title == (
        f"Your concern {referral.reference} was received by the area's coordinator"
    )


def test_a_concern_that_cannot_be_submitted_tells_nobody(w: World) -> None:
    draft = w.concern(submit=False, narrative="")
    with pytest.raises(ValidationError):
        referral_submit(referral=draft, actor=w.practitioner)
    assert not Notification.objects.exists()


@pytest.fixture
def failing_after_notifications() -> Iterator[None]:
    """A later receiver of the step that fails: the step's transaction rolls back."""

    def fail(**kwargs: Any) -> None:
        raise RuntimeError("a later part of the step failed")

    referral_step_taken.connect(fail, dispatch_uid="test.fail")
    yield
    referral_step_taken.disconnect(dispatch_uid="test.fail")


@pytest.mark.usefixtures("failing_after_notifications")
def test_notifications_roll_back_with_the_step_that_made_them(w: World) -> None:
    draft = w.concern(submit=False)
    with pytest.raises(RuntimeError):
        referral_submit(referral=draft, actor=w.practitioner)
    assert Referral.objects.get(pk=draft.pk).state == ReferralState.DRAFT
    assert not Notification.objects.exists()


def test_rating_a_concern_red_tells_the_other_coordinators_urgently(w: World) -> None:
    referral = w.concern()
    w.step(referral, "start_triage")
    w.step(referral, "set_rag", rag="red", reason=REASON)
    referral.refresh_from_db()

    red = [n for n in Notification.objects.filter(kind=Kind.CONCERN_SUBMITTED) if n.urgent]
    assert {n.recipient_id for n in red} == people(w.colleague)  # not the one who rated it
    (notice,) = red
    assert notice.title == f"Concern {referral.reference} rated Red"
    hours = w.area.rag_red_working_hours
    assert notice.body == (
        f"A decision is due within {hours} working hours: by {when(referral.rag_due_at)}."
    )

    # Amber tells nobody; Red again is a new rating, told again; a refused rating tells none.
    w.step(referral, "set_rag", rag="amber", reason=REASON)
    with pytest.raises(ValidationError):
        w.step(referral, "set_rag", rag="red", reason="")
    assert Notification.objects.filter(kind=Kind.CONCERN_SUBMITTED, urgent=True).count() == 1
    w.step(referral, "set_rag", rag="red", reason=REASON, actor=w.colleague)
    again = Notification.objects.filter(kind=Kind.CONCERN_SUBMITTED, urgent=True)
    assert sorted(again.values_list("recipient_id", flat=True)) == sorted(
        [w.colleague.pk, w.coordinator.pk]
    )


# --- what the referrer hears -----------------------------------------------------------------


def test_the_referrer_hears_the_decision_in_their_own_terms(w: World) -> None:
    referral = w.concern()
    w.step(referral, "start_triage")
    with pytest.raises(ValidationError):
        w.step(referral, "decide", decision="statutory_referral", reason=REASON)
    assert not told(Kind.REFERRAL_DECIDED)
    w.step(
        referral,
        "decide",
        decision="statutory_referral",
        statutory_type="s47",
        external_reference="CSC-4471",
        reason=REASON,
    )

    decided = told(Kind.REFERRAL_DECIDED)
    assert set(decided) == people(w.practitioner)
    notice = decided[w.practitioner.pk]
    assert notice.title == (
        f"Decision on your concern {referral.reference}: "
        "Statutory referral to children's social care"
    )
    assert notice.body == "The referral is now closed."
    assert notice.url == detail_url(referral)
    text = f"{notice.title} {notice.body}"
    for secret in ("CSC-4471", "Section 47", "s47", REASON, "police"):
        assert secret not in text


def test_closing_an_active_plan_tells_the_referrer_the_outcome(w: World) -> None:
    referral = w.to_plan(w.concern())
    decided = told(Kind.REFERRAL_DECIDED)[w.practitioner.pk]
    assert decided.title.endswith(": Multi-agency plan")
    assert decided.body == "The referral stays open while the agencies work on it."
    with pytest.raises(ValidationError):
        w.step(referral, "close", outcome="risk_reduced", reason="")
    assert not told(Kind.REFERRAL_CLOSED)
    w.step(referral, "close", outcome="risk_reduced", reason=REASON)
    closed = told(Kind.REFERRAL_CLOSED)
    assert set(closed) == people(w.practitioner)
    assert closed[w.practitioner.pk].title == (
        f"Referral {referral.reference} you raised is closed: risk reduced"
    )
    assert REASON not in closed[w.practitioner.pk].body

    # Reopened, decided and closed again: each is a new event, told again.
    w.step(referral, "reopen", reason=REASON)
    w.step(referral, "decide", decision="multi_agency_plan", reason=REASON)
    w.step(referral, "close", outcome="turned_18", reason=REASON)
    titles = Notification.objects.filter(kind=Kind.REFERRAL_CLOSED).values_list("title", flat=True)
    assert sorted(titles) == sorted(
        [
            f"Referral {referral.reference} you raised is closed: risk reduced",
            f"Referral {referral.reference} you raised is closed: turned 18",
        ]
    )
    assert Notification.objects.filter(kind=Kind.REFERRAL_DECIDED).count() == 2


def test_a_duplicate_merged_away_is_closed_for_its_referrer(w: World) -> None:
    kept = w.concern()
    duplicate = raise_referral(w.other_practitioner, submit=True, **YOUNG_PERSON)
    with pytest.raises(ValidationError):
        w.step(duplicate, "merge", into="R00-000000", reason=REASON)
    w.step(duplicate, "merge", into=kept.reference, reason=REASON)
    closed = told(Kind.REFERRAL_CLOSED)
    assert set(closed) == people(w.other_practitioner)  # not the kept referral's referrer
    notice = closed[w.other_practitioner.pk]
    assert notice.title == f"Referral {duplicate.reference} you raised is closed as a duplicate"
    assert kept.reference not in f"{notice.title} {notice.body}"


def test_a_coordinator_is_not_told_of_their_own_decision_on_their_own_concern(w: World) -> None:
    referral = raise_referral(w.coordinator, submit=True, **YOUNG_PERSON)
    assert set(told(Kind.CONCERN_SUBMITTED)) == people(w.colleague)
    assert set(told(Kind.REFERRAL_ACKNOWLEDGED)) == people(w.coordinator)
    w.step(referral, "start_triage")
    w.step(referral, "decide", decision="no_further_action", reason=REASON)
    assert not told(Kind.REFERRAL_DECIDED)
    w.step(referral, "reopen", reason=REASON, actor=w.colleague)
    w.step(referral, "decide", decision="advice_and_signposting", reason=REASON, actor=w.colleague)
    assert told(Kind.REFERRAL_DECIDED)[w.coordinator.pk].title.endswith(": Advice and signposting")


def test_the_referrer_is_not_told_once_their_account_is_deactivated(w: World) -> None:
    referral = w.concern()
    w.practitioner.is_active = False
    w.practitioner.save(update_fields=["is_active"])
    w.step(referral, "start_triage")
    w.step(referral, "decide", decision="no_further_action", reason=REASON)
    assert not told(Kind.REFERRAL_DECIDED)


# --- lead professionals and information requests --------------------------------------------


def test_naming_a_lead_professional_tells_them_alone(w: World) -> None:
    referral = w.to_plan(w.concern())
    health = AgencyFactory.create(name="Exampleton Health", areas=[w.area])
    lead = member(Role.LEAD_PROFESSIONAL, area=w.area, agency=health)
    their_colleague = member(Role.LEAD_PROFESSIONAL, area=w.area, agency=health)
    stranger = member(Role.LEAD_PROFESSIONAL, area=w.area)

    referral_assign_lead(referral=referral, actor=w.coordinator, agency=health)
    assert not told(Kind.LEAD_ASSIGNED)  # the agency alone: nobody named
    with pytest.raises(ValidationError):
        referral_assign_lead(
            referral=referral, actor=w.coordinator, agency=health, lead_professional=stranger
        )
    assert not told(Kind.LEAD_ASSIGNED)

    referral_assign_lead(
        referral=referral, actor=w.coordinator, agency=health, lead_professional=lead
    )
    named = told(Kind.LEAD_ASSIGNED)
    assert set(named) == people(lead)
    assert their_colleague.pk not in named
    assert named[lead.pk].title == (
        f"You are the lead professional for Exampleton Health on referral {referral.reference}"
    )
    assert named[lead.pk].url == detail_url(referral)


def test_an_information_request_goes_to_those_who_answer_for_the_agency(w: World) -> None:
    referral = w.concern()
    w.step(referral, "start_triage")
    raisers_lead = member(Role.LEAD_PROFESSIONAL, area=w.area, agency=w.raising_agency)
    due = (timezone.localdate() + timedelta(days=3)).isoformat()

    def ask(agency_id: int) -> dict[int, Notification]:
        w.step(referral, "request_information", agency=str(agency_id), question=REASON, due_on=due)
        latest = referral.information_requests.order_by("-pk").first()
        assert latest is not None
        told = Notification.objects.filter(event_key=f"information_requested:{latest.pk}")
        assert {n.url for n in told} <= {f"/information-requests/{latest.pk}/"}
        return {n.recipient_id: n for n in told}

    # The agency's safeguarding lead answers for it; its lead professionals and practitioners
    # do not, while none of them is named on the case.
    first = ask(w.raising_agency.pk)
    assert set(first) == people(w.safeguarding_lead)
    notice = first[w.safeguarding_lead.pk]
    assert notice.title == (
        f"Information requested from {w.raising_agency.name} on referral {referral.reference}"
    )
    assert notice.body == f"Reply by {timezone.localdate() + timedelta(days=3):%-d %B %Y}."
    assert REASON not in notice.body
    referral_assign_lead(referral=referral, actor=w.coordinator, agency=w.raising_agency)
    assert set(ask(w.raising_agency.pk)) == people(w.safeguarding_lead)

    # Its lead professional named on the case: them too.
    referral_assign_lead(
        referral=referral,
        actor=w.coordinator,
        agency=w.raising_agency,
        lead_professional=raisers_lead,
    )
    assert set(ask(w.raising_agency.pk)) == people(w.safeguarding_lead, raisers_lead)

    # Another agency's safeguarding lead, who sees nothing of the case, is told of the request.
    other = AgencyFactory.create(areas=[w.area])
    others_lead = member(Role.AGENCY_SAFEGUARDING_LEAD, area=w.area, agency=other)
    assert set(ask(other.pk)) == people(others_lead)
    # An agency with nobody to answer: nobody is told.
    assert ask(AgencyFactory.create(areas=[w.area]).pk) == {}
    before = Notification.objects.count()
    with pytest.raises(ValidationError):
        w.step(referral, "request_information", agency=str(w.raising_agency.pk), question="")
    assert Notification.objects.count() == before


# --- transfers -------------------------------------------------------------------------------


def test_a_transfer_is_offered_to_the_receiving_area_and_answered_to_the_sending_one(
    w: World,
) -> None:
    receiving_colleague = member(Role.COORDINATOR, area=w.other_area)
    referral = w.to_plan(w.concern())
    with pytest.raises(ValidationError):
        w.step(referral, "transfer", area=str(w.other_area.pk), reason="")
    assert not told(Kind.TRANSFER_OFFERED)
    w.step(referral, "transfer", area=str(w.other_area.pk), reason=REASON)

    offered = told(Kind.TRANSFER_OFFERED)
    assert set(offered) == people(w.elsewhere, receiving_colleague)
    notice = offered[w.elsewhere.pk]
    assert notice.title == f"Transfer offered to your area: referral {referral.reference}"
    assert notice.body == f"{w.area.name} asks your area to take the case. Accept or decline it."
    assert notice.area_id == w.other_area.pk
    assert notice.url == detail_url(referral)

    w.step(referral, "accept_transfer", actor=w.elsewhere)
    accepted = told(Kind.TRANSFER_ACCEPTED)
    assert set(accepted) == people(w.coordinator, w.colleague)  # not the receiving area
    assert accepted[w.coordinator.pk].title == (
        f"Transfer of referral {referral.reference} accepted by {w.other_area.name}"
    )
    # The referrer hears that it moved area, without where to.
    closed = told(Kind.REFERRAL_CLOSED)
    assert set(closed) == people(w.practitioner)
    assert closed[w.practitioner.pk].title == (
        f"Referral {referral.reference} you raised is closed: moved area"
    )
    assert w.other_area.name not in closed[w.practitioner.pk].title


def test_a_declined_transfer_is_told_to_the_sending_areas_coordinators(w: World) -> None:
    referral = w.to_plan(w.concern())
    w.step(referral, "transfer", area=str(w.other_area.pk), reason=REASON)
    with pytest.raises(ValidationError):
        w.step(referral, "decline_transfer", actor=w.elsewhere, reason="")
    assert not told(Kind.TRANSFER_DECLINED)
    w.step(referral, "decline_transfer", actor=w.elsewhere, reason=REASON)
    declined = told(Kind.TRANSFER_DECLINED)
    assert set(declined) == people(w.coordinator, w.colleague)
    assert declined[w.colleague.pk].title == (f"Transfer of referral {referral.reference} declined")
    assert declined[w.colleague.pk].body == "The case stays with your area (active plan)."
    assert REASON not in declined[w.colleague.pk].body
    assert not told(Kind.REFERRAL_CLOSED)
