"""The records management pages: the schedule, records to review (keep longer, or approve
after checking the answers) and legal holds."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from agencies.models import Agency, Role, User
from audit.models import AuditAction, AuditEvent
from records.models import (
    HoldScope,
    LegalHold,
    RecordKind,
    RetentionReview,
    ReviewStatus,
    Tombstone,
)
from records.review_job import retention_review_run
from records.services import hold_place, hold_release
from referrals.models import YoungPerson
from tests.factories import AreaFactory, member, sign_in
from tests.records.world import KEEP_UNTIL, OLD, OLD_MONTH, TODAY, World, build_world, sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def _client(user: User) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def test_the_schedule_is_read_by_the_areas_roles_and_changed_by_its_keepers(
    world: World, django_assert_max_num_queries: Any
) -> None:
    base = f"/records/{world.area.ons_code}/"
    coordinator = _client(world.coordinator)
    assert coordinator.get("/records/")["Location"] == base
    with django_assert_max_num_queries(12):
        page = coordinator.get(base).content.decode()
    assert "The young person&#x27;s 25th birthday" in page and "National default" in page
    assert f"{base}schedule/young_person/" in page
    # A card a kind, not a table whose reasons would shrink to a word a line on a phone.
    assert '<h2 class="govuk-summary-card__title">Persons of concern</h2>' in page
    assert "<table" not in page

    police = _client(world.police_lead).get(base).content.decode()
    assert "Retention schedule" in police and "schedule/young_person/" not in police
    assert _client(world.police_lead).get(f"{base}schedule/person/").status_code == 403
    assert _client(member(Role.PRACTITIONER, area=world.area)).get(base).status_code == 403
    assert _client(member(Role.COORDINATOR, area=AreaFactory.create())).get(base).status_code == 404

    administrator = _client(world.administrator)
    url = f"{base}schedule/young_person/"
    form = administrator.get(url).content.decode()
    # The rule in force is answered already: changing one answer keeps the others.
    assert 'value="age" checked' in form and 'value="review" checked' in form
    invalid = administrator.post(url, {"trigger": "age", "number": "", "action": "anonymise"})
    assert (
        invalid.status_code == 200
        and "Enter the age or number of years" in invalid.content.decode()
    )
    done = administrator.post(
        url,
        {
            "trigger": "age",
            "number": "30",
            "action": "anonymise",
            "justification": "Kept longer for survivors of abuse.",
        },
        follow=True,
    )
    page = done.content.decode()
    assert "Retention schedule changed" in page and "30th birthday" in page
    world.area.refresh_from_db()
    assert world.area.retention_review_age_years == 30


def test_a_coordinator_reviews_checks_and_approves(
    world: World, django_assert_max_num_queries: Any
) -> None:
    retention_review_run(today=TODAY)
    review = RetentionReview.objects.get(kind=RecordKind.YOUNG_PERSON)
    coordinator = _client(world.coordinator)
    base = f"/records/{world.area.ons_code}/reviews/"
    with django_assert_max_num_queries(16):
        page = coordinator.get(base).content.decode()
    assert "Amira Khan" in page and "Dan Smith" not in page  # intelligence is the police's
    assert AuditEvent.objects.filter(
        actor=world.coordinator,
        action=AuditAction.VIEW,
        object_type="referrals.youngperson",
        object_id=str(world.young_person.pk),
    ).exists()
    police = _client(world.police_lead).get(base).content.decode()
    assert "Dan Smith" in police and "Amira" not in police

    url = f"{base}{review.pk}/approve/"
    assert "Choose what happens to the record" in coordinator.post(url, {}).content.decode()
    check = coordinator.post(url, {"action": "anonymise"}).content.decode()
    assert "Check before you approve" in check and "Confirm" in check
    assert YoungPerson.objects.get(pk=world.young_person.pk).given_name == "Amira"  # not yet

    done = coordinator.post(url, {"action": "anonymise", "confirm": "yes"}, follow=True)
    assert "Young people and their referrals: record anonymised" in done.content.decode()
    assert YoungPerson.objects.get(pk=world.young_person.pk).given_name == "Removed"
    assert Tombstone.objects.filter(review=review, approved_by=world.coordinator).exists()
    assert coordinator.get(f"{base}{review.pk}/").status_code == 404  # decided
    with django_assert_max_num_queries(14):  # one for the approvers' agencies, whatever the rows
        erased = coordinator.get(f"/records/{world.area.ons_code}/erased/").content.decode()
    assert "Young people and their referrals" in erased and "Anonymised" in erased
    assert "uploaded files: 1" in erased  # what the erasure took, counted
    assert f"(record {world.young_person.pk})" not in erased  # no internal number
    assert "Amira" not in erased
    # The approver by name and the agency they act for in the area.
    agency = Agency.objects.get(memberships__user=world.coordinator, memberships__area=world.area)
    assert f"{world.coordinator.get_full_name()}, {agency.name}" in erased


def test_a_record_is_kept_longer_with_a_reason_and_a_date(world: World) -> None:
    retention_review_run(today=TODAY)
    review = RetentionReview.objects.get(kind=RecordKind.PERSON)
    police = _client(world.police_lead)
    reviews = f"/records/{world.area.ons_code}/reviews/"
    # Where a hold is the answer, its page is a link away for those who place holds.
    asks = police.get(f"{reviews}{review.pk}/").content.decode()
    assert "ask a coordinator or an area administrator to place a legal hold" in asks
    assert "/holds/new/" not in asks
    assert "Dan Smith</dd>" in asks  # its kind said once, in its own row
    young = RetentionReview.objects.get(kind=RecordKind.YOUNG_PERSON)
    places = _client(world.coordinator).get(f"{reviews}{young.pk}/").content.decode()
    assert f'href="/records/{world.area.ons_code}/holds/new/">place a legal hold</a>' in places
    url = f"/records/{world.area.ons_code}/reviews/{review.pk}/keep/"
    invalid = police.post(
        url,
        {"reason": "", "keep_until_day": "1", "keep_until_month": "1", "keep_until_year": "9999"},
    )
    assert "Enter why the record is kept longer" in invalid.content.decode()
    done = police.post(
        url,
        {
            "reason": "The prosecution is still under way.",
            "keep_until_day": str(KEEP_UNTIL.day),
            "keep_until_month": str(KEEP_UNTIL.month),
            "keep_until_year": str(KEEP_UNTIL.year),
        },
        follow=True,
    )
    assert f"Record kept until {KEEP_UNTIL:%-d %B %Y}" in done.content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.EXTENDED


def test_holds_are_placed_listed_and_released(
    world: World, django_assert_max_num_queries: Any
) -> None:
    administrator = _client(world.administrator)
    base = f"/records/{world.area.ons_code}/holds/"
    assert "No legal holds" in administrator.get(base).content.decode()
    form = administrator.get(f"{base}new/").content.decode()
    # The reference is asked under "A referral", the record under its own answer.
    assert 'value="referral" data-aria-controls="hold-referral"' in form
    assert form.index('id="hold-referral"') < form.index('name="reference"')
    assert form.index('id="hold-record"') < form.index('name="record"')
    invalid = administrator.post(f"{base}new/", {"what": "referral", "reference": "R00-1"})
    assert "Enter the reference of a referral of this area" in invalid.content.decode()
    assert "Enter why the records are held" in invalid.content.decode()
    done = administrator.post(
        f"{base}new/",
        {
            "what": "referral",
            "reference": world.referral.reference.lower(),
            "reason": "Operation Bluebell prosecution.",
        },
        follow=True,
    )
    assert f"Legal hold placed: Referral {world.referral.reference}" in done.content.decode()
    hold = LegalHold.objects.get()
    released = hold_place(
        actor=world.coordinator,
        area=world.area,
        scope=HoldScope.AREA,
        record_id=None,
        reason="An inquiry that has reported.",
        ends_on=None,
    )
    hold_release(actor=world.coordinator, hold=released, reason="The inquiry has reported.")
    hold_place(
        actor=world.coordinator,
        area=world.area,
        scope=HoldScope.PERSON,
        record_id=world.person.pk,
        reason="Operation Bluebell prosecution.",
        ends_on=None,
    )
    police = _client(world.police_lead)
    # Whatever the rows: the people's agencies, the named records, recording them as seen.
    with django_assert_max_num_queries(17):
        page = police.get(base).content.decode()
    assert f"Referral {world.referral.reference}" in page and "/release/" not in page
    agency = Agency.objects.get(memberships__user=world.coordinator, memberships__area=world.area)
    assert f"by {world.coordinator.get_full_name()}, {agency.name}" in page  # name and agency
    # The police lead sees the held person of concern by name, recorded as seen; the area
    # administrator, who may not see the record, by its number.
    assert "A person of concern: Dan Smith" in page
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, actor=world.police_lead, object_id=str(world.person.pk)
    ).exists()
    listed = administrator.get(base).content.decode()
    assert f"A person of concern (record {world.person.pk})" in listed
    assert "Dan Smith" not in listed
    # In force first, newest first; released last.
    rows = [
        page.index(text)
        for text in ("A person of concern", f"Referral {world.referral.reference}", ">Released<")
    ]
    assert rows == sorted(rows)

    release = f"{base}{hold.pk}/release/"
    # A card a hold, its release link in the card's actions (in view on a phone), not a table.
    mine = _client(world.coordinator).get(base).content.decode()
    assert f'<li class="govuk-summary-card__action"><a class="govuk-link" href="{release}">' in mine
    assert "<table" not in mine
    assert (
        _client(world.police_lead).post(release, {"reason": "Trial over now."}).status_code == 403
    )
    coordinator = _client(world.coordinator)
    assert (
        "Give a reason of at least 10"
        in coordinator.post(release, {"reason": "over"}).content.decode()
    )
    done = coordinator.post(release, {"reason": "The trial has ended."}, follow=True)
    assert "Legal hold released" in done.content.decode()
    hold.refresh_from_db()
    assert hold.released_by == world.coordinator


@pytest.mark.parametrize(
    ("role", "schedule", "reviews", "holds"),
    [
        (Role.COORDINATOR, 200, 200, 200),
        (Role.POLICE_LEAD, 200, 200, 200),
        (Role.AREA_ADMINISTRATOR, 200, 403, 200),
        (Role.BOARD_MEMBER, 200, 403, 403),
        (Role.LEAD_PROFESSIONAL, 403, 403, 403),
        (Role.PRACTITIONER, 403, 403, 403),
    ],
)
def test_who_opens_which_page(role: Role, schedule: int, reviews: int, holds: int) -> None:
    area = AreaFactory.create()
    client = _client(member(role, area=area))
    base = f"/records/{area.ons_code}/"
    answers = [client.get(f"{base}{page}").status_code for page in ("", "reviews/", "holds/")]
    assert answers == [schedule, reviews, holds]


def test_the_home_page_tells_each_reviewer_what_waits_for_them(world: World) -> None:
    reviews = f'href="/records/{world.area.ons_code}/reviews/">Review records</a>'
    coordinator = _client(world.coordinator)
    home = coordinator.get("/").content.decode()
    assert "No record is waiting for review under the retention schedule." in home
    assert reviews in home

    retention_review_run(today=TODAY)  # a young person for the coordinator, intelligence for police
    home = coordinator.get("/").content.decode()
    assert "1 record has reached its review under the retention schedule." in home
    police = _client(world.police_lead).get("/").content.decode()
    assert "1 record has reached its review under the retention schedule." in police
    assert "Records to review" not in _client(world.administrator).get("/").content.decode()

    hold_place(
        actor=world.coordinator,
        area=world.area,
        scope=HoldScope.AREA,
        record_id=None,
        reason="Independent inquiry moratorium.",
        ends_on=None,
    )
    home = coordinator.get("/").content.decode()
    assert "No record is waiting for review under the retention schedule." in home


def test_every_kind_is_on_the_schedule_and_the_fixed_kinds_are_not_changed(world: World) -> None:
    base = f"/records/{world.area.ons_code}/"
    coordinator = _client(world.coordinator)
    page = coordinator.get(base).content.decode()
    for label in (
        "Case notes",
        "Documents on a case",
        "MACE meeting minutes",
        "Strategy library documents",
        "Notifications and emails",
        "National returns",
        "The audit trail",
    ):
        assert f'<h2 class="govuk-summary-card__title">{label}</h2>' in page
    assert "90 days after the end of the month it was sent in" in page
    assert "With the young person&#x27;s record" in page
    assert "Keep: never erased" in page and "hash-chained" in page
    assert f"{base}schedule/notification/" in page
    assert f"{base}schedule/audit/" not in page and f"{base}schedule/note/" not in page
    assert coordinator.get(f"{base}schedule/audit/").status_code == 404

    url = f"{base}schedule/notification/"
    form = coordinator.get(url).content.decode()
    assert "Number of days" in form and 'value="90"' in form
    done = coordinator.post(
        url,
        {
            "trigger": "days_after_created",
            "number": "365",
            "action": "delete",
            "justification": "A year, to trace alerts in the annual audit.",
        },
        follow=True,
    )
    assert "365 days after the end of the month it was sent in" in done.content.decode()


def test_a_month_of_notifications_is_reviewed_and_deleted(world: World) -> None:
    sent(world, OLD)
    retention_review_run(today=TODAY)
    review = RetentionReview.objects.get(kind=RecordKind.NOTIFICATION)
    assert review.record_id == OLD_MONTH
    coordinator = _client(world.coordinator)
    base = f"/records/{world.area.ons_code}/reviews/"
    words = f"Notifications and emails of {OLD:%B %Y}"
    assert words in coordinator.get(base).content.decode()
    assert words in coordinator.get(f"{base}{review.pk}/").content.decode()
    url = f"{base}{review.pk}/approve/"
    check = coordinator.post(url, {"action": "delete"}).content.decode()
    assert "Every notification and email of the area sent that month" in check
    done = coordinator.post(url, {"action": "delete", "confirm": "yes"}, follow=True)
    assert "Notifications and emails: record deleted" in done.content.decode()
    erased = coordinator.get(f"/records/{world.area.ons_code}/erased/").content.decode()
    assert "notifications and emails: 1" in erased
