"""Audit under contention: `python -m bench --scenario audit_contention`.

Eight threads, each on its own database connection, run transactions of 4 ms of other work
(a `pg_sleep` inside the transaction), first without audit, then with an audit event recorded
before the work and another after it, as workflow steps record theirs. Recording must not
serialise the transactions: throughput with audit is reported as a share of throughput
without. Two kinds of transaction are measured:
- `step`: the work also writes a row, as a workflow step writes its change, so both phases
  wait for their commit to reach the disk; the target (a ratio of at least 0.85) is this one's;
- `read`: the work only reads, as a page showing a record does; auditing it makes it a writing
  transaction, so the ratio also carries the cost of one flush to disk per commit, which no
  audit design avoids and which depends on the disk (reported, not a target).

Meanwhile the sealer runs as production runs it, in a process of its own (`manage.py
audit_seal --follow`), and the seal lag of every event written (from its insert to its seal)
is reported at p50, p99 and worst (the target is a p99 under 5 s).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.db.models import F, Max
from django.utils import timezone

from audit.models import AuditAction, AuditEvent, AuditSeal
from audit.services import audit_record

from .server import ROOT
from .stats import percentile

NAME = "audit_contention"
THREADS = 8
WORK_SECONDS = 0.004
WARMUP_TRANSACTIONS = 5  # per thread, before the clock starts: connections opened, code warm
TARGET_RATIO = 0.85
TARGET_LAG_P99_S = 5.0
SEAL_INTERVAL_S = 1.0  # how often the sealer process runs
SEALED_WITHIN_S = 30.0  # how long to wait, after the load, for the last events to be sealed


# A table of the benchmark's own, standing for the rows a workflow step writes.
WORK_TABLE = "bench_audit_contention_work"


@dataclass(frozen=True)
class Workload:
    name: str
    writes: bool  # whether the work writes a row of its own
    without_audit_tps: float
    with_audit_tps: float

    @property
    def ratio(self) -> float:
        return self.with_audit_tps / self.without_audit_tps if self.without_audit_tps else 0.0


@dataclass(frozen=True)
class ContentionResult:
    threads: int
    work_ms: float
    seconds: float  # of load per phase
    workloads: list[Workload]
    events: int  # audit events the audited phases wrote
    sealed: int  # of those, sealed by the end
    seal_lag_p50_ms: float | None
    seal_lag_p99_ms: float | None
    seal_lag_max_ms: float | None
    seal_interval_s: float

    @property
    def ok(self) -> bool:
        step = next(w for w in self.workloads if w.writes)
        return (
            step.ratio >= TARGET_RATIO
            and self.sealed == self.events
            and self.seal_lag_p99_ms is not None
            and self.seal_lag_p99_ms < TARGET_LAG_P99_S * 1000
        )


def _work(*, writes: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [WORK_SECONDS])
        if writes:
            cursor.execute(f"INSERT INTO {WORK_TABLE} DEFAULT VALUES")


def _transactions_per_second(seconds: float, one: Callable[[], None]) -> float:
    """`one` transaction after another on THREADS threads for `seconds`; transactions a second."""
    deadline: list[float] = []
    counts = [0] * THREADS
    errors: list[BaseException] = []

    def set_deadline() -> None:
        deadline.append(time.perf_counter() + seconds)

    start = threading.Barrier(THREADS, action=set_deadline)

    def loop(n: int) -> None:
        try:
            for _ in range(WARMUP_TRANSACTIONS):
                one()
            start.wait()
            while time.perf_counter() < deadline[0]:
                one()
                counts[n] += 1
        except BaseException as error:  # re-raised below; a thread's exception is otherwise lost
            errors.append(error)
            start.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sum(counts) / seconds


def _workload(
    *, name: str, writes: bool, actor: Any, target: models.Model, seconds: float
) -> Workload:
    def plain() -> None:
        with transaction.atomic():
            _work(writes=writes)

    def audited() -> None:
        with transaction.atomic():
            audit_record(action=AuditAction.VIEW, actor=actor, target=target, details={"at": 1})
            _work(writes=writes)
            audit_record(action=AuditAction.VIEW, actor=actor, target=target, details={"at": 2})

    return Workload(
        name=name,
        writes=writes,
        without_audit_tps=_transactions_per_second(seconds, plain),
        with_audit_tps=_transactions_per_second(seconds, audited),
    )


@contextmanager
def sealer_process(log_path: Path) -> Iterator[None]:
    """The sealer as production runs it: a process of its own, sealing every second."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "manage.py", "audit_seal", "--follow"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed command line
            [*command, "--interval", str(SEAL_INTERVAL_S)],
            cwd=ROOT,
            env=dict(os.environ),
            stdout=log,
            stderr=log,
        )
        try:
            yield
        finally:
            process.terminate()
            process.wait(timeout=30)


def _unsealed_since(start_id: int) -> int:
    return AuditEvent.objects.filter(id__gt=start_id, seal__isnull=True).count()


def _lags_ms(start_id: int) -> list[float]:
    lags = (
        AuditSeal.objects.filter(event_id__gt=start_id)
        .annotate(lag=F("sealed_at") - F("event__created_at"))
        .values_list("lag", flat=True)
    )
    return [lag.total_seconds() * 1000 for lag in lags]


def run(
    *,
    actor: Any,
    target: models.Model,
    seconds: float,
    sealer: AbstractContextManager[None],
) -> ContentionResult:
    """Each workload without audit and then with it, the sealer running throughout; then the
    seal lag of every event written."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {WORK_TABLE} "
            "(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz DEFAULT now())"
        )
    start_id = AuditEvent.objects.aggregate(newest=Max("id"))["newest"] or 0
    with sealer:
        workloads = [
            _workload(name=name, writes=writes, actor=actor, target=target, seconds=seconds)
            for name, writes in (("step", True), ("read", False))
        ]
        waited_until = time.monotonic() + SEALED_WITHIN_S
        while _unsealed_since(start_id) and time.monotonic() < waited_until:
            time.sleep(0.2)
    events = AuditEvent.objects.filter(id__gt=start_id).count()
    lags = _lags_ms(start_id)
    return ContentionResult(
        threads=THREADS,
        work_ms=WORK_SECONDS * 1000,
        seconds=seconds,
        workloads=workloads,
        events=events,
        sealed=len(lags),
        seal_lag_p50_ms=percentile(lags, 50) if lags else None,
        seal_lag_p99_ms=percentile(lags, 99) if lags else None,
        seal_lag_max_ms=max(lags) if lags else None,
        seal_interval_s=SEAL_INTERVAL_S,
    )


def markdown(result: ContentionResult) -> str:
    def ms(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.0f}"

    verdict = "Meets" if result.ok else "MISSES"
    rows = [
        f"{result.threads} threads, {result.work_ms:g} ms of other work per transaction, "
        f"{result.seconds:g} s per phase; audited transactions record one event before the "
        f"work and one after. The sealer ran every {result.seal_interval_s:g} s in a process "
        f"of its own. {verdict} the targets (a ratio of at least {TARGET_RATIO} for steps, a "
        f"seal lag p99 under {TARGET_LAG_P99_S:g} s, every event sealed).",
        "",
        "| Transaction | Without audit tx/s | With audit tx/s | Ratio |",
        "|---|--:|--:|--:|",
        *(
            f"| {w.name} | {w.without_audit_tps:.0f} | {w.with_audit_tps:.0f} | {w.ratio:.2f} |"
            for w in result.workloads
        ),
        "",
        "| Events | Sealed | Seal lag p50 ms | p99 ms | max ms |",
        "|--:|--:|--:|--:|--:|",
        f"| {result.events} | {result.sealed} | {ms(result.seal_lag_p50_ms)} "
        f"| {ms(result.seal_lag_p99_ms)} | {ms(result.seal_lag_max_ms)} |",
    ]
    return "\n".join(rows) + "\n"


def write(result: ContentionResult, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{NAME}.json"
    record = {
        "at": timezone.now().isoformat(timespec="seconds"),
        "ok": result.ok,
        **asdict(result),
        "ratios": {w.name: round(w.ratio, 3) for w in result.workloads},
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path
