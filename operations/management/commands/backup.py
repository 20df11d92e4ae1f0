"""Back the database up: `manage.py backup PATH` (docs/operations.md, "Backups")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from operations.backup import BackupError, backup_create, manifest_path


class Command(BaseCommand):
    help = (
        "Dump the whole database with pg_dump (custom format) to PATH, and beside it a "
        "manifest of its SHA-256 and every table's row count in the same snapshot."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the dump file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            manifest = backup_create(path=path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"backed up {len(manifest.counts)} tables, {sum(manifest.counts.values())} rows, "
            f"to {path} (manifest {manifest_path(path).name})"
        )
