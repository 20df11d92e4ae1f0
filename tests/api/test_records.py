"""The records management API: the retention schedule, reviews and legal holds."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Role, User
from records.models import LegalHold, RecordKind, RetentionReview, ReviewStatus
from records.review_job import retention_review_run
from referrals.models import YoungPerson
from tests.factories import AreaFactory, member, sign_in
from tests.records.world import KEEP_UNTIL, OLD, TODAY, World, build_world, sent

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


@pytest.fixture
def world() -> World:
    return build_world()


def test_the_schedule_is_listed_and_changed(
    world: World, django_assert_max_num_queries: Any
) -> None:
    url = f"/api/v1/areas/{world.area.ons_code}/retention-schedule/"
    police = api(world.police_lead)
    with django_assert_max_num_queries(10):
        rows = police.get(url).json()
    young = next(r for r in rows if r["kind"] == "young_person")
    assert (young["trigger"], young["number"], young["own"]) == ("age", 25, False)
    change = {
        "trigger": "years_after_last_closed",
        "number": 8,
        "action": "anonymise",
        "justification": "Eight years after the last referral closed.",
    }
    assert police.put(f"{url}young_person/", change, format="json").status_code == 403
    administrator = api(world.administrator)
    assert (
        administrator.put(
            f"{url}young_person/", {**change, "number": "x"}, format="json"
        ).status_code
        == 400
    )
    assert (
        administrator.put(
            f"{url}young_person/", {**change, "action": "delete"}, format="json"
        ).status_code
        == 422
    )
    answer = administrator.put(f"{url}young_person/", change, format="json")
    assert answer.status_code == 200
    assert (answer.json()["number"], answer.json()["own"]) == (8, True)
    other = api(member(Role.COORDINATOR, area=AreaFactory.create()))
    assert other.get(url).status_code == 404


def test_reviews_are_listed_kept_and_approved(
    world: World, django_assert_max_num_queries: Any
) -> None:
    retention_review_run(today=TODAY)
    url = f"/api/v1/areas/{world.area.ons_code}/retention-reviews/"
    coordinator = api(world.coordinator)
    with django_assert_max_num_queries(16):
        listed = coordinator.get(url).json()["results"]
    assert [(r["kind"], r["record"]) for r in listed] == [("young_person", "Amira Khan")]
    police = api(world.police_lead)
    person_review = police.get(url).json()["results"][0]
    assert person_review["kind"] == "person"
    keep = f"{url}{person_review['id']}/keep/"
    reason = "Prosecution still under way."
    bad_date = police.post(keep, {"reason": reason, "keep_until": "9999-01-01"}, format="json")
    assert bad_date.status_code == 422  # a date of the schema's format outside the range
    kept = police.post(
        keep, {"reason": reason, "keep_until": KEEP_UNTIL.isoformat()}, format="json"
    )
    assert (kept.status_code, kept.json()["status"]) == (200, "extended")

    young = listed[0]
    assert (
        police.post(
            f"{url}{young['id']}/approve/", {"action": "anonymise"}, format="json"
        ).status_code
        == 404
    )
    assert (
        coordinator.post(
            f"{url}{young['id']}/approve/", {"action": "delete"}, format="json"
        ).status_code
        == 422
    )
    answer = coordinator.post(
        f"{url}{young['id']}/approve/", {"action": "anonymise"}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["kind"] == "young_person" and "Amira" not in str(answer.json())
    assert YoungPerson.objects.get(pk=world.young_person.pk).given_name == "Removed"
    assert RetentionReview.objects.get(pk=young["id"]).status == ReviewStatus.ERASED
    administrator = api(world.administrator)
    with django_assert_max_num_queries(10):
        tombstones = administrator.get(f"/api/v1/areas/{world.area.ons_code}/tombstones/")
    assert [t["kind"] for t in tombstones.json()["results"]] == ["young_person"]


def test_holds_are_placed_listed_and_released(
    world: World, django_assert_max_num_queries: Any
) -> None:
    url = f"/api/v1/areas/{world.area.ons_code}/legal-holds/"
    coordinator = api(world.coordinator)
    body = {"scope": "person", "record_id": world.person.pk, "reason": "Operation Bluebell."}
    assert api(world.police_lead).post(url, body, format="json").status_code == 403
    assert (
        coordinator.post(url, {**body, "ends_on": "9999-01-01"}, format="json").status_code == 422
    )
    placed = coordinator.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="hold-1")
    again = coordinator.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="hold-1")
    assert placed.status_code == again.status_code == 201
    assert LegalHold.objects.count() == 1
    hold = placed.json()
    police = api(world.police_lead)
    with django_assert_max_num_queries(12):
        listed = police.get(url).json()["results"]
    assert [h["id"] for h in listed] == [hold["id"]]
    retention_review_run(today=TODAY)
    assert not RetentionReview.objects.filter(kind=RecordKind.PERSON).exists()

    release = f"{url}{hold['id']}/release/"
    assert (
        api(world.police_lead).post(release, {"reason": "Trial ended."}, format="json").status_code
        == 403
    )
    done = api(world.administrator).post(release, {"reason": "The trial has ended."}, format="json")
    assert done.status_code == 200 and done.json()["released_by"] == world.administrator.pk
    assert (
        api(world.administrator)
        .post(release, {"reason": "The trial has ended."}, format="json")
        .status_code
        == 422
    )


def test_a_reviewer_lists_a_record_for_erasure_when_asked(world: World) -> None:
    url = f"/api/v1/areas/{world.area.ons_code}/retention-reviews/"
    body = {
        "kind": "person",
        "record_id": world.person.pk,
        "reason": "Dan Smith's solicitor asked for his record to be erased.",
    }
    assert api(world.coordinator).post(url, body, format="json").status_code == 403
    police = api(world.police_lead)

    listed = police.post(url, body, format="json")

    assert listed.status_code == 201, listed.json()
    assert listed.json()["asked_by"] == world.police_lead.pk
    assert listed.json()["record"] == "Dan Smith"
    again = police.post(url, body, format="json")
    assert again.status_code == 422 and "already" in str(again.json()["error"]["fields"])
    missing = police.post(url, {**body, "record_id": 2**31 - 2}, format="json")
    assert missing.status_code == 404


def test_every_kind_is_in_the_schedule_in_words_and_the_fixed_kinds_are_refused(
    world: World,
) -> None:
    url = f"/api/v1/areas/{world.area.ons_code}/retention-schedule/"
    administrator = api(world.administrator)
    rows = {r["kind"]: r for r in administrator.get(url).json()}
    assert set(rows) == set(RecordKind.values)
    notifications = rows["notification"]
    assert (notifications["kind_label"], notifications["number"]) == (
        "Notifications and emails",
        90,
    )
    assert (notifications["action"], notifications["action_label"]) == ("delete", "Delete")
    assert notifications["described"] == "90 days after the end of the month it was sent in"
    audit = rows["audit"]
    assert (audit["trigger"], audit["number"], audit["action"], audit["fixed"]) == (
        "kept",
        None,
        "keep",
        True,
    )
    assert rows["note"]["described"] == "With the young person's record"
    assert not rows["minutes"]["fixed"]
    refused = administrator.put(
        f"{url}audit/",
        {"trigger": "kept", "number": 1, "action": "keep", "justification": "Keep it forever."},
        format="json",
    )
    assert refused.status_code == 422
    changed = administrator.put(
        f"{url}notification/",
        {
            "trigger": "days_after_created",
            "number": 365,
            "action": "delete",
            "justification": "A year, to trace alerts in the annual audit.",
        },
        format="json",
    )
    assert (changed.status_code, changed.json()["number"]) == (200, 365)


def test_a_month_of_notifications_is_listed_in_words_and_approved(world: World) -> None:
    sent(world, OLD)
    retention_review_run(today=TODAY)
    url = f"/api/v1/areas/{world.area.ons_code}/retention-reviews/"
    coordinator = api(world.coordinator)
    listed = coordinator.get(url).json()["results"]
    month = next(r for r in listed if r["kind"] == "notification")
    assert month["record"] == f"Notifications and emails of {OLD:%B %Y}"
    asked = coordinator.post(
        url,
        {"kind": "notification", "record_id": month["record_id"], "reason": "Asked by phone."},
        format="json",
    )
    assert asked.status_code == 400  # erasure is asked for a person's record only
    answer = coordinator.post(f"{url}{month['id']}/approve/", {"action": "delete"}, format="json")
    assert answer.status_code == 200
    assert RetentionReview.objects.get(pk=month["id"]).status == ReviewStatus.ERASED
