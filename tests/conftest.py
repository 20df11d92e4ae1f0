from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.models.signals import post_migrate
from pgtrigger.apps import install_on_migrate
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
    # Django's flush after each transactional test sends post_migrate, on which pgtrigger
    # would install every trigger again; TRUNCATE keeps them, so that is only slow.
    post_migrate.disconnect(install_on_migrate, sender=apps.get_app_config("pgtrigger"))
    yield


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def catalogues(request: pytest.FixtureRequest) -> None:
    """The catalogues the migrations load (screening indicators, protective actions,
    disruption tactics).

    Django's flush after a transactional test empties every table, data migrations' rows too;
    load them again, from the same migration, when a test with the database finds them gone."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("_django_db_helper")
    from disruption.models import DisruptionTactic
    from referrals.models import ScreeningTool

    if not ScreeningTool.objects.exists():
        importlib.import_module("referrals.migrations.0010_catalogues").load(apps, None)
    if not DisruptionTactic.objects.exists():
        importlib.import_module("disruption.migrations.0002_tactics").load(apps, None)
