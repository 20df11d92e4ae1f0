"""How an export's job ends when it cannot finish: failed, saying why, never left running (nor
left waiting for ever for a police lead's agreement).
Shared by the services (a fault, an unreachable queue, the timed job) and the selectors (an
export read past its deadline is failed before it is shown)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from .models import ExportStatus, SubjectAccessExport

# A job still running this long after it started has stopped (its worker died).
JOB_DEADLINE = timedelta(minutes=30)
OVERDUE = (
    f"The export did not finish within {int(JOB_DEADLINE.total_seconds()) // 60} minutes, "
    "so it was stopped. Start it again."
)
# An export about a person of concern that no police lead has agreed to within this is failed.
AGREE_WITHIN = timedelta(days=14)
NOT_AGREED = (
    f"No police lead agreed to the export within {AGREE_WITHIN.days} days, so it was "
    "stopped. Start it again."
)


def fail(exports: QuerySet[SubjectAccessExport], *, problem: str) -> int:
    """Mark failed those of the exports still running or waiting (one finished meanwhile stays
    so)."""
    return exports.filter(status__in=[ExportStatus.RUNNING, ExportStatus.AWAITING]).update(
        status=ExportStatus.FAILED, problem=problem, step="", finished_at=timezone.now()
    )


def fail_overdue(exports: QuerySet[SubjectAccessExport], *, now: datetime) -> int:
    """Fail those of the exports still running past their deadline, or still waiting for a
    police lead past theirs; how many."""
    overdue = exports.filter(status=ExportStatus.RUNNING, queued_at__lt=now - JOB_DEADLINE)
    waiting = exports.filter(status=ExportStatus.AWAITING, started_at__lt=now - AGREE_WITHIN)
    return fail(overdue, problem=OVERDUE) + fail(waiting, problem=NOT_AGREED)
