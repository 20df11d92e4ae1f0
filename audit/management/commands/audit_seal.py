"""Seal committed audit events into the chain: `manage.py audit_seal` (once, or `--follow`)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from audit.services import audit_checkpoint, audit_seal


class Command(BaseCommand):
    help = (
        "Chain every committed, unsealed audit event; with --checkpoint also anchor the head "
        "outside the database. --follow keeps sealing every --interval seconds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--checkpoint", action="store_true", help="then write a checkpoint")
        parser.add_argument("--follow", action="store_true", help="run until stopped")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between runs with --follow"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            sealed = audit_seal()
            if options["checkpoint"]:
                checkpoint = audit_checkpoint()
                if checkpoint is not None:
                    self.stdout.write(f"checkpoint at seal {checkpoint.seq}")
            if not options["follow"]:
                self.stdout.write(f"sealed {sealed} events")
                return
            close_old_connections()
            time.sleep(options["interval"])
