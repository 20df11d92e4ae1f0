"""Timed jobs without Celery beat: the same schedule, run inside the web server's event loop.

With no Redis (the default of `make run`) there is no beat process, and the channel layer is
in memory, so a websocket push reaches only the process that sends it. The ticker therefore
runs CELERY_BEAT_SCHEDULE inside the ASGI server itself: its jobs' notifications reach the
browsers connected to that same server, exactly as a request's do.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from asgiref.sync import sync_to_async
from celery.schedules import maybe_schedule
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

# How often the ticker looks at the schedule (each job has its own interval).
RESOLUTION_SECONDS = 5.0


def run_job(task_name: str) -> None:
    from config.celery import app

    app.loader.import_default_modules()
    close_old_connections()
    try:
        app.tasks[task_name].apply(throw=True)
    except Exception:
        logger.exception("timed job %s failed", task_name)
    finally:
        close_old_connections()


async def run_schedule(schedule: dict[str, dict[str, Any]]) -> None:
    """Run each entry when due, forever; the first run of each is one interval after start."""
    started = timezone.now()
    last_run: dict[str, datetime] = dict.fromkeys(schedule, started)
    entries: dict[str, Any] = {
        name: maybe_schedule(entry["schedule"]) for name, entry in schedule.items()
    }
    while True:
        for name, entry in schedule.items():
            due, _ = entries[name].is_due(last_run[name])
            if due:
                last_run[name] = timezone.now()
                await sync_to_async(run_job, thread_sensitive=False)(entry["task"])
        await asyncio.sleep(RESOLUTION_SECONDS)


class WithTicker:
    """ASGI middleware that starts the ticker on the server's loop with its first connection."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.task: asyncio.Task[None] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(
                run_schedule(settings.CELERY_BEAT_SCHEDULE)
            )
            logger.info("timed jobs run inside this server (no Redis configured)")
        return await self.app(scope, receive, send)
