"""Development settings: `make run`. Never used in production."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="development-only-not-secret")
# So the demo areas can produce national returns; a real service gets the national body's key.
NATIONAL_TOKEN_KEY = env("NATIONAL_TOKEN_KEY", default="development-only-national-token-key")
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY", default="development-only-audit-chain-key")
AUDIT_CHECKPOINT_PATH = env(
    "AUDIT_CHECKPOINT_PATH", default=str(BASE_DIR / "var" / "audit-checkpoints.jsonl")
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
DEMO_SETTINGS = True
DJANGO_ADMIN_ENABLED = env.bool("DJANGO_ADMIN_ENABLED", default=True)
# The demo signs in with a password only unless TWO_FACTOR_REQUIRED=true is set.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=False)
# Static files straight from the app folders (no collectstatic step outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
OIDC_ALLOW_LOCAL_PROVIDERS = True  # the providers of development and the tests run here
