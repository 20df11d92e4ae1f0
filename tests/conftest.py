from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from _pytest.nodeid import NodeId
from django.apps import apps
from django.db.backends.postgresql.operations import DatabaseOperations
from django.db.models.signals import post_migrate
from django.test import TestCase
from pgtrigger.apps import install_on_migrate
from rest_framework.test import APIClient

from tests import strength  # noqa: F401  (registers and loads the Hypothesis profile)
from tests.browser.form_check import EveryFormCheck
from tests.redis_server import redis_down, redis_hung  # noqa: F401  (fixtures for every package)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None) -> Iterator[None]:
    """Django's flush after each transactional test empties the tables as `empty_tables` does.
    It also sends post_migrate, on which pgtrigger would install every trigger again (the
    emptying keeps them, so that is only slow); the catalogues it emptied are loaded again on
    it instead."""
    post_migrate.disconnect(install_on_migrate, sender=apps.get_app_config("pgtrigger"))
    post_migrate.connect(reload_catalogues, sender=apps.get_app_config("referrals"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", empty_tables)
        yield


def empty_tables(
    self: DatabaseOperations,
    style: Any,
    tables: list[str],
    *,
    reset_sequences: bool = False,
    allow_cascade: bool = False,
) -> list[str]:
    """The SQL that empties `tables`, for Django's flush: only the tables with rows, each by
    DELETE with its own triggers off (the audit tables' append-only refusals, the reports'
    change markers), in the flush's one transaction. Django's own TRUNCATE of every table
    gives each of the hundreds of tables and indexes a new file: one to four seconds after
    every transactional test, where this takes milliseconds and leaves the same empty tables.
    The foreign keys (Django's, all deferred) are checked once every table is empty, before
    the triggers are turned on again, which a table with checks pending refuses.

    The content types and permissions are kept: post_migrate, sent after the flush, would
    write the same rows back (half a second of inserts and commits); no test adds to them."""
    assert not reset_sequences, "the tests' flush keeps the sequences"
    emptied = [table for table in tables if table not in REFILLED_BY_POST_MIGRATE]
    names = ", ".join("'" + table.replace("'", "''") + "'" for table in emptied)
    return [EMPTY_TABLES.replace("{tables}", names)] if emptied else []


REFILLED_BY_POST_MIGRATE = {"django_content_type", "auth_permission"}


EMPTY_TABLES = """DO $$
DECLARE
  name text;
  has_rows boolean;
  filled text[] := '{}';
BEGIN
  FOREACH name IN ARRAY ARRAY[{tables}]::text[] LOOP
    EXECUTE format('SELECT EXISTS (SELECT FROM %I)', name) INTO has_rows;
    IF has_rows THEN
      filled := filled || name;
      EXECUTE format('ALTER TABLE %I DISABLE TRIGGER USER', name);
    END IF;
  END LOOP;
  FOREACH name IN ARRAY filled LOOP
    EXECUTE format('DELETE FROM %I', name);
  END LOOP;
  SET CONSTRAINTS ALL IMMEDIATE;
  FOREACH name IN ARRAY filled LOOP
    EXECUTE format('ALTER TABLE %I ENABLE TRIGGER USER', name);
  END LOOP;
END $$"""


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def reload_catalogues(**kwargs: Any) -> None:
    """The catalogues the migrations load (screening indicators, protective actions,
    disruption tactics, the national retention schedule), loaded again from the same
    migrations after Django's flush at the end of a transactional test has emptied every
    table, so the next test (or a module's shared rows, built before any test's own set-up)
    finds them."""
    from disruption.models import DisruptionTactic
    from records.models import RetentionRule
    from referrals.models import ScreeningTool

    if not ScreeningTool.objects.exists():
        importlib.import_module("referrals.migrations.0010_catalogues").load(apps, None)
        importlib.import_module("referrals.migrations.0018_county_lines_screening_tool").load(
            apps, None
        )
    if not DisruptionTactic.objects.exists():
        importlib.import_module("disruption.migrations.0002_tactics").load(apps, None)
    if not RetentionRule.objects.exists():
        for defaults in ("0002_national_defaults", "0005_more_kinds_defaults"):
            importlib.import_module(f"records.migrations.{defaults}").add_defaults(apps, None)


@contextmanager
def shared_rows() -> Iterator[None]:
    """Rows shared by many tests, built once (a module- or class-scoped fixture), as Django's
    `setUpTestData` does: inside the test case's own kind of transaction, rolled back at the
    end, in which each test's transaction is a savepoint. Durable blocks work inside it."""
    atomics = TestCase._enter_atomics()  # type: ignore[attr-defined]  # not in the stubs
    try:
        yield
    finally:
        TestCase._rollback_atomics(atomics)  # type: ignore[attr-defined]


# Tests that must share one xdist worker, by what they share: one throwaway Redis server; the
# launcher's own processes and servers. Every other module goes whole to one worker, so that its
# module-scoped fixtures (a browser module's ASGI server) are built once.
SHARED_WORKER = {
    "tests/notifications/test_redis_layer.py": "redis",
    "tests/config/test_launcher.py": "launcher",
    "tests/config/test_make_run.py": "launcher",
}
# Handed out test by test, not as a whole module: the schema's generated requests, a large
# share of the suite's time, which would otherwise keep one worker busy long after the other.
SPREAD = ("tests/api/test_schema.py",)
# Handed out first: the browser modules, so that each worker starts Chromium once and stops it
# once (tests/browser/conftest.py), then the launcher's long group.
FIRST = ("tests/browser/", "launcher")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(EveryFormCheck(config), "every-form-check")


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Modules, and the groups above, each whole to one worker. (xdist's own `loadgroup` marks
    a group by rewriting node ids in a way this pytest no longer reads.)"""
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if path in SPREAD:
                return nodeid
            return next((g for prefix, g in SHARED_WORKER.items() if path.startswith(prefix)), path)

        def _assign_work_unit(self, node: Any) -> None:
            first = [scope for scope in self.workqueue if scope.startswith(FIRST)]
            for scope in reversed(first):
                self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return ModuleScheduling(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    seen: set[str] = set()
    for item in items:
        if item.nodeid in seen and item.parent is not None:
            # xdist schedules by node id, and schemathesis gives every API operation's test its
            # function's id; the item's name has the operation, so the id takes the name.
            item._id = NodeId.parse(f"{item.parent.nodeid}::{item.name}")
        seen.add(item.nodeid)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("browser") is None:
        stop_chromium()


def pytest_sessionfinish(session: pytest.Session) -> None:
    stop_chromium()


def stop_chromium() -> None:
    """The browser tests' Chromium, if a browser test started it (see tests/browser)."""
    chromium = sys.modules.get("tests.browser.conftest")
    if chromium is not None:
        chromium.CHROMIUM.stop()
