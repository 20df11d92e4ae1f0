"""What the live stream must do, whichever channel layer carries it: each test file runs these
with its own layer (in memory, channels-redis)."""

from __future__ import annotations

from asgiref.sync import sync_to_async

from agencies.models import Role
from notifications.consumers import SIGNED_OUT
from tests.factories import member

from .conftest import communicator, open_stream, session_cookie, tell


async def only_the_recipient_hears_it() -> None:
    alice, bob = await sync_to_async(lambda: [member(Role.COORDINATOR) for _ in range(2)])()
    alice_stream = await open_stream(await sync_to_async(session_cookie)(alice))
    bob_stream = await open_stream(await sync_to_async(session_cookie)(bob))
    anonymous = communicator()
    connected, _ = await anonymous.connect()
    assert connected
    assert (await anonymous.receive_output())["code"] == SIGNED_OUT

    await sync_to_async(tell)(alice, "one")

    message = await alice_stream.receive_json_from(timeout=2)
    assert message["type"] == "notification"
    assert message["notification"]["title"] == "Concern one submitted"
    assert message["unread"] == 1
    assert await bob_stream.receive_nothing(timeout=0.3)
    await alice_stream.disconnect()
    await bob_stream.disconnect()


async def a_reconnecting_page_catches_up_without_duplicates() -> None:
    alice = await sync_to_async(member)(Role.COORDINATOR)
    cookie = await sync_to_async(session_cookie)(alice)
    stream = await open_stream(cookie)
    await sync_to_async(tell)(alice, "before")
    first = (await stream.receive_json_from(timeout=2))["notification"]
    await stream.disconnect()

    missed = [await sync_to_async(tell)(alice, key) for key in ("gap-1", "gap-2")]

    again = await open_stream(cookie)
    await again.send_json_to({"type": "catch_up", "since": first["id"], "seen": [first["id"]]})
    caught = await again.receive_json_from(timeout=2)
    assert caught["type"] == "caught_up"
    assert [n["id"] for n in caught["notifications"]] == [ids[0] for ids in missed]
    assert caught["unread"] == 3
    # What was caught up on is not pushed again.
    assert await again.receive_nothing(timeout=0.3)
    await again.disconnect()
