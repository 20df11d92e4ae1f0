"""Check the audit trail's keyed hash chain and its checkpoints: `manage.py audit_verify`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.selectors import audit_chain_verify
from audit.services import audit_seal


class Command(BaseCommand):
    help = (
        "Seal every committed event still waiting, then recompute every seal's keyed hash in "
        "order and compare the chain's head with the checkpoints kept outside the database; "
        "fail at the first break."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk-size", type=int, default=2000, help="rows read per fetch")
        parser.add_argument(
            "--no-seal", action="store_true", help="verify only what is sealed already"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_seal"]:
            audit_seal(everything=True)
        result = audit_chain_verify(chunk_size=options["chunk_size"])
        if not result.intact:
            raise CommandError(f"audit chain broken at seal {result.broken_at}: {result.problem}")
        self.stdout.write(
            f"audit chain intact: {result.count} events sealed, "
            f"{result.checkpoints} checkpoints matched, {result.unsealed} waiting"
        )
