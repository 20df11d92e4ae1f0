"""GET and PUT /api/v1/notification-preferences/: the caller's own email preferences."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Role
from notifications.models import ALWAYS_URGENT, Delivery, NotificationKind, NotificationPreference
from tests.factories import member, sign_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/notification-preferences/"
CONCERN = NotificationKind.CONCERN_SUBMITTED.value


def stored(person: Any) -> dict[str, str]:
    return dict(NotificationPreference.objects.filter(user=person).values_list("kind", "delivery"))


def test_every_kind_is_listed_with_its_delivery(
    api_client: APIClient, django_assert_max_num_queries: Any
) -> None:
    person = member(Role.COORDINATOR)
    NotificationPreference.objects.create(user=person, kind=CONCERN, delivery=Delivery.OFF)
    sign_in(api_client, person)

    with django_assert_max_num_queries(8):
        response = api_client.get(URL)

    assert response.status_code == 200
    preferences = response.json()["preferences"]
    assert [p["kind"] for p in preferences] == NotificationKind.values
    by_kind = {p["kind"]: p for p in preferences}
    assert by_kind[CONCERN] == {
        "kind": CONCERN,
        "kind_label": "Concern submitted in your area",
        "delivery": "off",
        "always_urgent": False,
    }
    assert {k for k, p in by_kind.items() if p["always_urgent"]} == set(ALWAYS_URGENT)


def test_put_sets_the_kinds_given_and_keeps_the_rest(api_client: APIClient) -> None:
    person = member(Role.PRACTITIONER)
    NotificationPreference.objects.create(
        user=person, kind=NotificationKind.REVIEW_DUE, delivery=Delivery.OFF
    )
    sign_in(api_client, person)
    body = {"preferences": [{"kind": CONCERN, "delivery": "digest"}]}

    response = api_client.put(URL, body, format="json")

    assert response.status_code == 200
    assert {p["kind"]: p["delivery"] for p in response.json()["preferences"]}[CONCERN] == "digest"
    assert stored(person) == {CONCERN: "digest", NotificationKind.REVIEW_DUE.value: "off"}


@pytest.mark.parametrize(
    ("item", "field", "message", "status"),
    [
        (
            {"kind": "no_such_kind", "delivery": "off"},
            "preferences",
            '"no_such_kind" is not a valid',
            400,
        ),
        (
            {"kind": CONCERN, "delivery": "weekly"},
            "preferences",
            '"weekly" is not a valid choice',
            400,
        ),
        (
            {"kind": NotificationKind.ESCALATION.value, "delivery": "off"},
            NotificationKind.ESCALATION.value,
            "is urgent: it is always emailed straight away and cannot be changed",
            422,  # the schema allows it; the rule for urgent kinds does not
        ),
        # Each item of the schema's shape; the rule that a kind comes once refuses the pair.
        ({"kind": CONCERN, "delivery": "digest"}, "preferences", "Give each kind once.", 422),
    ],
)
def test_bad_input_is_refused_with_the_error_body_and_nothing_changes(
    api_client: APIClient, item: dict[str, str], field: str, message: str, status: int
) -> None:
    person = member(Role.COORDINATOR)
    sign_in(api_client, person)
    body = {"preferences": [{"kind": CONCERN, "delivery": "off"}, item]}

    response = api_client.put(URL, body, format="json")

    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert message in " ".join(error["fields"][field])
    assert stored(person) == {}


def test_anonymous_callers_are_refused(api_client: APIClient) -> None:
    for response in (api_client.get(URL), api_client.put(URL, {}, format="json")):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
