"""Celery application: workers and beat in production (Redis broker, schedules in the database)."""

from celery import Celery

# DJANGO_SETTINGS_MODULE comes from the environment (docker-compose sets it for each service).
# Every task is a TimedTask: the timed ones (CELERY_BEAT_SCHEDULE) record each run.
app = Celery("safeguard_hub", task_cls="operations.timed:TimedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
