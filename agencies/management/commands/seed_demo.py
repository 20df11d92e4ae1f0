import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agencies.demo import seed_demo

DEFAULT_DEMO_PASSWORD = "demo-safeguard-2026"  # noqa: S105 - demo only, documented in README


class Command(BaseCommand):
    help = "Create fictional demo areas, agencies, one user per role and a few referrals."

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "DEMO_SETTINGS", False):
            raise CommandError("seed_demo refuses to run under production settings.")
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        sign_ins = seed_demo(password=password)
        self.stdout.write("Demo sign-ins (password from DEMO_PASSWORD, default in README):")
        width = max(len(username) for username, _ in sign_ins)
        for username, role in sign_ins:
            self.stdout.write(f"  {username.ljust(width)}  {role}")
