"""Drill: the web process restarts under an open page. The page's live stream drops with it;
the page reconnects to the restarted process at the same address and catches up on what it
missed meanwhile, once, nothing doubled (what notifications.js does after any drop).

Every process here is real: uvicorn on the test's own database, stopped and started again."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.test import Client
from websockets.exceptions import ConnectionClosed

from agencies.models import Membership, Role
from api.services import api_token_create
from bench.server import free_port, running_server
from notifications.models import Notification
from tests.database_urls import this_test_database_url
from tests.factories import member, raise_referral, sign_in

from .test_two_instances import HEAR_WITHIN_S, heard, live_stream

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_page_open_across_a_restart_reconnects_and_catches_up_once(tmp_path: Path) -> None:
    coordinator = member(Role.COORDINATOR)
    place = Membership.objects.get(user=coordinator)
    practitioner = member(Role.PRACTITIONER, area=place.area, agency=place.agency)
    first = raise_referral(practitioner).reference
    browser = Client()
    sign_in(browser, coordinator)
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    _, token = api_token_create(actor=practitioner, name="drill", lifetime_days=1)
    env = {
        "DATABASE_URL": this_test_database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    port = free_port()  # the restarted process answers at the same address

    with ExitStack() as page:
        with running_server(log_path=tmp_path / "before.log", env=env, port=port) as base_url:
            stream = page.enter_context(live_stream(base_url, cookie))
            submitted = httpx.post(
                f"{base_url}/api/v1/referrals/{first}/transitions/submit/",
                headers={"Authorization": f"Bearer {token}"},
                trust_env=False,
                timeout=30,
            )
            assert submitted.status_code == 200, submitted.text
            (seen,) = heard(stream)
        # The process has stopped under the open page: its stream drops.
        with pytest.raises(ConnectionClosed):
            stream.recv(timeout=HEAR_WITHIN_S)

    # Meanwhile a step is taken elsewhere (another instance, here the services themselves).
    missed = raise_referral(practitioner, submit=True).reference

    with (
        running_server(log_path=tmp_path / "after.log", env=env, port=port) as base_url,
        live_stream(base_url, cookie) as stream,
    ):
        since = seen["notification"]["id"]
        stream.send(json.dumps({"type": "catch_up", "since": since, "seen": [since]}))
        (caught,) = heard(stream)  # and nothing after it: what was caught up is not pushed
    assert seen["notification"]["title"] == f"Concern {first} submitted"
    assert caught["type"] == "caught_up"
    assert [n["title"] for n in caught["notifications"]] == [f"Concern {missed} submitted"]
    assert Notification.objects.filter(recipient=coordinator).count() == 2
