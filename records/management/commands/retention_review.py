"""List the records that have reached their retention trigger for review, as the nightly job
does; with --dry-run only print what it would list."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from records.models import RetentionAction
from records.review_job import retention_review_run
from records.selectors import record_words


class Command(BaseCommand):
    help = (
        "List every record that has reached its retention trigger (and is not held) for "
        "review. Nothing is erased: a person approves each review. --dry-run prints what "
        "would be listed and lists nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="print, list nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        dry = options["dry_run"]
        due = retention_review_run(dry_run=dry)
        for item in due:
            # Kinds and ids only: a terminal's scrollback is no place for names.
            self.stdout.write(
                f"{item.area.ons_code} {record_words(item.kind, item.record_id)}: "
                f"due {item.due_on:%-d %B %Y}, on approval: "
                f"{RetentionAction(item.action).label.lower()}"
            )
        verb = "would be listed" if dry else "listed"
        self.stdout.write(f"{len(due)} record(s) {verb} for review")
