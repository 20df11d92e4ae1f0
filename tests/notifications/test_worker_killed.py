"""Drill: a Celery worker killed mid-send. The worker (a real one, in a process of its own,
taking its task from a throwaway Redis) claims the email for its lease and starts sending to a
mail server that never answers; it is killed with SIGKILL there. While the lease runs nobody
sends the email; once it has passed the every-minute retry job sends it, once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from agencies.models import Role
from bench.server import ROOT
from config.settings.base import redis_backed
from notifications.email import CLAIM_LEASE
from notifications.models import EmailStatus, Notification
from notifications.tasks import send_due_emails
from tests.database_urls import this_test_database_url
from tests.factories import member
from tests.redis_server import celery_broker, redis_server

from .conftest import tell

pytestmark = pytest.mark.django_db(transaction=True)

WORKER_START_TIMEOUT_S = 60.0


@pytest.fixture
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def start_worker(redis_url: str, mark: Path, log: Path) -> subprocess.Popen[bytes]:
    """`celery worker` as production runs it, in one process (solo pool: the task runs in the
    process that is killed, with no child left behind)."""
    with log.open("wb") as output:  # the child keeps its own copy
        return subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"),
                *("--without-heartbeat", "--without-mingle", "--without-gossip"),
                *("--loglevel", "warning"),
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": this_test_database_url(),
                "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
                "SERVED_REDIS_URL": redis_url,
                "HANGING_MAIL_MARK": str(mark),
            },
            stdout=subprocess.DEVNULL,
            stderr=output,
        )


def wait_for_send(worker: subprocess.Popen[bytes], mark: Path, log: Path) -> list[list[str]]:
    """The recipients of the message the worker is sending, once it has begun."""
    deadline = time.monotonic() + WORKER_START_TIMEOUT_S
    while not mark.exists():
        if worker.poll() is not None:
            pytest.fail(f"the worker exited: {log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not start sending in {WORKER_START_TIMEOUT_S:.0f} s")
        time.sleep(0.05)
    return json.loads(mark.read_text())


def test_a_worker_killed_mid_send_leaves_the_email_to_be_sent_once_after_its_lease(
    redis_url: str, tmp_path: Path
) -> None:
    coordinator = member(Role.COORDINATOR)
    mark, log = tmp_path / "sending", tmp_path / "worker.log"
    # The step queues the email on Redis, as in production.
    with celery_broker(redis_backed(redis_url)["CELERY_BROKER_URL"]):
        (notification_id,) = tell(coordinator, "REF-DRILL")
    worker = start_worker(redis_url, mark, log)
    try:
        assert wait_for_send(worker, mark, log) == [[coordinator.email]]
        claimed = Notification.objects.get(pk=notification_id)
        lease_ends = claimed.email_next_attempt_at
        assert claimed.email_status == EmailStatus.PENDING and claimed.email_attempts == 0
        assert lease_ends is not None and lease_ends > timezone.now() + CLAIM_LEASE / 2
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=10) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    assert send_due_emails.apply().get() == 0  # the lease holds: no second sender yet
    assert mail.outbox == []
    with time_machine.travel(lease_ends, tick=False):
        assert send_due_emails.apply().get() == 1
        assert send_due_emails.apply().get() == 0
    (email,) = mail.outbox
    assert email.to == [coordinator.email] and "REF-DRILL" in email.subject
    sent = Notification.objects.get(pk=notification_id)
    assert sent.email_status == EmailStatus.SENT and sent.email_attempts == 1
