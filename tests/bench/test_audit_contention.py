"""The audit contention benchmark at a tiny scale, so that it cannot rot: both workloads run
their transactions on eight connections, the audited phases' events are all sealed, and a run
writes its figures. Nothing here is timed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from agencies.models import Role
from audit.models import AuditEvent
from audit.selectors import audit_chain_verify
from audit.services import audit_seal
from bench import audit_contention
from tests.factories import member

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def sealer_thread() -> Iterator[None]:
    """The sealer on a thread of its own (the benchmark runs it as a process)."""
    stop = threading.Event()

    def seal() -> None:
        try:
            while not stop.wait(0.05):
                audit_seal()
        finally:
            connection.close()

    thread = threading.Thread(target=seal)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def test_a_run_measures_both_workloads_and_seals_every_event(tmp_path: Path) -> None:
    coordinator = member(Role.COORDINATOR)
    result = audit_contention.run(
        actor=coordinator, target=coordinator, seconds=0.3, sealer=sealer_thread()
    )
    assert [(w.name, w.writes) for w in result.workloads] == [("step", True), ("read", False)]
    assert all(w.without_audit_tps > 0 and w.with_audit_tps > 0 for w in result.workloads)
    assert result.events == AuditEvent.objects.count() > 0
    assert result.sealed == result.events
    assert result.seal_lag_p99_ms is not None and result.seal_lag_p99_ms >= 0
    assert audit_chain_verify().count == result.events

    path = audit_contention.write(result, tmp_path)
    record = json.loads(path.read_text())
    assert record["ok"] == result.ok and set(record["ratios"]) == {"step", "read"}
    assert "| step |" in audit_contention.markdown(result)
