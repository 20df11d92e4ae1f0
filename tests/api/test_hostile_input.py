"""Hostile input: dates no person could mean (refused by the API and, called directly, by the
services), and JSON nested past any real use."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Role, User
from api.parsers import MAX_DEPTH, TOO_DEEP, nesting_depth
from referrals.casework import action_add, missing_episode_start
from referrals.models import CaseNote, ProtectiveAction, ProtectiveActionType, Referral
from referrals.workflow import referral_transition
from tests.factories import AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

REASON = "Agreed at the strategy discussion."


@pytest.fixture
def plan() -> tuple[Referral, User]:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    for name, inputs in (
        ("start_triage", {}),
        ("decide", {"decision": "multi_agency_plan", "reason": REASON}),
    ):
        referral_transition(referral=referral, actor=coordinator, name=name, inputs=inputs)
    return referral, coordinator


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def far_dates() -> list[str]:
    today = timezone.localdate()
    return ["9999-12-31", str(today + relativedelta(years=5, days=1)), "1899-12-31"]


@pytest.mark.parametrize("due_on", far_dates())
def test_an_action_due_on_a_date_nobody_could_mean_is_refused(
    plan: tuple[Referral, User], due_on: str
) -> None:
    referral, coordinator = plan
    response = api(coordinator).post(
        f"/api/v1/referrals/{referral.reference}/actions/",
        {"action_type": "safety_plan", "owner": coordinator.pk, "due_on": due_on},
        format="json",
    )
    assert response.status_code == 422  # a date of the schema's format a rule refuses
    assert response.json()["error"]["fields"]["due_on"][0].startswith("Enter a date from ")
    assert not ProtectiveAction.objects.exists()


def test_an_action_due_within_the_range_is_added(plan: tuple[Referral, User]) -> None:
    referral, coordinator = plan
    last = timezone.localdate() + relativedelta(years=5)
    response = api(coordinator).post(
        f"/api/v1/referrals/{referral.reference}/actions/",
        {"action_type": "safety_plan", "owner": coordinator.pk, "due_on": str(last)},
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_a_missing_episode_starting_in_the_year_9999_is_refused(
    plan: tuple[Referral, User],
) -> None:
    """Its serializer's field comes from the model, and the model field carries the range."""
    referral, coordinator = plan
    response = api(coordinator).post(
        f"/api/v1/referrals/{referral.reference}/missing-episodes/",
        {"started_at": "9999-12-31T10:00:00Z", "reported_by": "Carer"},
        format="json",
    )
    assert response.status_code == 422
    assert "started_at" in response.json()["error"]["fields"]


def test_the_services_called_directly_refuse_the_same_dates(plan: tuple[Referral, User]) -> None:
    referral, coordinator = plan
    with pytest.raises(ValidationError) as caught:
        action_add(
            referral=referral,
            actor=coordinator,
            action_type=ProtectiveActionType.objects.get(code="safety_plan"),
            owner=coordinator,
            due_on=date.max,
        )
    assert set(caught.value.message_dict) == {"due_on"}
    with pytest.raises(ValidationError) as caught:
        missing_episode_start(
            referral=referral,
            actor=coordinator,
            started_at=timezone.make_aware(datetime(1066, 10, 14, 9)),
            reported_by="Carer",
        )
    assert set(caught.value.message_dict) == {"started_at"}


@pytest.mark.parametrize("next_review_on", far_dates()[:2])
def test_a_review_next_due_on_a_date_nobody_could_mean_is_refused(
    plan: tuple[Referral, User], next_review_on: str
) -> None:
    referral, coordinator = plan
    referral.refresh_from_db()
    before = referral.next_review_due_on
    response = api(coordinator).post(
        f"/api/v1/referrals/{referral.reference}/transitions/review/",
        {"summary": "Attending school again.", "next_review_on": next_review_on},
        format="json",
    )
    assert response.status_code == 422
    assert "next_review_on" in response.json()["error"]["fields"]
    referral.refresh_from_db()
    assert referral.next_review_due_on == before


def nested(depth: int) -> str:
    """Arrays inside arrays, `depth` deep, with a bracket in a string that must not count."""
    return "[" * (depth - 1) + '["]"' + "]" * depth


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_a_body_nested_deeper_than_any_real_one_is_refused_in_words(
    plan: tuple[Referral, User], depth: int
) -> None:
    referral, coordinator = plan
    response = api(coordinator).post(
        f"/api/v1/referrals/{referral.reference}/notes/",
        f'{{"text": "A note.", "extra": {nested(depth - 1)}}}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == TOO_DEEP
    assert not CaseNote.objects.exists()


def test_a_deep_body_in_a_charset_whose_brackets_the_count_misses_is_refused_too(
    plan: tuple[Referral, User],
) -> None:
    referral, coordinator = plan
    response = api(coordinator).post(
        f"/api/v1/referrals/{referral.reference}/notes/",
        nested(100_000).encode("cp500"),  # EBCDIC: no bracket is the byte UTF-8 gives it
        content_type="application/json; charset=cp500",
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == TOO_DEEP


def test_a_body_nested_as_deep_as_allowed_is_read(plan: tuple[Referral, User]) -> None:
    referral, coordinator = plan
    response = api(coordinator).post(
        f"/api/v1/referrals/{referral.reference}/notes/",
        f'{{"text": "A note.", "extra": {nested(MAX_DEPTH - 1)}}}',
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()


def test_a_review_due_tomorrow_is_still_recorded(plan: tuple[Referral, User]) -> None:
    referral, coordinator = plan
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = api(coordinator).post(
        f"/api/v1/referrals/{referral.reference}/transitions/review/",
        {"summary": "Attending school again.", "next_review_on": str(tomorrow)},
        format="json",
    )
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    ("text", "depth"),
    [('{"a": [1, {"b": []}]}', 4), (r'["[[\"[[", "]]"]', 1), ('{"a": "{{\\\\"}', 1), ("7", 0)],
)
def test_brackets_inside_strings_do_not_count_as_nesting(text: str, depth: int) -> None:
    assert nesting_depth(text.encode()) == depth
