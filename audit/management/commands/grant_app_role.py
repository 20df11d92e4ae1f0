"""Grant the application's database role its rights: `manage.py grant_app_role <role>`.

Run as the owner (MIGRATE_DATABASE_URL) after every migrate; see docs/audit.md."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.roles import UnsafeRole, app_role_grant, audit_tables


class Command(BaseCommand):
    help = (
        "Create the application's database role if needed, and grant it the service's rights: "
        "SELECT and INSERT only on the audit tables, ordinary DML elsewhere."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the role web and worker processes connect as")
        parser.add_argument(
            "--password-env",
            default="APP_DATABASE_PASSWORD",
            help="environment variable holding the password a new role logs in with "
            "(default APP_DATABASE_PASSWORD; unset: no password is set)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            app_role_grant(
                role=options["role"], password=os.environ.get(options["password_env"], "")
            )
        except UnsafeRole as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{options['role']}: ordinary rights, and only SELECT and INSERT on "
            f"{len(audit_tables())} audit tables"
        )
