"""What the service records about running itself: each run of a timed job."""

from __future__ import annotations

from django.db import models


class TimerOutcome(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class TimerRun(models.Model):
    """One run of a timed job (a task of CELERY_BEAT_SCHEDULE), from start to done or failed,
    with what it counted (what the task returned) or the error (operations.timed)."""

    job = models.CharField(max_length=100, help_text="The task's name")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=10, choices=TimerOutcome.choices, default=TimerOutcome.RUNNING
    )
    count = models.IntegerField(null=True, blank=True, help_text="What the run counted")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["job", "-started_at"], name="timer_run_latest")]

    def __str__(self) -> str:
        return f"{self.job} at {self.started_at:%Y-%m-%d %H:%M:%S}: {self.get_outcome_display()}"
