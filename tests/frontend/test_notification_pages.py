"""The notification centre and the header's unread badge: a person's own notifications only,
unread first, filters, marking read, bad input, and the page's cost."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from agencies.models import Role
from notifications.models import Notification, NotificationKind
from notifications.services import notify
from tests.factories import member, sign_in

pytestmark = pytest.mark.django_db

CENTRE = "/notifications/"
MARK_READ = "/notifications/read/"


def tell(
    user: Any, title: str, kind: NotificationKind = NotificationKind.REVIEW_DUE, **extra: Any
) -> int:
    with transaction.atomic():
        (pk,) = notify(recipients=[user], kind=kind, event_key=title, title=title, **extra)
    return pk


def client_for(user: Any) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def titles(html: str) -> list[str]:
    return re.findall(r'app-notification__title"(?: href="[^"]*")?>([^<]*)<', html)


def badge(html: str) -> str:
    found = re.search(r"<span class=\"app-unread-badge\"[^>]*>(.*?)</span></span>", html, re.S)
    assert found, "no unread badge in the header"
    return re.sub(r"<[^>]+>", "", found.group(1))


@pytest.fixture
def coordinator() -> Any:
    return member(Role.COORDINATOR)


def test_the_centre_shows_only_my_notifications_unread_first_then_newest(
    coordinator: Any,
) -> None:
    someone_else = member(Role.COORDINATOR)
    oldest = tell(coordinator, "Review due for R26-000001")
    tell(coordinator, "Review due for R26-000002")
    tell(someone_else, "Review due for R26-000099")
    tell(coordinator, "Review due for R26-000003")
    Notification.objects.filter(pk=oldest).update(read_at=timezone.now())
    Notification.objects.filter(title__endswith="0003").update(read_at=timezone.now())

    html = client_for(coordinator).get(CENTRE).content.decode()
    assert titles(html) == [
        "Review due for R26-000002",  # the one unread
        "Review due for R26-000003",  # then read ones, newest first
        "Review due for R26-000001",
    ]
    assert "R26-000099" not in html
    assert html.count("Unread</strong>") == 1
    assert html.count("Read</strong>") == 2


def test_each_notification_links_to_its_page_and_urgent_ones_say_so(coordinator: Any) -> None:
    tell(
        coordinator,
        "Red concern R26-000004",
        kind=NotificationKind.CONCERN_SUBMITTED,
        url="/referrals/R26-000004/",
        urgent=True,
        body="Triage it within 4 working hours.",
    )
    tell(coordinator, "Review due for R26-000005")  # no address: plain text
    html = client_for(coordinator).get(CENTRE).content.decode()
    assert 'href="/referrals/R26-000004/">Red concern R26-000004</a>' in html
    assert '<span class="govuk-!-font-weight-bold app-notification__title">Review due' in html
    assert html.count('<strong class="govuk-tag govuk-tag--red">Urgent</strong>') == 1
    assert "Triage it within 4 working hours." in html
    assert "Concern submitted in your area" in html  # the kind, in words


def test_filters_by_kind_and_unread_only(coordinator: Any) -> None:
    tell(coordinator, "Concern R26-000006", kind=NotificationKind.CONCERN_SUBMITTED)
    read = tell(coordinator, "Concern R26-000007", kind=NotificationKind.CONCERN_SUBMITTED)
    tell(coordinator, "Review due for R26-000008")
    Notification.objects.filter(pk=read).update(read_at=timezone.now())
    client = client_for(coordinator)

    by_kind = client.get(CENTRE, {"kind": "concern_submitted"}).content.decode()
    assert titles(by_kind) == ["Concern R26-000006", "Concern R26-000007"]
    assert '<option value="concern_submitted" selected>' in by_kind
    both = client.get(CENTRE, {"kind": "concern_submitted", "unread": "on"}).content.decode()
    assert titles(both) == ["Concern R26-000006"]
    nothing = client.get(CENTRE, {"kind": "lockout"}).content.decode()
    assert titles(nothing) == []
    assert "No notifications match these filters." in nothing


def test_an_unknown_kind_is_explained_and_ignored(coordinator: Any) -> None:
    tell(coordinator, "Review due for R26-000009")
    response = client_for(coordinator).get(CENTRE, {"kind": "<script>", "unread": "maybe"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Notifications – Safeguard Hub</title>" in html
    assert 'href="#id_kind">Choose a type of notification from the list</a>' in html
    assert "<script>" not in html.split("<main")[1]
    assert titles(html) == ["Review due for R26-000009"]  # the list still shows, unfiltered


def test_with_no_notifications_the_page_says_so(coordinator: Any) -> None:
    html = client_for(coordinator).get(CENTRE).content.decode()
    assert "You have no notifications yet." in html
    assert "Mark all as read" not in html
    assert '<table class="govuk-table">' not in html
    assert 'href="/notifications/settings/"' in html  # how to choose what is emailed


def test_pages_of_notifications(coordinator: Any) -> None:
    for n in range(30):
        tell(coordinator, f"Review due for R26-{n:06d}")
    client = client_for(coordinator)
    first = client.get(CENTRE).content.decode()
    assert len(titles(first)) == 25
    assert titles(first)[0] == "Review due for R26-000029"
    assert "Page 1 of 2" in first
    assert 'href="?page=2" rel="next"' in first
    second = client.get(CENTRE, {"page": "2"}).content.decode()
    assert titles(second) == [f"Review due for R26-{n:06d}" for n in range(4, -1, -1)]
    assert titles(client.get(CENTRE, {"page": "x"}).content.decode()) == titles(first)


def test_marking_one_as_read(coordinator: Any) -> None:
    first = tell(coordinator, "Review due for R26-000010")
    tell(coordinator, "Review due for R26-000011")
    client = client_for(coordinator)
    response = client.post(f"{MARK_READ}?kind=review_due&unread=on&page=1", {"notification": first})
    assert response.status_code == 302
    assert response["Location"] == f"{CENTRE}?kind=review_due&unread=on&page=1"
    assert Notification.objects.get(pk=first).read_at is not None
    html = client.get(response["Location"]).content.decode()
    assert "1 notification marked as read" in html
    assert titles(html) == ["Review due for R26-000011"]
    assert badge(html) == "1 unread notification"


def test_marking_all_as_read_marks_only_mine(coordinator: Any) -> None:
    someone_else = member(Role.COORDINATOR)
    tell(coordinator, "Review due for R26-000012")
    tell(coordinator, "Review due for R26-000013")
    theirs = tell(someone_else, "Review due for R26-000014")
    client = client_for(coordinator)
    response = client.post(MARK_READ, {"mark_all": "on"})
    assert response["Location"] == CENTRE
    assert not Notification.objects.filter(recipient=coordinator, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs).read_at is None
    assert "2 notifications marked as read" in client.get(CENTRE).content.decode()


def test_naming_another_persons_notification_changes_nothing(coordinator: Any) -> None:
    theirs = tell(member(Role.COORDINATOR), "Review due for R26-000015")
    client = client_for(coordinator)
    response = client.post(MARK_READ, {"notification": theirs})
    assert response.status_code == 302
    assert Notification.objects.get(pk=theirs).read_at is None
    assert "marked as read" not in client.get(CENTRE).content.decode()


@pytest.mark.parametrize(
    "posted",
    [
        {"notification": "abc"},
        {"notification": ["1", "-2"]},
        {"notification": "1" * 40},
        {},
    ],
)
def test_ids_that_are_not_whole_numbers_answer_400(coordinator: Any, posted: dict) -> None:
    mine = tell(coordinator, "Review due for R26-000016")
    response = client_for(coordinator).post(MARK_READ, posted)
    assert response.status_code == 400
    assert "Sorry, there is a problem with the request" in response.content.decode()
    assert Notification.objects.get(pk=mine).read_at is None


def test_marking_read_needs_a_post_with_the_csrf_token(coordinator: Any) -> None:
    mine = tell(coordinator, "Review due for R26-000017")
    client = Client(enforce_csrf_checks=True)
    sign_in(client, coordinator)
    assert client.get(MARK_READ, {"notification": mine}).status_code == 405
    assert client.post(MARK_READ, {"notification": mine}).status_code == 403
    assert Notification.objects.get(pk=mine).read_at is None
    page = client.get(CENTRE).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post(MARK_READ, {"notification": mine, "csrfmiddlewaretoken": token})
    assert Notification.objects.get(pk=mine).read_at is not None


def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    assert client.get(CENTRE)["Location"].startswith("/sign-in/")
    assert client.post(MARK_READ, {"mark_all": "on"})["Location"].startswith("/sign-in/")


def test_every_signed_in_page_shows_the_unread_count_and_opens_the_stream(
    coordinator: Any, client: Client
) -> None:
    assert "data-live-stream" not in client.get("/").content.decode()  # signed out
    signed_in = client_for(coordinator)
    html = signed_in.get("/triage/").content.decode()
    assert '<span class="app-unread-badge" data-unread-badge hidden>0<' in html
    assert 'data-live-stream="/ws/notifications/"' in html
    assert 'data-live-latest="0"' in html
    assert "frontend/notifications.js" in html

    tell(coordinator, "Review due for R26-000018")
    newest = tell(coordinator, "Review due for R26-000019")
    tell(member(Role.COORDINATOR), "Review due for R26-000020")
    html = signed_in.get("/").content.decode()
    assert badge(html) == "2 unread notifications"
    assert '<span class="app-unread-badge" data-unread-badge>' in html
    assert f'data-live-latest="{newest}"' in html


def test_no_stream_before_the_second_factor(coordinator: Any) -> None:
    client = Client()
    client.force_login(coordinator)  # password only
    html = client.get("/").content.decode()
    assert "data-live-stream" not in html
    assert "app-unread-badge" not in html


def test_the_websocket_is_allowed_by_the_content_security_policy(coordinator: Any) -> None:
    policy = client_for(coordinator).get("/")["Content-Security-Policy"]
    connect = next(d for d in policy.split(";") if d.strip().startswith("connect-src"))
    # CSP level 3: 'self' covers ws: and wss: to the page's own host.
    assert connect.split()[1:] == ["'self'"]


@pytest.mark.parametrize("size", [1, 25])
def test_the_query_count_is_the_same_whatever_the_number_of_notifications(
    coordinator: Any, size: int, django_assert_num_queries: Any
) -> None:
    for n in range(size + 5):
        tell(coordinator, f"Review due for R26-{n:06d}")
    client = client_for(coordinator)
    client.get(CENTRE)
    # session, user, second-factor device; the paginator's count, then the page of rows;
    # memberships (for the template); the model backend's user and group permissions, once,
    # for the navigation; the header's unread count; then the idle-timeout session refresh
    # (BEGIN, UPDATE, COMMIT).
    with django_assert_num_queries(12):
        response = client.get(CENTRE)
    assert len(titles(response.content.decode())) == min(size + 5, 25)
