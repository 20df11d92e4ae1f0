"""Test settings: `make test`. Same database engine as production (PostgreSQL)."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
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
