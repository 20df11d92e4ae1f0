from typing import Any

from django.core.management.base import BaseCommand

from referrals.diagram import DIAGRAM_PATH, state_diagram


class Command(BaseCommand):
    help = "Write docs/referral-states.md from the workflow declared on the Referral model."

    def handle(self, *args: Any, **options: Any) -> None:
        DIAGRAM_PATH.write_text(state_diagram())
        self.stdout.write(f"written {DIAGRAM_PATH.relative_to(DIAGRAM_PATH.parent.parent)}")
