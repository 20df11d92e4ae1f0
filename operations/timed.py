"""Every timed job records its run: one wrapper, the Celery task class of the whole project
(config.celery), used by every task that CELERY_BEAT_SCHEDULE names, whether beat or the
in-process ticker runs it. A run is written as running when it starts (committed at once, so
a run that never ends shows), then done with its count or failed with its error."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from celery import Task
from django.conf import settings
from django.utils import timezone

from .models import TimerOutcome, TimerRun

logger = logging.getLogger(__name__)

ERROR_CAP = 4000
# Done runs are kept this long (a job runs every few seconds); failed ones are kept.
KEEP_DONE = timedelta(days=7)


def timed_jobs() -> set[str]:
    return {str(entry["task"]) for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def timed_run(job: str, work: Callable[[], Any]) -> Any:
    """Run `work` as one run of `job`, recorded from start to done or failed. A failure is
    logged and raised again, so Celery sees it too."""
    run = TimerRun.objects.create(job=job, started_at=timezone.now())
    try:
        result = work()
    except Exception as error:
        logger.exception("timed job %s failed", job)
        run.outcome, run.error = TimerOutcome.FAILED, f"{type(error).__name__}: {error}"[:ERROR_CAP]
        raise
    else:
        run.outcome = TimerOutcome.DONE
        run.count = result if isinstance(result, int) else None
        return result
    finally:
        run.finished_at = timezone.now()
        run.save(update_fields=["outcome", "count", "error", "finished_at"])
        TimerRun.objects.filter(
            job=job, outcome=TimerOutcome.DONE, started_at__lt=run.started_at - KEEP_DONE
        ).delete()


class TimedTask(Task):
    """Celery's task, recording each run of the timed ones."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.name not in timed_jobs():
            return super().__call__(*args, **kwargs)
        return timed_run(self.name, lambda: Task.__call__(self, *args, **kwargs))


def latest_runs() -> list[TimerRun]:
    """The latest run of each timed job that has run, by job name."""
    return list(TimerRun.objects.order_by("job", "-started_at", "-id").distinct("job"))
