"""Start-up checks for the audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED


@register()
def check_read_committed(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """The sealer reads the newest seal after taking its lock; under REPEATABLE READ or
    SERIALIZABLE that read could use an older snapshot, and every run after the first would
    fail on the chain's unique links."""
    level = settings.DATABASES["default"].get("OPTIONS", {}).get("isolation_level")
    if level not in (None, ISOLATION_LEVEL_READ_COMMITTED):
        return [
            Error(
                "The audit trail needs the READ COMMITTED isolation level.",
                hint="Remove OPTIONS['isolation_level'] from DATABASES['default'].",
                id="audit.E001",
            )
        ]
    return []
