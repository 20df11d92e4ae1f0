"""Drill: two web instances sharing one Redis, as behind a load balancer. A step taken through
one instance reaches the live pages open on both, once each; and the timed jobs, run by two
processes at the same moment, tell each person once.

Every process here is real: two uvicorn servers (and two timer processes) on the test's own
database, with the channel layer and the cache on a throwaway Redis server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import time_machine
from django.conf import settings
from django.test import Client
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from agencies.models import Membership, Role
from api.services import api_token_create
from bench.server import ROOT, running_server
from notifications.models import Notification, NotificationKind
from tests.database_urls import this_test_database_url
from tests.factories import member, raise_referral, sign_in
from tests.redis_server import redis_server

from .test_timers import FRIDAY, Place, london

pytestmark = pytest.mark.django_db(transaction=True)

# Long enough for a message between processes on a loaded machine; silence for this long after
# the first message is taken as "no second one".
HEAR_WITHIN_S = 15.0
SILENCE_S = 1.0


@pytest.fixture
def two_instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Two uvicorn processes on one database and one Redis; yields their base URLs."""
    folder = tmp_path_factory.mktemp("redis")
    with ExitStack() as stack:
        redis_url = stack.enter_context(redis_server(folder))
        env = {
            "DATABASE_URL": this_test_database_url(),
            "DJANGO_SETTINGS_MODULE": "tests.notifications.served_settings",
            "SERVED_REDIS_URL": redis_url,
        }
        servers = [running_server(log_path=folder / f"{name}.log", env=env) for name in "ab"]
        with ThreadPoolExecutor(max_workers=2) as starting:  # both start at once
            a, b = starting.map(stack.enter_context, servers)
        yield a, b


@contextmanager
def live_stream(base_url: str, cookie: str) -> Iterator[ClientConnection]:
    """The page's websocket on one instance, signed in, past its greeting."""
    with connect(
        f"{base_url.replace('http', 'ws', 1)}/ws/notifications/",
        origin=Origin(base_url),
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
    ) as stream:
        assert json.loads(stream.recv(timeout=HEAR_WITHIN_S))["type"] == "hello"
        yield stream


def heard(stream: ClientConnection) -> list[dict[str, Any]]:
    """Every message the stream hears until it falls silent."""
    messages = [json.loads(stream.recv(timeout=HEAR_WITHIN_S))]
    while True:
        try:
            messages.append(json.loads(stream.recv(timeout=SILENCE_S)))
        except TimeoutError:
            return messages


def test_a_step_through_one_instance_reaches_the_page_open_on_the_other_once(
    two_instances: tuple[str, str],
) -> None:
    a, b = two_instances
    coordinator = member(Role.COORDINATOR)
    place = Membership.objects.get(user=coordinator)
    practitioner = member(Role.PRACTITIONER, area=place.area, agency=place.agency)
    reference = raise_referral(practitioner).reference
    browser = Client()
    sign_in(browser, coordinator)
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    _, token = api_token_create(actor=practitioner, name="drill", lifetime_days=1)

    with live_stream(a, cookie) as on_a, live_stream(b, cookie) as on_b:
        submitted = httpx.post(
            f"{b}/api/v1/referrals/{reference}/transitions/submit/",
            headers={"Authorization": f"Bearer {token}"},
            trust_env=False,
            timeout=30,
        )
        assert submitted.status_code == 200, submitted.text
        for stream in (on_a, on_b):
            messages = heard(stream)
            assert [m["type"] for m in messages] == ["notification"]
            assert messages[0]["notification"]["title"] == f"Concern {reference} submitted"
    assert Notification.objects.filter(recipient=coordinator).count() == 1


# Run as a process of its own: the timed job's entry point (the Celery task beat sends), with
# the clock at argv[1], once the file argv[2] exists, so both processes start together.
TIMER_PROCESS = """
import json, sys, time
from datetime import datetime
from pathlib import Path
import django
django.setup()
import time_machine
from django.db import connection
from notifications.tasks import timers_run
connection.ensure_connection()
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.01)
with time_machine.travel(datetime.fromisoformat(sys.argv[1]), tick=False):
    print(json.dumps(timers_run.apply(throw=True).get()))
"""


def timer_processes(at: datetime, folder: Path) -> list[int]:
    """People told by each of two processes running the timers at the same moment."""
    go = folder / "go"
    env = {
        **os.environ,
        "DATABASE_URL": this_test_database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", TIMER_PROCESS, at.isoformat(), str(go)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    go.touch()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def test_two_processes_running_the_timers_together_tell_each_person_once(
    tmp_path: Path,
) -> None:
    place = Place(rag_red_working_hours=1)
    place.name_manager()
    with time_machine.travel(FRIDAY, tick=False):
        place.concern(immediate_danger=True)
        place.concern()
    # Both concerns overdue for the three coordinators, each escalated to the manager.
    told = timer_processes(london(5, 27, 12), tmp_path)
    assert sorted(told) == [0, 2 * 3 + 2], told
    keys = Counter(Notification.objects.values_list("recipient_id", "event_key"))
    assert set(keys.values()) == {1}
    escalations = Notification.objects.filter(kind=NotificationKind.ESCALATION)
    assert Counter(escalations.values_list("recipient_id", flat=True)) == {place.manager.pk: 2}
