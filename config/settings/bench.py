"""Benchmark settings: production-like (DEBUG off, no throttling noise) on the local database."""

from .local import *  # noqa: F403
from .local import REST_FRAMEWORK

DEBUG = False
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
