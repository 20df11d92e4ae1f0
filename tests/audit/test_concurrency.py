"""Concurrent writers, each on its own database connection, never fork or break the chain."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from audit.models import AuditAction, AuditEvent
from audit.services import audit_record, audit_record_views
from tests.factories import YoungPersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
SINGLE_EVENTS = 20
VIEWED_PER_THREAD = 5  # one audit_record_views call: 20 + 5 = 25 events per thread


def test_eight_writers_make_one_unbroken_chain() -> None:
    people = YoungPersonFactory.create_batch(VIEWED_PER_THREAD)
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(SINGLE_EVENTS):
                audit_record(action=AuditAction.SIGN_IN_FAILED, details={"thread": n, "i": i})
                if i == SINGLE_EVENTS // 2:
                    audit_record_views(actor=None, membership=None, targets=people)
        except BaseException as exc:  # reported below; a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=write, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert AuditEvent.objects.count() == THREADS * (SINGLE_EVENTS + VIEWED_PER_THREAD) == 200
    forks = AuditEvent.objects.values("previous_hash").annotate(n=Count("id")).filter(n__gt=1)
    assert not forks.exists()
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().strip() == "audit chain intact: 200 events"
    # Id order is commit order: each thread's events appear in the order it wrote them.
    for n in range(THREADS):
        steps = [
            e.details["i"] for e in AuditEvent.objects.filter(details__thread=n).order_by("id")
        ]
        assert steps == list(range(SINGLE_EVENTS))
