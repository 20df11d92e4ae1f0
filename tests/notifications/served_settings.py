"""The test settings, with Redis at SERVED_REDIS_URL as production configures it, for the ASGI
servers that test_servers.py starts as processes of their own."""

import os

from config.settings.base import redis_backed
from config.settings.test import *  # noqa: F403

_on_redis = redis_backed(os.environ["SERVED_REDIS_URL"])
CHANNEL_LAYERS = _on_redis["CHANNEL_LAYERS"]
CACHES = _on_redis["CACHES"]
