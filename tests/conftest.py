from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Let the test database TRUNCATE the audit table, as Django's flush between transactional
    tests does; everywhere else the audit table's trigger refuses it (audit migration 0002)."""
    with django_db_blocker.unblock():
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER DATABASE {name} SET audit.allow_truncate = 'on'")
        connection.close()  # the setting applies to sessions opened from now on
    yield


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
