from typing import Any

from django.core.management.base import BaseCommand, CommandError

from operations.models import TimerOutcome
from operations.timed import latest_runs, timed_jobs


class Command(BaseCommand):
    help = (
        "List the latest run of each timed job: started, finished, outcome, count and error. "
        "Fails when the latest run of any job failed, or a job has never run."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        runs = {run.job: run for run in latest_runs()}
        failed = []
        for job in sorted(timed_jobs()):
            run = runs.get(job)
            if run is None:
                self.stdout.write(f"{job}  never run")
                failed.append(job)
                continue
            finished = f"{run.finished_at:%Y-%m-%d %H:%M:%S}" if run.finished_at else "-"
            count = "" if run.count is None else f"  count {run.count}"
            self.stdout.write(
                f"{job}  {run.outcome}  started {run.started_at:%Y-%m-%d %H:%M:%S}  "
                f"finished {finished}{count}{'  ' + run.error if run.error else ''}"
            )
            if run.outcome == TimerOutcome.FAILED:
                failed.append(job)
        if failed:
            raise CommandError(f"Timed jobs failed or never run: {', '.join(failed)}")
