"""The notification centre in the API: the caller's own notifications, and marking them read."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Role
from notifications.models import Notification, NotificationKind
from tests.factories import member, sign_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


def notification(recipient: Any, key: str, **fields: Any) -> Notification:
    return Notification.objects.create(
        recipient=recipient,
        kind=fields.pop("kind", NotificationKind.CONCERN_SUBMITTED),
        event_key=key,
        title=f"Title {key}",
        **fields,
    )


def test_the_list_is_the_callers_own_unread_first(
    api_client: APIClient, django_assert_max_num_queries: Any
) -> None:
    person = member(Role.COORDINATOR)
    read = notification(person, "a")
    Notification.objects.filter(pk=read.pk).update(read_at="2026-01-01T10:00Z")
    unread = [notification(person, key) for key in "bcd"]
    notification(member(Role.COORDINATOR), "theirs")
    sign_in(api_client, person)

    with django_assert_max_num_queries(8):
        response = api_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [n.pk for n in reversed(unread)] + [read.pk]
    assert body["count"] == 4
    assert body["results"][-1]["read"] is True
    assert body["results"][0]["kind_label"] == "Concern submitted in your area"


def test_filters_by_kind_and_unread(api_client: APIClient) -> None:
    person = member(Role.COORDINATOR)
    wanted = notification(person, "a", kind=NotificationKind.REVIEW_DUE)
    notification(person, "b")
    done = notification(person, "c", kind=NotificationKind.REVIEW_DUE)
    Notification.objects.filter(pk=done.pk).update(read_at="2026-01-01T10:00Z")
    sign_in(api_client, person)

    response = api_client.get(URL, {"kind": NotificationKind.REVIEW_DUE, "unread": "true"})

    assert [row["id"] for row in response.json()["results"]] == [wanted.pk]
    assert api_client.get(URL, {"kind": "nonsense"}).status_code == 400


def test_marking_one_read(api_client: APIClient) -> None:
    person = member(Role.PRACTITIONER)
    mine, other = notification(person, "a"), notification(person, "b")
    sign_in(api_client, person)

    response = api_client.post(f"{URL}{mine.pk}/read/")

    assert response.status_code == 200
    assert response.json()["read"] is True
    assert Notification.objects.filter(read_at__isnull=True).get() == other


def test_another_persons_notification_is_not_found(api_client: APIClient) -> None:
    theirs = notification(member(Role.COORDINATOR), "a")
    sign_in(api_client, member(Role.COORDINATOR))

    assert api_client.post(f"{URL}{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_all_read_touches_only_the_callers(api_client: APIClient) -> None:
    person = member(Role.PRACTITIONER)
    for key in "ab":
        notification(person, key)
    theirs = notification(member(Role.PRACTITIONER), "c")
    sign_in(api_client, person)

    response = api_client.post(f"{URL}read-all/")

    assert response.json() == {"marked": 2}
    assert list(Notification.objects.filter(read_at__isnull=True)) == [theirs]


def test_anonymous_is_refused(api_client: APIClient) -> None:
    assert api_client.get(URL).status_code in (401, 403)


@pytest.mark.parametrize("size", ["0", "201", "null", "２"])
def test_a_page_size_the_server_would_not_use_is_refused(api_client: APIClient, size: str) -> None:
    sign_in(api_client, member(Role.COORDINATOR))
    response = api_client.get(URL, {"page_size": size})
    assert response.status_code == 400
    assert "page_size" in response.json()["error"]["fields"]


def test_a_page_size_within_bounds_is_used(api_client: APIClient) -> None:
    person = member(Role.COORDINATOR)
    for key in "abc":
        notification(person, key)
    sign_in(api_client, person)
    body = api_client.get(URL, {"page_size": "2"}).json()
    assert (len(body["results"]), body["count"]) == (2, 3)


@pytest.mark.parametrize("name", ["kind", "unread"])
def test_a_filter_sent_empty_is_refused_not_ignored(api_client: APIClient, name: str) -> None:
    sign_in(api_client, member(Role.COORDINATOR))
    response = api_client.get(URL, {name: ""})
    assert response.status_code == 400
    assert name in response.json()["error"]["fields"]


@pytest.mark.parametrize("page", ["", " 1", "last", "\u0661"])
def test_a_page_not_given_as_digits_is_refused_not_read_as_one(
    api_client: APIClient, page: str
) -> None:
    sign_in(api_client, member(Role.COORDINATOR))
    response = api_client.get(URL, {"page": page})
    assert response.status_code == 400
    assert "page" in response.json()["error"]["fields"]
