"""Concurrent writers, each on its own database connection, never wait for each other, and the
sealer chains whatever they commit, in whatever order they commit it, into one unbroken chain."""

from __future__ import annotations

import threading
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from audit.models import AuditAction, AuditEvent, AuditSeal
from audit.services import audit_record, audit_record_views, audit_seal
from tests.factories import YoungPersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
SINGLE_EVENTS = 20
VIEWED_PER_THREAD = 5  # one audit_record_views call: 20 + 5 = 25 events per thread


def in_thread(work: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    """`work` on a thread of its own, so on a database connection of its own."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # reported by the caller; otherwise lost with the thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_a_writer_never_waits_for_another_writers_open_transaction() -> None:
    """The old chain lock made every recording transaction wait for the one before it to end:
    here the first writer holds its transaction open while the second records and commits."""
    recorded, release = threading.Event(), threading.Event()

    def slow_writer() -> None:
        with transaction.atomic():
            audit_record(action=AuditAction.VIEW, reason="slow")
            recorded.set()
            release.wait(timeout=10)

    def quick_writer() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '500ms'")
            audit_record(action=AuditAction.VIEW, reason="quick")

    slow, slow_errors = in_thread(slow_writer)
    assert recorded.wait(timeout=10)
    quick, quick_errors = in_thread(quick_writer)
    quick.join()
    # The quick event is sealed first, although its id comes after the open one's.
    assert audit_seal() == 1
    release.set()
    slow.join()
    assert (slow_errors, quick_errors) == ([], [])
    assert audit_seal() == 1
    chain = list(AuditSeal.objects.order_by("seq").values_list("event__detail__reason", flat=True))
    assert chain == ["quick", "slow"]
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith("audit chain intact: 2 events sealed")


def test_eight_writers_and_a_sealer_make_one_unbroken_chain() -> None:
    people = YoungPersonFactory.create_batch(VIEWED_PER_THREAD)
    start = threading.Barrier(THREADS + 1)
    writing = threading.Event()

    def write(n: int) -> Callable[[], None]:
        def work() -> None:
            start.wait()
            for i in range(SINGLE_EVENTS):
                audit_record(action=AuditAction.SIGN_IN_FAILED, details={"thread": n, "i": i})
                if i == SINGLE_EVENTS // 2:
                    audit_record_views(actor=None, membership=None, targets=people)

        return work

    def seal() -> None:
        start.wait()
        while writing.is_set():
            audit_seal()

    writing.set()
    sealer, sealer_errors = in_thread(seal)
    writers = [in_thread(write(n)) for n in range(THREADS)]
    for thread, _ in writers:
        thread.join()
    writing.clear()
    sealer.join()

    assert sealer_errors == [] and all(errors == [] for _, errors in writers)
    assert AuditEvent.objects.count() == THREADS * (SINGLE_EVENTS + VIEWED_PER_THREAD) == 200
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().strip() == (
        "audit chain intact: 200 events sealed, 0 checkpoints matched, 0 waiting"
    )
    # Each thread's events are in the chain in the order it wrote them.
    for n in range(THREADS):
        steps = [
            seal.event.details["i"]
            for seal in AuditSeal.objects.filter(event__details__thread=n)
            .select_related("event")
            .order_by("seq")
        ]
        assert steps == list(range(SINGLE_EVENTS))
