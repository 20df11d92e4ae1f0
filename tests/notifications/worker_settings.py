"""The served settings (tests/notifications/served_settings.py) for a Celery worker in a process
of its own: tasks taken from the Redis at SERVED_REDIS_URL, as production configures it, and a
mail server that takes a message and never answers, so the worker can be killed mid-send."""

import os

from config.settings.base import redis_backed
from tests.notifications.served_settings import *  # noqa: F403

_on_redis = redis_backed(os.environ["SERVED_REDIS_URL"])
CELERY_BROKER_URL = _on_redis["CELERY_BROKER_URL"]
CELERY_BROKER_CONNECTION_TIMEOUT = _on_redis["CELERY_BROKER_CONNECTION_TIMEOUT"]
CELERY_BROKER_TRANSPORT_OPTIONS = _on_redis["CELERY_BROKER_TRANSPORT_OPTIONS"]
CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "tests.notifications.hanging_mail.HangingMailServer"
