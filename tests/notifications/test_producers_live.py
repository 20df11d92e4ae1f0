"""End to end: a concern submitted through the service reaches the open page of a coordinator
of its area as it commits, and nobody else's."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from agencies.models import Role, User
from tests.factories import AreaFactory, member, raise_referral

from .conftest import open_stream, session_cookie
from .producing import YOUNG_PERSON, no_personal_details  # noqa: F401  (a fixture)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio,
    pytest.mark.usefixtures("no_personal_details"),
]


async def test_a_submitted_concern_reaches_the_coordinators_open_page_only() -> None:
    def people() -> tuple[User, User, User]:
        area = AreaFactory.create()
        return (
            member(Role.PRACTITIONER, area=area),
            member(Role.COORDINATOR, area=area),
            member(Role.COORDINATOR),  # of another area
        )

    practitioner, coordinator, elsewhere = await sync_to_async(people)()
    stream = await open_stream(await sync_to_async(session_cookie)(coordinator))
    other = await open_stream(await sync_to_async(session_cookie)(elsewhere))

    referral = await sync_to_async(raise_referral)(practitioner, submit=True, **YOUNG_PERSON)

    message = await stream.receive_json_from(timeout=2)
    assert message["type"] == "notification"
    notification = message["notification"]
    assert notification["kind"] == "concern_submitted"
    assert notification["title"] == f"Concern {referral.reference} submitted"
    assert notification["url"] == reverse("frontend:referral-detail", args=[referral.reference])
    assert message["unread"] == 1
    assert YOUNG_PERSON["family_name"] not in str(message)
    assert await other.receive_nothing(timeout=0.5)
    assert await stream.receive_nothing(timeout=0.2)  # told once
    await stream.disconnect()
    await other.disconnect()
