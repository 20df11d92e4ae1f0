"""Celery application: workers and beat in production (Redis broker, schedules in the database)."""

from celery import Celery

# DJANGO_SETTINGS_MODULE comes from the environment (docker-compose sets it for each service).
app = Celery("safeguard_hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
