"""Test settings: `make test`. Same database engine as production (PostgreSQL)."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
NATIONAL_TOKEN_KEY = "test-only-national-token-key-not-secret"  # noqa: S105
AUDIT_CHAIN_KEY = "test-only-audit-chain-key-not-secret"
AUDIT_CHECKPOINT_PATH = ""  # the tests that write checkpoints give each its own file
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DEMO_SETTINGS = True
TWO_FACTOR_REQUIRED = True  # the suite runs as production does, whatever the environment
# Fast hashing keeps the suite quick; production keeps Argon2 first.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "10000/minute", "user": "10000/minute"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Static files straight from the app folders (no collectstatic step outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Whatever the environment says, the suite runs the single-process engines: an in-memory
# channel layer and Celery tasks run inline. The channels-redis tests set their own layer.
REDIS_URL = ""
CHANNEL_LAYERS = {"default": {"BACKEND": "notifications.layers.EmbeddedChannelLayer"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
IN_PROCESS_TIMERS = False
SITE_URL = "http://testserver"
OIDC_ALLOW_LOCAL_PROVIDERS = True  # the providers of development and the tests run here
