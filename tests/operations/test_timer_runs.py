"""Every timed job records its run: done with its count, or failed with its error."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from config.celery import app
from operations.models import TimerOutcome, TimerRun
from operations.timed import timed_jobs

pytestmark = pytest.mark.django_db


def _run(task_name: str, *args: object) -> Any:
    app.loader.import_default_modules()
    return app.tasks[task_name].apply(args)


def test_every_scheduled_job_is_a_recorded_task() -> None:
    app.loader.import_default_modules()
    assert timed_jobs() and all(name in app.tasks for name in timed_jobs())
    assert "notifications.send_notification_emails" not in timed_jobs()


def test_a_run_that_succeeds_is_done_with_its_count() -> None:
    result = _run("notifications.timers_run")
    run = TimerRun.objects.get(job="notifications.timers_run")
    assert run.outcome == TimerOutcome.DONE and run.error == ""
    assert run.count == result.get() and run.finished_at is not None
    assert run.finished_at >= run.started_at


def test_a_run_that_raises_is_failed_with_its_error_and_logged(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    def broken(**_: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("notifications.timers.timers_run", broken)
    # Celery's logging set-up may stop the logger propagating: listen to it directly.
    logger = logging.getLogger("operations.timed")
    logger.addHandler(caplog.handler)
    request.addfinalizer(lambda: logger.removeHandler(caplog.handler))
    result = _run("notifications.timers_run")
    assert result.failed()
    run = TimerRun.objects.get(job="notifications.timers_run")
    assert run.outcome == TimerOutcome.FAILED  # never left running
    assert run.error == "RuntimeError: the database went away"
    assert run.finished_at is not None and run.count is None
    assert "timed job notifications.timers_run failed" in caplog.text
    with pytest.raises(CommandError, match=r"notifications\.timers_run"):
        call_command("timer_runs")


def test_a_job_that_is_not_timed_records_nothing() -> None:
    _run("notifications.send_notification_emails", [])
    assert not TimerRun.objects.exists()


def test_the_command_lists_the_latest_run_of_each_job(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for job in timed_jobs():
        TimerRun.objects.create(job=job, started_at="2026-12-01T10:00Z", outcome="failed")
    _run("api.purge_idempotency_keys")
    with pytest.raises(CommandError) as failed:
        call_command("timer_runs")
    assert "api.purge_idempotency_keys" not in str(failed.value)
    assert "api.purge_idempotency_keys  done" in capsys.readouterr().out
