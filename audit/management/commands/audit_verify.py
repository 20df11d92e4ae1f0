"""Check the audit trail's hash chain end to end: `manage.py audit_verify`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Recompute every audit event's hash in id order; fail at the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk-size", type=int, default=2000, help="rows read per fetch")

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_chain_verify(chunk_size=options["chunk_size"])
        if not result.intact:
            raise CommandError(f"audit chain broken at event {result.broken_at}: {result.problem}")
        self.stdout.write(f"audit chain intact: {result.count} events")
