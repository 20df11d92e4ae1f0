"""The pages for working a case in real Chromium: protective actions, missing episodes and
return home interviews, case notes, correcting the young person's details and matching them
with a record the area already knows. Each form is sent wrong first (the error summary, nothing
saved), then right (back to the case with a success banner); every page is checked by axe-core,
for a clean console and at 375 px."""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Role, User
from referrals.casework import missing_episode_end, missing_episode_start
from referrals.identity import ESTABLISHED
from referrals.models import (
    ActionStatus,
    CaseNote,
    MissingEpisode,
    ProtectiveAction,
    Referral,
    ReferralState,
    ReturnInterview,
    YoungPerson,
)
from referrals.workflow import referral_assign_lead, referral_transition
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    assert_fits_a_phone,
    fill_date,
    fill_moment,
    sign_in,
    visit,
)
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page: Any, button: str) -> None:
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def refused(page: Any, *messages: str) -> None:
    """The page came back with the error summary naming each message."""
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    for message in messages:
        assert summary.get_by_text(message).is_visible(), message
    assert_clean_console(page)
    assert_accessible(page)
    assert_fits_a_phone(page)


def done(page: Any, reference: str, banner: str) -> None:
    """Back on the case, with the success banner saying what happened."""
    assert page.url.endswith(f"/referrals/{reference}/"), page.url
    assert page.locator(".govuk-notification-banner--success").get_by_text(banner).is_visible()


def shots(page: Any, name: str) -> None:
    """With SCREENSHOT_DIR set, a picture of the page at 1280 px and at 375 px to look at."""
    if folder := os.environ.get("SCREENSHOT_DIR"):
        wide = page.viewport_size
        page.screenshot(path=f"{folder}/{name}-1280.png", full_page=True)
        page.set_viewport_size({"width": 375, "height": wide["height"]})
        page.screenshot(path=f"{folder}/{name}-375.png", full_page=True)
        page.set_viewport_size(wide)


def _in_triage(coordinator: User, **person: Any) -> Referral:
    referral = raise_referral(
        member(Role.PRACTITIONER, area=coordinator.memberships.get().area), submit=True, **person
    )
    return referral_transition(referral=referral, actor=coordinator, name="start_triage")


def test_the_other_casework_pages_are_accessible(page: Any) -> None:
    """A coordinator, during triage: corrects the young person's details, adds a note, reports
    a missing episode, records the return and why no interview was held."""
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    referral = _in_triage(coordinator, given_name="Jade", family_name="Lowe")
    person = referral.young_person
    base = f"/referrals/{referral.reference}/"
    sign_in(page, coordinator.username)

    visit(page, f"{base}young-person/correct/")
    shots(page, "correct")
    fill_date(page, "Date of birth", "31")
    submit(page, "Save the correction")
    refused(page, "Date of birth must be a real date", "Enter why the details are being corrected")
    fill_date(page, "Date of birth", date(2012, 5, 17))
    page.get_by_label("Postcode").fill("M4 5JD")
    page.get_by_label("Why are the details being corrected?").fill("Confirmed with school.")
    submit(page, "Save the correction")
    done(page, referral.reference, "Details corrected: Date of birth, Postcode")
    person.refresh_from_db()
    assert (person.date_of_birth, person.postcode) == (date(2012, 5, 17), "M4 5JD")

    visit(page, f"{base}notes/add/")
    shots(page, "note")
    submit(page, "Add the note")
    refused(page, "Enter the note")
    assert not CaseNote.objects.exists()
    page.get_by_label("Note", exact=True).fill("Spoke to her school's safeguarding lead.")
    page.get_by_label("Only my agency and the area's coordinators (restricted)").check()
    submit(page, "Add the note")
    done(page, referral.reference, "Case note added (restricted)")
    assert CaseNote.objects.get().restricted

    visit(page, f"{base}missing/add/")
    shots(page, "missing")
    fill_moment(page, "When did they go missing?", timezone.localtime() + timedelta(days=1))
    submit(page, "Report the missing episode")
    refused(page, "Enter who reported them missing")
    page.get_by_label("Who reported them missing?").fill("Foster carer")
    submit(page, "Report the missing episode")
    refused(page, "The time must be now or in the past")
    assert not MissingEpisode.objects.exists()
    went = timezone.localtime() - timedelta(hours=3)
    fill_moment(page, "When did they go missing?", went)
    submit(page, "Report the missing episode")
    done(page, referral.reference, "Missing episode reported")
    episode = MissingEpisode.objects.get()

    visit(page, f"{base}missing/{episode.pk}/return/")
    fill_moment(page, "When did they return?", went - timedelta(hours=1))
    submit(page, "Record the return")
    refused(page, "The return must be after they went missing")
    fill_moment(page, "When did they return?", timezone.localtime())
    submit(page, "Record the return")
    done(page, referral.reference, "Return recorded: the return home interview is due by")

    visit(page, f"{base}missing/{episode.pk}/interview/")
    submit(page, "Continue")
    refused(page, "Say whether the interview was held")
    page.get_by_role("radio", name="No").check()
    submit(page, "Continue")
    submit(page, "Save")
    refused(page, "Enter why no interview was held")
    page.get_by_label("Why was it not held?").fill("They declined to meet.")
    submit(page, "Save")
    done(page, referral.reference, "Why no interview was held is recorded")
    episode.refresh_from_db()
    assert episode.interview == ReturnInterview.NOT_HELD

    visit(page, f"/young-people/{person.pk}/timeline/")
    assert page.get_by_role("heading", name="Returned from missing").is_visible()


def test_protective_actions_and_a_held_return_home_interview(page: Any) -> None:
    """On an active plan: the coordinator adds an action and records a held interview; the
    action's owner records its outcome."""
    area = AreaFactory.create()
    agency = AgencyFactory.create(areas=[area], name="Northtown Youth Service")
    coordinator = member(Role.COORDINATOR, area=area)
    lead = member(Role.LEAD_PROFESSIONAL, area=area, agency=agency)
    referral = referral_transition(
        referral=_in_triage(coordinator),
        actor=coordinator,
        name="decide",
        inputs={"decision": "multi_agency_plan", "reason": "Significant indicators."},
    )
    referral_assign_lead(
        referral=referral, actor=coordinator, agency=agency, lead_professional=lead
    )
    went = timezone.now() - timedelta(days=1)
    episode = missing_episode_end(
        episode=missing_episode_start(
            referral=referral, actor=coordinator, started_at=went, reported_by="Carer"
        ),
        actor=coordinator,
        ended_at=went + timedelta(hours=4),
    )
    base = f"/referrals/{referral.reference}/"
    sign_in(page, coordinator.username)

    visit(page, f"{base}actions/add/")
    page.get_by_label("Action", exact=True).select_option(label="Safety plan")
    fill_date(page, "Due by", "31")
    submit(page, "Add the action")
    refused(page, "Choose who owns the action", "Due by must be a real date")
    shots(page, "action")
    fill_date(page, "Due by", date(2020, 1, 1))
    page.get_by_label(f"{lead.get_full_name()} (Northtown Youth Service)").check()
    submit(page, "Add the action")
    refused(page, "The due date must be today or in the future")
    assert not ProtectiveAction.objects.exists()
    due = timezone.localdate() + timedelta(days=7)
    fill_date(page, "Due by", due)
    submit(page, "Add the action")
    done(
        page,
        referral.reference,
        f"Protective action added: Safety plan, owned by {lead.get_full_name()}, "
        f"due by {due:%-d %B %Y}",
    )

    visit(page, f"{base}missing/{episode.pk}/interview/")
    page.get_by_role("radio", name="Yes").check()
    submit(page, "Continue")
    assert page.url.endswith("/interview/held/")
    submit(page, "Save")
    refused(page, "Enter who held the interview", "Enter the date it was held")
    page.get_by_label("Who held it?").fill("Return worker")
    fill_date(page, "When was it held?", timezone.localdate())
    page.get_by_label("What was learnt").fill("Stayed with an older friend in town.")
    submit(page, "Save")
    done(page, referral.reference, "Return home interview recorded")
    episode.refresh_from_db()
    assert episode.interview == ReturnInterview.HELD

    action = ProtectiveAction.objects.get()
    page.context.clear_cookies()
    sign_in(page, lead.username)
    visit(page, f"{base}actions/{action.pk}/")
    page.get_by_role("radio", name="Cancelled").check()
    submit(page, "Save")
    refused(page, "Enter the outcome, or why it was cancelled")
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    page.get_by_role("radio", name="Done").check()
    page.get_by_label("Outcome, or why it was cancelled").fill("Safety plan agreed with her.")
    submit(page, "Save")
    done(page, referral.reference, "Action done: Safety plan")
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


def test_matching_compares_the_records_and_asks_before_linking(page: Any) -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    born: dict[str, Any] = {"date_of_birth": date(2011, 3, 4), "postcode": "M1 1AA"}
    known = raise_referral(
        member(Role.PRACTITIONER, area=area),
        submit=True,
        given_name="Amira",
        family_name="Khan",
        school="Hill High School",
        **born,
    )
    referral = _in_triage(coordinator, given_name="Amira", family_name="Kahn", **born)
    sharing = raise_referral(known.raised_by, submit=True)
    own_record = sharing.young_person
    base = f"/referrals/{referral.reference}/young-person/matches/"
    sign_in(page, coordinator.username)

    visit(page, base)
    assert page.get_by_role("heading", name="Possible match 1: Amira Khan").is_visible()
    assert page.get_by_text("Names alike: Amira Kahn and Amira Khan").is_visible()
    shots(page, "matches")
    submit(page, "Continue")
    refused(page, "Choose a record, or say this is a new young person")
    page.get_by_label("Yes, the same as possible match 1").check()
    submit(page, "Continue")
    assert page.get_by_role("heading", name="Check before you link the records").is_visible()
    assert_accessible(page)
    assert_fits_a_phone(page)
    assert page.get_by_text(f"already has an open referral, {known.reference}").is_visible()
    shots(page, "confirm")
    # Meanwhile another referral lands on the new record: it is established, so linking it
    # away is refused and the merge (compared side by side) offered instead.
    Referral.objects.filter(pk=sharing.pk).update(young_person=referral.young_person)
    submit(page, "Confirm: they are the same young person")
    refused(page, ESTABLISHED)
    assert page.get_by_role("button", name="Compare the records to merge them").is_visible()
    referral.refresh_from_db()
    assert referral.young_person_id != known.young_person_id

    Referral.objects.filter(pk=sharing.pk).update(young_person=own_record)
    visit(page, f"{base}{known.young_person_id}/")
    submit(page, "Confirm: they are the same young person")
    done(page, known.reference, f"{referral.reference} is now recorded against")
    referral.refresh_from_db()
    assert (referral.young_person_id, referral.state) == (
        known.young_person_id,
        ReferralState.MERGED,
    )
    assert YoungPerson.objects.get(pk=own_record.pk).merged_into is None
    page.get_by_role("link", name="the existing record of Amira Khan").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/young-people/{known.young_person_id}/timeline/")
