"""Settings shared by every environment. Values come from the environment (django-environ)."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rules.apps.AutodiscoverRulesConfig",
    "channels",
    "django_celery_beat",
    "csp",
    "pgtrigger",
    "pghistory",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "govuk_frontend_django",
    "agencies",
    "referrals",
    "disruption",
    "notifications",
    "reports",
    "audit",
    "identity",
    "api",
    "frontend",
    "operations",
    "provisioning",
    "records",
    "subject_access",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.BodySizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Field-level history: who made each change (pghistory context with the user and URL).
    "pghistory.middleware.HistoryMiddleware",
    "agencies.middleware.SessionEpochMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "agencies.middleware.TwoFactorRequiredMiddleware",
    "agencies.middleware.ActingMembershipMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the request into the page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "frontend.context_processors.navigation",
            ],
        },
    },
]

# PostgreSQL only: DATABASE_URL is required (the launcher provides one in development).
DATABASES = {"default": env.db_url("DATABASE_URL")}
# Django's PostgreSQL backend, sending audit inserts with the next statement (audit.database).
if DATABASES["default"].get("ENGINE") == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "audit.database"
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Capacity (config.concurrency): each web process serves at most WEB_CONCURRENCY_LIMIT requests
# at once, each holding one database connection; up to WEB_QUEUE_LIMIT more wait up to
# WEB_QUEUE_WAIT_SECONDS for a place, and the rest get 503 with Retry-After. Keep web processes
# x limit, plus the workers' and beat's connections, below the connections the database (or
# PgBouncer's pool) allows; keep the wait above queue / the requests a process serves a second.
WEB_CONCURRENCY_LIMIT = env.int("WEB_CONCURRENCY_LIMIT", default=20)
WEB_QUEUE_LIMIT = env.int("WEB_QUEUE_LIMIT", default=200)
WEB_QUEUE_WAIT_SECONDS = env.float("WEB_QUEUE_WAIT_SECONDS", default=30.0)
WEB_RETRY_AFTER_SECONDS = env.int("WEB_RETRY_AFTER_SECONDS", default=2)
# Behind PgBouncer in transaction pooling, consecutive statements may reach different server
# connections, so a cursor cannot outlive its statement: no server-side cursors.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DATABASE_BEHIND_PGBOUNCER", default=False
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    # First: refuses every sign-in attempt for a locked-out account, right password or not.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "frontend:sign-in"
LOGIN_REDIRECT_URL = "frontend:home"
LOGOUT_REDIRECT_URL = "frontend:sign-in"

# Two factors (password, then a TOTP code or a recovery code) for every signed-in user. Local
# settings may relax this for the demo; production refuses to start without it.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
RECOVERY_CODE_COUNT = 10
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # not even administrators see someone's TOTP secret

# Lockout (django-axes): 5 failures (wrong passwords or wrong codes) from one address lock that
# account at that address for 30 minutes. Keyed on the username alone, anyone who knew a
# username could lock its owner out; keyed on the address alone, one shared office address
# would lock out a whole agency. Guessing from many addresses is slowed per username instead
# (agencies.lockout.sign_in_wait), which never locks the owner out. The address is the one the
# audit trail records: X-Forwarded-For only from our own proxy, so it cannot be chosen.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "audit.services.client_address"
AXES_RESET_ON_SUCCESS = False  # reset only after the second factor (agencies.services)
AXES_LOCKOUT_CALLABLE = "frontend.sign_in.lockout_response"
# Per-username slowdown: once an account has this many failures from any addresses within the
# cool-off, each further attempt waits 1, 2, 4... seconds after the last failure, at most the
# cap; addresses the account has signed in from lately are never slowed.
SIGN_IN_SLOWDOWN_AFTER = 5
SIGN_IN_SLOWDOWN_CAP = timedelta(seconds=60)
SIGN_IN_KNOWN_ADDRESS_DAYS = 90

# Field-level history (django-pghistory): its triggers are installed after every migrate, so a
# change to a tracked model needs no trigger migration in the model's own app.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True
# Agencies' sign-in: the server fetches a provider's discovery document, keys and tokens only
# over https from public addresses, never from its own network (identity.protocol). Only
# development and the tests, whose providers run on this machine, allow local ones.
OIDC_ALLOW_LOCAL_PROVIDERS = env.bool("OIDC_ALLOW_LOCAL_PROVIDERS", default=False)
# Audit trail: take the client address from X-Forwarded-For only behind our own reverse proxy.
AUDIT_TRUST_X_FORWARDED_FOR = env.bool("AUDIT_TRUST_X_FORWARDED_FOR", default=False)
# The key the audit chain's seals and checkpoints are made under (docs/audit.md): kept in the
# environment, never in the database. Production refuses to start without one.
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY", default="")
# Where signed checkpoints of the chain's head are appended (JSON lines): storage the database's
# administrators cannot rewrite. Empty: no checkpoints (production refuses to start so).
AUDIT_CHECKPOINT_PATH = env("AUDIT_CHECKPOINT_PATH", default="")

# Sessions end after 30 idle minutes and when the browser closes.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploaded documents (strategy profiles' evidence, imports) are kept here; they are served
# only through views that check who is asking, never from a public URL.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# The fonts the service's own PDFs embed (subject access exports), copied at set-up.
PDF_FONT_DIR = BASE_DIR / "frontend" / "static" / "vendor" / "fonts"

# Request bodies are capped so an oversized upload is refused, never buffered.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
# A form with a file (multipart) may be larger: its file goes to disk, not memory, and its
# other fields are still capped by DATA_UPLOAD_MAX_MEMORY_SIZE. The 64 KiB is the form's fields.
UPLOAD_MAX_FILE_SIZE = env.int("UPLOAD_MAX_FILE_SIZE", default=10 * 1024 * 1024)
MULTIPART_UPLOAD_MAX_SIZE = UPLOAD_MAX_FILE_SIZE + 64 * 1024
# The one larger body: a national analyst's file of many areas' national returns (at most
# about 290 bytes a row with its seal, so the import's cap of 300,000 rows fits).
NATIONAL_IMPORT_MAX_BYTES = env.int("NATIONAL_IMPORT_MAX_BYTES", default=88 * 1024 * 1024)

# Content Security Policy: same-origin assets only; inline scripts need the per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.DepthLimitedJSONParser"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # Throttle histories live in the cache. While Redis is down they live in each process's
    # memory (config.caches), so the API keeps answering and a client is still held to the
    # rate by every process it reaches: a limit loosened, never one that refuses everyone, nor
    # one dropped just when the service is already under strain.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/minute"),
        "user": env("API_THROTTLE_USER", default="600/minute"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Safeguard Hub API",
    "DESCRIPTION": "REST API v1 of Safeguard Hub. Every response follows the need-to-know rules.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_errors",
    ],
    # Choice sets whose field names clash with others' ("status", "platform", "reason").
    "ENUM_NAME_OVERRIDES": {
        "ActionStatusEnum": "referrals.models.ActionStatus",
        "PersonStatusEnum": "disruption.models.PersonStatus",
        "PlatformEnum": "disruption.models.Platform",
        "MeetingStatusEnum": "disruption.models.MeetingStatus",
        "AgendaReasonEnum": "disruption.models.AgendaReason",
        "DisruptionStatusEnum": "disruption.models.DisruptionStatus",
        "DisruptionTargetKindEnum": "disruption.activity_selectors.ENTITY_KIND_CHOICES",
        "NodeKindEnum": "disruption.models.NodeKind",
        "StrategyDeliveryEnum": "reports.models.DeliveryStatus",
        "InformationRequestStatusEnum": "referrals.models.InformationRequestStatus",
        "NRMDecisionEnum": "referrals.models.NRMDecision",
        "Section47OutcomeEnum": "referrals.models.Section47Outcome",
        "ClosureOutcomeEnum": "referrals.models.ClosureOutcome",
        "ExploitationTypeEnum": "referrals.models.ExploitationType",
        "RiskLevelEnum": "referrals.models.RiskLevel",
        "ScreeningCategoryEnum": "referrals.models.ScreeningCategory",
        "TacticCategoryEnum": "disruption.models.TacticCategory",
        "NotificationKindEnum": "notifications.models.NotificationKind",
        "RoleEnum": "agencies.models.Role",
        "AgencyTypeEnum": "agencies.models.AgencyType",
        "MentionKindEnum": "disruption.services.MentionKind",
        "StrategyDocumentKindEnum": "reports.models.DocumentKind",
        "ProvisionedRoleEnum": "provisioning.models.PROVISIONED_ROLES",
        "RecordKindEnum": "records.models.RecordKind",
        "RetentionActionEnum": "records.models.RetentionAction",
    },
}


# Seconds to connect to Redis, and to wait for each answer: a Redis whose address drops packets,
# or that takes connections but does not answer, must not hold a request for the system's own
# timeouts (minutes). Redis answers in well under a millisecond when it is well.
REDIS_TIMEOUT_SECONDS = 1.0


def redis_backed(url: str) -> dict[str, Any]:
    """The settings that put the cache, the channel layer and Celery's queue on the Redis at
    `url`. Each degrades while Redis is down (docs/operations.md, "When Redis is down")."""
    timeouts = {
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
    }
    return {
        # The Pub/Sub layer of channels-redis: a message reaches a server process in one push.
        # Its older RedisChannelLayer fetches each message with round trips of its own, one at
        # a time per process, and with 500 pages open fell behind and lost notifications (see
        # docs/notifications.md, "Measured").
        "CHANNEL_LAYERS": {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [{"address": url, **timeouts}]},
            }
        },
        # Falls back to each process's memory while Redis is down, and back to Redis by itself.
        "CACHES": {
            "default": {
                "BACKEND": "config.caches.FallbackRedisCache",
                "LOCATION": url,
                "OPTIONS": timeouts,
            }
        },
        # Kombu names a Redis unix socket differently from redis-py.
        "CELERY_BROKER_URL": url.replace("unix://", "redis+socket://", 1),
        "CELERY_BROKER_CONNECTION_TIMEOUT": REDIS_TIMEOUT_SECONDS,
        "CELERY_BROKER_TRANSPORT_OPTIONS": timeouts,
        "CELERY_TASK_ALWAYS_EAGER": False,
    }


# Redis when configured (production); otherwise everything runs inside one process tree.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    _on_redis = redis_backed(REDIS_URL)
    CHANNEL_LAYERS = _on_redis["CHANNEL_LAYERS"]
    CACHES = _on_redis["CACHES"]
    CELERY_BROKER_URL = _on_redis["CELERY_BROKER_URL"]
    CELERY_TASK_ALWAYS_EAGER = _on_redis["CELERY_TASK_ALWAYS_EAGER"]
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "notifications.layers.EmbeddedChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Timed jobs: beat runs them in production; with no Redis the web server's in-process ticker
# runs this same schedule (notifications.ticker), so `make run` needs no beat process.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Events wait seconds, not minutes, for their place in the chain.
    "audit-seal": {
        "task": "audit.seal",
        "schedule": 2.0,
    },
    "audit-checkpoint": {
        "task": "audit.checkpoint",
        "schedule": 60.0,
    },
    "notifications-email-retries": {
        "task": "notifications.send_due_emails",
        "schedule": 60.0,
    },
    "notifications-timers": {
        "task": "notifications.timers_run",
        "schedule": 60.0,
    },
    "reports-rollups-refresh": {
        "task": "reports.rollups_refresh",
        "schedule": 60.0,
    },
    "reports-profile-imports-expire": {
        "task": "reports.profile_imports_expire",
        "schedule": 60.0,
    },
    "subject-access-exports-expire": {
        "task": "subject_access.expire_exports",
        "schedule": 60.0 * 10,
    },
    # A leaver disabled at their agency's provider is signed out within this many seconds.
    "identity-provider-sessions-check": {
        "task": "identity.provider_sessions_check",
        "schedule": 60.0 * 5,
    },
    "api-idempotency-keys-purge": {
        "task": "api.purge_idempotency_keys",
        "schedule": 60.0 * 60,
    },
    # Beat reads crontab in CELERY_TIMEZONE (Europe/London), so 07:00 stays 07:00 in summer.
    "notifications-daily-digest": {
        "task": "notifications.send_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    # Records that reached their retention trigger, listed for review in the quiet hours.
    "records-retention-review": {
        "task": "records.retention_review",
        "schedule": crontab(hour=2, minute=30),
    },
}
IN_PROCESS_TIMERS = env.bool("IN_PROCESS_TIMERS", default=not REDIS_URL)

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="safeguard-hub@localhost")
# Seconds to wait for the mail server (or GOV.UK Notify) before the send counts as failed and
# is retried: a hung server must not hold a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# GOV.UK Notify (notifications.backends.NotifyEmailBackend): production sends through it
# instead of SMTP when both are set. The template's subject is ((subject)), its message ((body)).
GOVUK_NOTIFY_API_KEY = env("GOVUK_NOTIFY_API_KEY", default="")
GOVUK_NOTIFY_TEMPLATE_ID = env("GOVUK_NOTIFY_TEMPLATE_ID", default="")
# Where emailed links point: the address people open the service at.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# The key national returns' pseudonymous tokens are made under (reports.tokens): shared by the
# national body with every area and never stored with the data. Without it no return can be
# produced; production refuses to start without it.
NATIONAL_TOKEN_KEY = env("NATIONAL_TOKEN_KEY", default="")

SERVICE_NAME = "Safeguard Hub"
DJANGO_ADMIN_ENABLED = env.bool("DJANGO_ADMIN_ENABLED", default=False)
OTP_TOTP_ISSUER = SERVICE_NAME  # the name authenticator apps show beside the code
AUTH_USER_MODEL = "agencies.User"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # fontTools reports every glyph of every font subset it writes into a PDF at INFO.
    "loggers": {"fontTools": {"level": "WARNING"}},
}
