"""Live pages in real Chromium, served over ASGI with websockets: a coordinator's open triage
queue shows a concern another person sends within 2 seconds, without a reload; the header's
badge and the announcements follow new notifications; a referral page says when someone else
changed it; the notification centre passes axe-core."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest
from channels.layers import get_channel_layer
from django.db import transaction

from agencies.models import Role
from agencies.services import user_sign_out_everywhere
from notifications.models import Notification, NotificationKind
from notifications.services import notify
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    raise_concern_through_pages,
    sign_in,
)
from tests.factories import AreaFactory, member, raise_referral
from tests.redis_server import RedisOutage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUSH_WITHIN_S = 2.0


def wait_until_live(page: Any) -> None:
    """The page's stream is open, watching and caught up."""
    page.wait_for_selector("body[data-live-state='live']", timeout=5000)


def mark_page(page: Any) -> None:
    """A mark that a reload would wipe, to show an update came without one."""
    page.evaluate("window.notReloaded = true")


def was_not_reloaded(page: Any) -> bool:
    return bool(page.evaluate("window.notReloaded === true"))


def tell(server: Any, user: Any, title: str, **extra: Any) -> None:
    """Notify `user` inside the server, in a transaction, as a request or timed job would."""

    def record() -> None:
        with transaction.atomic():
            notify(
                recipients=[user],
                kind=NotificationKind.CONCERN_SUBMITTED,
                event_key=title,
                title=title,
                **{"url": "/notifications/", **extra},
            )

    server.run(record)


def test_an_open_triage_queue_shows_a_new_concern_within_two_seconds(
    open_page: Any,
) -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    practitioner = member(Role.PRACTITIONER, area=area)

    queue = open_page()
    sign_in(queue, coordinator.username)
    queue.goto("/triage/?rag=")  # a filter on the address, kept by the refresh
    assert "No referrals are waiting for triage" in queue.locator("main").inner_text()
    wait_until_live(queue)
    mark_page(queue)

    # In another browser, a practitioner fills in the concern and sends it.
    form = open_page()
    sign_in(form, practitioner.username)
    reference = raise_concern_through_pages(
        form, given_name="Synthetic", family_name="Child", send=False
    )
    row = queue.locator("table").get_by_role("link", name=re.compile(re.escape(reference)))
    assert row.count() == 0
    sent = time.monotonic()
    form.get_by_role("button", name="Accept and send").click()
    row.wait_for(timeout=PUSH_WITHIN_S * 1000)
    elapsed = time.monotonic() - sent
    assert elapsed < PUSH_WITHIN_S, f"the queue showed the concern after {elapsed:.2f} s"

    assert was_not_reloaded(queue)
    assert queue.url.endswith("/triage/?rag=")
    polite = queue.locator("[data-live-polite]")
    polite.filter(has_text="The triage queue has been updated").wait_for(timeout=1000)
    # The coordinator is also told, in the page's notices, with a link to the concern.
    told = queue.get_by_role("link", name=f"Concern {reference} submitted")
    told.wait_for(timeout=1000)
    assert_clean_console(queue)  # the websocket passed the Content-Security-Policy
    assert_accessible(queue)
    form.wait_for_load_state()
    assert reference in form.locator(".govuk-panel").inner_text()


def test_the_badge_and_announcements_follow_new_notifications(
    open_page: Any, asgi_server: Any
) -> None:
    coordinator = member(Role.COORDINATOR)
    page = open_page()
    sign_in(page, coordinator.username)
    page.goto("/")
    wait_until_live(page)
    mark_page(page)
    badge = page.locator("[data-unread-badge]")
    assert badge.is_hidden()

    tell(asgi_server, coordinator, "Concern R26-000101 submitted")
    page.locator("[data-unread-badge]", has_text="1 unread notification").wait_for(timeout=2000)
    assert badge.inner_text().startswith("1")
    polite = page.locator("[data-live-polite]")
    polite.filter(has_text="New notification: Concern R26-000101 submitted").wait_for()
    notices = page.locator("[data-live-notices]")
    assert notices.get_by_role("link", name="Concern R26-000101 submitted").is_visible()

    tell(asgi_server, coordinator, "Red concern R26-000102 submitted", urgent=True)
    page.locator("[data-unread-badge]", has_text="2 unread notifications").wait_for(timeout=2000)
    assertive = page.locator("[data-live-assertive]")
    assertive.filter(has_text="Red concern R26-000102 submitted").wait_for()
    assert "Urgent: Red concern R26-000102" in notices.inner_text()
    assert page.evaluate("document.activeElement === document.body")  # focus not taken
    assert was_not_reloaded(page)

    # Another page of the same tab announces neither again.
    page.get_by_role("link", name=re.compile("^Notifications")).first.click()
    page.wait_for_load_state()
    wait_until_live(page)
    assert page.locator("[data-live-notices]").inner_text() == ""
    assert page.locator("[data-live-polite]").inner_text() == ""

    # Marking them read (in another tab of the same person) empties the badge live.
    other_tab = page.context.new_page()
    other_tab.goto("/notifications/")
    other_tab.get_by_role("button", name="Mark all as read").click()
    other_tab.wait_for_load_state()
    page.locator("[data-unread-badge]").wait_for(state="hidden", timeout=2000)
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert_clean_console(page)


def test_after_a_drop_the_page_reconnects_and_shows_what_it_missed_once(
    open_page: Any, asgi_server: Any
) -> None:
    coordinator = member(Role.COORDINATOR)
    page = open_page()
    sign_in(page, coordinator.username)
    streams: list[Any] = []

    def through(route: Any) -> None:
        route.connect_to_server()
        streams.append(route)

    page.route_web_socket(re.compile(r"/ws/notifications/$"), through)
    page.goto("/")
    wait_until_live(page)
    tell(asgi_server, coordinator, "Concern R26-000111 submitted")
    page.locator("[data-unread-badge]", has_text="1 unread").wait_for(timeout=2000)

    # The connection drops; a notification comes while the page is away (it retries after
    # at least half a second).
    streams[-1].close(code=4000, reason="network gone")
    page.wait_for_selector("body[data-live-state='disconnected']")
    tell(asgi_server, coordinator, "Concern R26-000112 submitted")
    wait_until_live(page)
    assert len(streams) == 2
    polite = page.locator("[data-live-polite]")
    polite.filter(
        has_text="1 new notification while you were disconnected: Concern R26-000112 submitted"
    ).wait_for(timeout=2000)
    assert page.locator("[data-unread-badge]").text_content() == "2 unread notifications"
    notices = page.locator("[data-live-notices] li")
    assert notices.all_inner_texts() == [
        "Concern R26-000112 submitted",
        "Concern R26-000111 submitted",
    ]

    # A second drop with nothing new brings nothing to say.
    streams[-1].close(code=4000, reason="network gone")
    page.wait_for_selector("body[data-live-state='disconnected']")
    wait_until_live(page)
    page.wait_for_timeout(300)
    assert notices.count() == 2
    assert_clean_console(page)


def test_a_referral_page_says_when_someone_else_changed_it(
    open_page: Any, asgi_server: Any
) -> None:
    area = AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)
    referral = asgi_server.run(lambda: raise_referral(practitioner, submit=True))
    detail = f"/referrals/{referral.reference}/"
    watching = open_page()
    sign_in(watching, member(Role.COORDINATOR, area=area).username)
    watching.goto(detail)
    wait_until_live(watching)
    mark_page(watching)
    banner = watching.locator("[data-live-referral] .govuk-notification-banner")
    assert banner.count() == 0

    colleague = open_page()
    sign_in(colleague, member(Role.COORDINATOR, area=area).username)
    colleague.goto(detail)
    wait_until_live(colleague)
    with colleague.expect_navigation():
        colleague.get_by_role("button", name="Start triage").click()  # to the step's page
    colleague.get_by_role("button", name="Start triage").click()
    colleague.wait_for_load_state()

    banner.wait_for(timeout=2000)
    assert (
        "Someone else has changed this referral. Reload the page to see the changes."
        in banner.inner_text()
    )
    assert was_not_reloaded(watching)
    assert_accessible(watching)
    # The colleague made the change, so their own page says nothing of it.
    colleague.wait_for_timeout(300)
    assert colleague.locator("[data-live-referral] .govuk-notification-banner").count() == 0
    watching.get_by_role("link", name="Reload the page to see the changes").click()
    watching.wait_for_load_state()
    assert watching.get_by_text("In triage", exact=True).is_visible()
    assert_clean_console(watching)


def test_the_notification_centre_is_accessible(open_page: Any, asgi_server: Any) -> None:
    coordinator = member(Role.COORDINATOR)
    for n, urgent in ((1, True), (2, False)):
        tell(
            asgi_server,
            coordinator,
            f"Concern R26-00020{n} submitted",
            url=f"/referrals/R26-00020{n}/",
            urgent=urgent,
        )
    page = open_page()
    sign_in(page, coordinator.username)
    page.goto("/notifications/")
    assert page.get_by_role("heading", level=1).inner_text() == "Notifications"
    assert_accessible(page)
    page.get_by_role("button", name="Mark as read Concern R26-000201 submitted").click()
    page.wait_for_load_state()
    assert "1 notification marked as read" in page.locator("main").inner_text()
    assert page.locator("[data-unread-badge]").text_content() == "1 unread notification"
    assert_accessible(page)
    page.get_by_label("Type").select_option(label="Account locked out")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    assert "No notifications match these filters." in page.locator("main").inner_text()
    assert_accessible(page)
    page.goto("/notifications/?kind=nonsense")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    assert_clean_console(page)


def count_streams(page: Any) -> list[Any]:
    """The page's streams, each passed through to the server as it opens."""
    streams: list[Any] = []

    def through(route: Any) -> None:
        route.connect_to_server()
        streams.append(route)

    page.route_web_socket(re.compile(r"/ws/notifications/$"), through)
    return streams


def test_signed_out_elsewhere_the_page_stops_and_says_sign_in_again(
    open_page: Any, asgi_server: Any
) -> None:
    coordinator = member(Role.COORDINATOR)
    page = open_page()
    page.clock.install()  # so the test can move past any reconnect the page might schedule
    sign_in(page, coordinator.username)
    streams = count_streams(page)
    page.goto("/")
    wait_until_live(page)

    asgi_server.run(lambda: user_sign_out_everywhere(user=coordinator, actor=coordinator))
    page.wait_for_selector("body[data-live-state='signed-out']", timeout=2000)
    status = page.locator("[data-live-status]")
    assert "Live updates have stopped because you are no longer signed in" in status.inner_text()
    assert status.get_by_role("link", name="Sign in again").is_visible()
    page.clock.fast_forward("10:00")
    page.wait_for_timeout(200)
    assert len(streams) == 1  # never retried: it would be refused again
    assert_accessible(page)
    assert_clean_console(page)


def test_with_redis_down_the_page_says_live_updates_are_paused_and_resumes_by_itself(
    open_page: Any, asgi_server: Any, redis_down: RedisOutage
) -> None:
    coordinator = member(Role.COORDINATOR)
    page = open_page()
    page.clock.install()
    sign_in(page, coordinator.username)
    streams = count_streams(page)
    page.goto("/")
    page.wait_for_selector("body[data-live-state='paused']", timeout=5000)
    status = page.locator("[data-live-status]")
    assert "Live updates are paused" in status.inner_text()
    assert status.get_by_role("link", name="Reload the page to see the latest").is_visible()
    page.clock.fast_forward("00:10")
    page.wait_for_timeout(200)
    assert len(streams) == 1  # no fast retries against a server that said it is paused
    assert_accessible(page)

    tell(asgi_server, coordinator, "Concern R26-000121 submitted")  # kept while paused
    with redis_down.back():
        page.clock.fast_forward("00:31")  # the first retry comes within 30 seconds
        wait_until_live(page)
        assert status.inner_text() == ""
        page.locator("[data-live-polite]").filter(
            has_text="New notification: Concern R26-000121 submitted"  # the tab's first page
        ).wait_for(timeout=2000)
        assert_clean_console(page)
        # The page leaves, then the layer lets go of Redis before it stops.
        page.context.close()
        flushed = get_channel_layer().flush()
        asyncio.run_coroutine_threadsafe(flushed, asgi_server.loop).result(5)


def test_a_stream_that_keeps_failing_says_live_updates_are_paused_and_keeps_trying(
    open_page: Any, asgi_server: Any
) -> None:
    coordinator = member(Role.COORDINATOR)
    page = open_page()
    page.clock.install()
    sign_in(page, coordinator.username)
    attempts: list[Any] = []

    def failing(route: Any) -> None:
        attempts.append(route)
        route.close(code=1011, reason="server error")

    page.route_web_socket(re.compile(r"/ws/notifications/$"), failing)
    page.goto("/")
    page.wait_for_selector("body[data-live-state='disconnected']")
    status = page.locator("[data-live-status]")
    while len(attempts) < 5:
        if len(attempts) < 4:
            assert status.inner_text() == ""  # a drop or three is not worth a message
        tried = len(attempts)
        page.clock.fast_forward("00:30")  # past the next retry, whatever its spread
        for _ in range(100):
            if len(attempts) > tried:
                break
            page.wait_for_timeout(20)
        assert len(attempts) == tried + 1  # after each drop, one more try
    assert page.evaluate("document.body.dataset.liveState") == "paused"
    assert "Live updates are paused" in status.inner_text()
