"""Production settings. Refuses to start without a secret key, allowed hosts and a real database."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, GOVUK_NOTIFY_API_KEY, GOVUK_NOTIFY_TEMPLATE_ID, env

DEBUG = False
DEMO_SETTINGS = False


def _required(name: str) -> str:
    value = env(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production")
    return value


SECRET_KEY = _required("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters")
NATIONAL_TOKEN_KEY = _required("NATIONAL_TOKEN_KEY")
if len(NATIONAL_TOKEN_KEY) < 32:
    raise ImproperlyConfigured("NATIONAL_TOKEN_KEY must be at least 32 characters")
AUDIT_CHAIN_KEY = _required("AUDIT_CHAIN_KEY")
if len(AUDIT_CHAIN_KEY) < 32 or AUDIT_CHAIN_KEY.startswith(("development-only", "test-only")):
    raise ImproperlyConfigured("AUDIT_CHAIN_KEY must be a secret of at least 32 characters")
AUDIT_CHECKPOINT_PATH = _required("AUDIT_CHECKPOINT_PATH")
# Two factors are not optional here: refuse to start rather than quietly run without them.
if not env.bool("TWO_FACTOR_REQUIRED", default=True):
    raise ImproperlyConfigured("TWO_FACTOR_REQUIRED cannot be turned off in production")
TWO_FACTOR_REQUIRED = True
ALLOWED_HOSTS = [host for host in _required("ALLOWED_HOSTS").split(",") if host.strip()]
if DATABASES["default"].get("ENGINE") != "audit.database" or not DATABASES["default"].get("HOST"):
    raise ImproperlyConfigured("DATABASE_URL must point at a PostgreSQL server in production")

# Several web workers, a Celery worker and beat share live notifications and jobs through Redis.
_required("REDIS_URL")
IN_PROCESS_TIMERS = False

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Health probes come over plain HTTP from inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Email goes through GOV.UK Notify when its key and template are set, else through SMTP.
if bool(GOVUK_NOTIFY_API_KEY) != bool(GOVUK_NOTIFY_TEMPLATE_ID):
    raise ImproperlyConfigured(
        "GOVUK_NOTIFY_API_KEY and GOVUK_NOTIFY_TEMPLATE_ID must be set together"
    )
if GOVUK_NOTIFY_API_KEY:
    EMAIL_BACKEND = "notifications.backends.NotifyEmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
