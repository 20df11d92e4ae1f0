"""Who may open the live stream and hear what, and what it does with bad input."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
import time_machine
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from agencies.models import Role
from agencies.services import user_sign_out_everywhere
from config.settings.base import REDIS_TIMEOUT_SECONDS
from notifications import services
from notifications.consumers import LIVE_PAUSED, SIGNED_OUT
from referrals.restriction import young_person_restrict
from tests.factories import AreaFactory, member, raise_referral
from tests.redis_server import RedisOutage

from .conftest import communicator, open_stream, session_cookie, tell

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def refused(cookie: str | None) -> bool:
    """True when the stream is closed at once with the policy code, before saying anything."""
    stream = communicator(cookie)
    connected, _ = await stream.connect()
    assert connected  # accepted, so that the close can carry its code
    output = await stream.receive_output(timeout=2)
    return output == {"type": "websocket.close", "code": SIGNED_OUT}


async def test_no_session_an_expired_one_or_one_without_its_second_factor_is_refused() -> None:
    alice = await sync_to_async(member)(Role.COORDINATOR)
    assert await refused(None)
    assert await refused("not-a-session")

    expired = await sync_to_async(session_cookie)(alice)
    await sync_to_async(
        lambda: Session.objects.filter(session_key=expired).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
    )()
    assert await refused(expired)

    def password_only() -> str:
        client = Client()
        client.force_login(alice)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    assert await refused(await sync_to_async(password_only)())


async def test_signing_out_everywhere_closes_open_streams_and_refuses_the_session() -> None:
    alice = await sync_to_async(member)(Role.COORDINATOR)
    cookie = await sync_to_async(session_cookie)(alice)
    stream = await open_stream(cookie)

    await sync_to_async(user_sign_out_everywhere)(user=alice, actor=alice)

    assert await stream.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": SIGNED_OUT,
    }
    assert await refused(cookie)


async def test_a_session_that_ends_while_open_is_closed_before_anything_more_is_sent() -> None:
    alice = await sync_to_async(member)(Role.COORDINATOR)
    stream = await open_stream(await sync_to_async(session_cookie)(alice))
    later = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)

    with time_machine.travel(later):
        await sync_to_async(tell)(alice, "after-expiry")
        assert await stream.receive_output(timeout=2) == {
            "type": "websocket.close",
            "code": SIGNED_OUT,
        }


async def test_unknown_and_malformed_messages_are_ignored_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    alice = await sync_to_async(member)(Role.COORDINATOR)
    stream = await open_stream(await sync_to_async(session_cookie)(alice))

    with caplog.at_level(logging.WARNING, logger="notifications.consumers"):
        await stream.send_json_to({"type": "delete_everything"})
        await stream.send_to(text_data="{not json")
        await stream.send_json_to(["no", "type"])
        assert await stream.receive_nothing(timeout=0.3)

    warnings = [r.getMessage() for r in caplog.records if r.name == "notifications.consumers"]
    assert len(warnings) == 3
    assert "unknown type" in warnings[0] and "delete_everything" in warnings[0]
    # The stream carries on as before.
    await sync_to_async(tell)(alice, "still-open")
    assert (await stream.receive_json_from(timeout=2))["type"] == "notification"
    await stream.disconnect()


async def test_pages_hear_only_of_referrals_and_queues_their_user_may_see() -> None:
    area, elsewhere = await sync_to_async(lambda: AreaFactory.create_batch(2))()
    coordinator = await sync_to_async(member)(Role.COORDINATOR, area=area)
    outsider = await sync_to_async(member)(Role.COORDINATOR, area=elsewhere)
    practitioner = await sync_to_async(member)(Role.PRACTITIONER, area=area)
    referral = await sync_to_async(raise_referral)(practitioner, submit=True)

    streams = {
        user: await open_stream(await sync_to_async(session_cookie)(user))
        for user in (coordinator, outsider, practitioner)
    }
    for stream in streams.values():
        await stream.send_json_to({"type": "watch_referral", "reference": referral.reference})
        await stream.send_json_to({"type": "watch_triage"})
    # Asking is answered by silence either way, so it never tells whether a referral exists.
    for stream in streams.values():
        assert await stream.receive_nothing(timeout=0.3)

    await sync_to_async(services.referral_changed)(
        referral_id=referral.pk, area_id=area.pk, actor_id=practitioner.pk
    )

    heard = [(await streams[coordinator].receive_json_from(timeout=2)) for _ in range(2)]
    assert sorted(m["type"] for m in heard) == ["referral_changed", "triage_changed"]
    assert next(m for m in heard if m["type"] == "referral_changed")["by_me"] is False
    # The referrer sees the referral's status, so their open page is told; they have no queue.
    told_referrer = await streams[practitioner].receive_json_from(timeout=2)
    assert told_referrer["type"] == "referral_changed" and told_referrer["by_me"] is True
    assert await streams[practitioner].receive_nothing(timeout=0.3)
    assert await streams[outsider].receive_nothing(timeout=0.3)
    for stream in streams.values():
        await stream.disconnect()


async def test_a_page_watching_a_record_since_restricted_hears_no_more_of_it() -> None:
    area = await sync_to_async(AreaFactory.create)()
    coordinator = await sync_to_async(member)(Role.COORDINATOR, area=area)
    practitioner = await sync_to_async(member)(Role.PRACTITIONER, area=area)
    referral = await sync_to_async(raise_referral)(practitioner, submit=True)
    streams = [
        await open_stream(await sync_to_async(session_cookie)(user))
        for user in (coordinator, practitioner)
    ]
    for stream in streams:
        await stream.send_json_to({"type": "watch_referral", "reference": referral.reference})
        assert await stream.receive_nothing(timeout=0.3)

    await sync_to_async(young_person_restrict)(
        actor=coordinator,
        young_person=referral.young_person,
        reason="She contests what the record says.",
    )
    await sync_to_async(services.referral_changed)(
        referral_id=referral.pk, area_id=area.pk, actor_id=coordinator.pk
    )

    assert (await streams[0].receive_json_from(timeout=2))["type"] == "referral_changed"
    # The referrer no longer sees the referral: nothing, now or at the next change.
    assert await streams[1].receive_nothing(timeout=0.3)
    await sync_to_async(services.referral_changed)(
        referral_id=referral.pk, area_id=area.pk, actor_id=coordinator.pk
    )
    assert await streams[1].receive_nothing(timeout=0.3)
    for stream in streams:
        await stream.disconnect()


async def test_a_page_from_another_site_is_refused() -> None:
    alice = await sync_to_async(member)(Role.COORDINATOR)
    stream = communicator(await sync_to_async(session_cookie)(alice), origin="https://evil.example")
    connected, _ = await stream.connect()
    assert not connected


async def test_with_redis_down_the_stream_is_refused_as_paused_then_opens_when_it_returns(
    redis_down: RedisOutage,
) -> None:
    alice = await sync_to_async(member)(Role.COORDINATOR)
    cookie = await sync_to_async(session_cookie)(alice)
    stream = communicator(cookie)
    connected, _ = await stream.connect()
    assert connected  # accepted, so that the close can carry its code
    assert await stream.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": LIVE_PAUSED,
    }

    # The notification is kept while no stream can hear it, and the page catches up later.
    await sync_to_async(tell)(alice, "during-the-outage")
    with redis_down.back():
        stream = await open_stream(cookie)
        await stream.send_json_to({"type": "catch_up", "since": 0, "seen": []})
        caught_up = await stream.receive_json_from(timeout=2)
        assert [n["title"] for n in caught_up["notifications"]] == [
            "Concern during-the-outage submitted"
        ]
        await sync_to_async(tell)(alice, "after-it-returned")
        assert (await stream.receive_json_from(timeout=2))["type"] == "notification"
        await stream.disconnect()
        await get_channel_layer().flush()  # lets go of Redis before it stops


async def test_an_open_stream_hears_again_soon_after_redis_returns(
    redis_down: RedisOutage,
) -> None:
    alice = await sync_to_async(member)(Role.COORDINATOR)
    cookie = await sync_to_async(session_cookie)(alice)
    with redis_down.back():
        stream = await open_stream(cookie)
    await sync_to_async(tell)(alice, "while-down")  # logged, kept as a row, not pushed
    assert await stream.receive_nothing(timeout=0.3)

    with redis_down.back():
        # The layer subscribes again on its own; a push before that is not heard, so keep
        # notifying until one is, as people's work would.
        deadline = time.monotonic() + 5
        heard = None
        while heard is None and time.monotonic() < deadline:
            await sync_to_async(tell)(alice, f"back-{time.monotonic()}")
            if not await stream.receive_nothing(timeout=0.25):
                heard = await stream.receive_json_from()
        assert heard is not None and heard["type"] == "notification"
        assert heard["unread"] >= 2  # the badge counts what was missed too
        await stream.disconnect()
        await get_channel_layer().flush()


@pytest.mark.usefixtures("redis_hung")
async def test_with_redis_hung_the_stream_is_refused_as_paused_within_a_few_seconds() -> None:
    alice = await sync_to_async(member)(Role.COORDINATOR)
    stream = communicator(await sync_to_async(session_cookie)(alice))
    connected, _ = await stream.connect(timeout=3 * REDIS_TIMEOUT_SECONDS)
    assert connected
    assert await stream.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": LIVE_PAUSED,
    }
