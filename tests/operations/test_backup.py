"""The backup and restore drill, end to end: a small world backed up, restored into a new
database and checked there (row counts, audit chain, rollups)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg2 import sql

from agencies.models import Membership, Role
from audit.models import AuditEvent
from operations.backup import (
    BackupError,
    Manifest,
    backup_restore,
    manifest_path,
    pg_tool,
    server_version_num,
)
from referrals.models import Referral
from tests.factories import member, raise_referral

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world() -> None:
    coordinator = member(Role.COORDINATOR)
    membership = Membership.objects.get(user=coordinator)
    practitioner = member(Role.PRACTITIONER, area=membership.area, agency=membership.agency)
    for _ in range(3):
        raise_referral(practitioner, submit=True)


@pytest.fixture
def restored_name() -> Iterator[str]:
    """The new database a restore creates; dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with connection.cursor() as cursor:
        cursor.execute(drop)
    yield name
    with connection.cursor() as cursor:
        cursor.execute(drop)


@pytest.fixture
def dump(world: None, tmp_path: Path) -> Path:
    path = tmp_path / "hub.dump"
    call_command("backup", str(path))
    return path


def test_a_backup_restores_into_a_new_database_that_passes_every_check(
    dump: Path, restored_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = Manifest.read(dump)
    assert manifest.counts["public.referrals_referral"] == Referral.objects.count() == 3
    assert manifest.counts["public.audit_auditevent"] == AuditEvent.objects.count() > 0

    call_command("restore", str(dump), restored_name)

    out = capsys.readouterr().out
    assert f"into {restored_name}" in out
    assert "row counts equal, audit chain intact, rollups equal a recount" in out


def test_a_dump_that_is_not_the_one_its_manifest_describes_is_refused(
    dump: Path, restored_name: str
) -> None:
    with dump.open("ab") as file:
        file.write(b"\0")
    with pytest.raises(CommandError, match="SHA-256 differs"):
        call_command("restore", str(dump), restored_name)


def test_a_restore_with_rows_missing_fails(dump: Path, restored_name: str) -> None:
    """The manifest says one more referral than the dump holds, as if a row were lost."""
    recorded = json.loads(manifest_path(dump).read_text())
    recorded["counts"]["public.referrals_referral"] += 1
    manifest_path(dump).write_text(json.dumps(recorded))
    with pytest.raises(
        BackupError, match=r"public\.referrals_referral: 4 in the backup, 3 restored"
    ):
        backup_restore(path=dump, database=restored_name)


def test_a_restore_never_overwrites_an_existing_database(dump: Path) -> None:
    with pytest.raises(BackupError, match="exists already"):
        backup_restore(path=dump, database=str(connection.settings_dict["NAME"]))


def test_the_programs_match_the_server_s_major_version() -> None:
    program = pg_tool("pg_dump", server_version=server_version_num())
    assert Path(program).name == "pg_dump"
    with pytest.raises(BackupError, match="PostgreSQL 99 or newer"):
        pg_tool("pg_dump", server_version=990000)
