"""Restore a backup into a new database and check it: `manage.py restore PATH DATABASE`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from operations.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Create DATABASE, restore the backup at PATH into it with pg_restore, then check it: "
        "every table's row count as in the backup's manifest, audit_verify and rollups_check "
        "pass. The service keeps using its own database until DATABASE_URL is pointed at the "
        "new one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the dump written by `manage.py backup`")
        parser.add_argument("database", help="the new database to restore into")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_restore(path=options["path"], database=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"restored {result.tables} tables, {result.rows} rows, into {result.database} and "
            f"checked them in {result.seconds:.1f} s: row counts equal, audit chain intact, "
            "rollups equal a recount"
        )
