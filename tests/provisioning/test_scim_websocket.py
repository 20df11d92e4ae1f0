"""A leaver deactivated through SCIM has every open websocket closed at once, through the real
live stream (the ASGI application, its consumer and the channel layer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from agencies.models import Role, User
from notifications.consumers import SIGNED_OUT
from provisioning.services import scim_token_issue
from tests.factories import AgencyFactory, AreaFactory, member
from tests.notifications.conftest import open_stream, session_cookie

from .scim_client import USER, Answer, ScimClient

# Async: the database is reached through another thread (tests/README.md).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

LEAVER = "leaver@school.example"

LEAVING: dict[str, Callable[[ScimClient, str], Answer]] = {
    "PATCH active False": lambda scim, pid: scim.entra_disable(pid),
    "PUT active false": lambda scim, pid: scim.replace_user(
        pid, {"schemas": [USER], "userName": LEAVER, "active": False}
    ),
    "DELETE": lambda scim, pid: scim.delete_user(pid),
}


def provisioned() -> tuple[ScimClient, str, User, User]:
    """The agency's identity provider, the leaver's resource id, the leaver and a colleague."""
    area = AreaFactory.create()
    agency = AgencyFactory.create(areas=[area])
    admin = member(Role.AREA_ADMINISTRATOR, area=area, agency=agency)
    _, secret = scim_token_issue(
        actor=admin, area=area, agency=agency, role=Role.PRACTITIONER, lifetime_days=1
    )
    scim = ScimClient(Client(), secret)
    answer = scim.create_user(LEAVER)
    assert answer.status == 201, answer
    colleague = member(Role.PRACTITIONER, area=area, agency=agency)
    return scim, answer.body["id"], User.objects.get(username=LEAVER), colleague


@pytest.mark.parametrize("how", sorted(LEAVING))
async def test_a_leavers_open_websockets_are_closed_at_once(how: str) -> None:
    scim, resource_id, leaver, colleague = await sync_to_async(provisioned)()
    laptop = await open_stream(await sync_to_async(session_cookie)(leaver))
    phone = await open_stream(await sync_to_async(session_cookie)(leaver))
    colleagues = await open_stream(await sync_to_async(session_cookie)(colleague))

    answer: Any = await sync_to_async(LEAVING[how])(scim, resource_id)

    assert answer.status in {200, 204}, answer
    closed = {"type": "websocket.close", "code": SIGNED_OUT}
    assert await laptop.receive_output(timeout=2) == closed
    assert await phone.receive_output(timeout=2) == closed
    assert await colleagues.receive_nothing(timeout=0.3)
    await colleagues.disconnect()
