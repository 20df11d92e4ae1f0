from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from notifications.timers import timers_run


class Command(BaseCommand):
    help = (
        "Check every deadline once now (due soon, overdue, escalations), as the periodic job "
        "does, and print what was sent. Nobody is told twice of the same event."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = timers_run(now=timezone.now())
        if sent is None:
            self.stdout.write("Another run is in progress; nothing done.")
            return
        for item in sent:
            self.stdout.write(f"{item.kind}  {item.event_key}  ({item.recipients} told)")
        self.stdout.write(f"{len(sent)} events, {sum(s.recipients for s in sent)} people told.")
