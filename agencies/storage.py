"""Files the service stores (uploads, exports): removed only once the rows naming them are
gone for good."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import transaction


def files_removed_on_commit(names: Iterable[str]) -> None:
    """Remove the stored files `names` (blank ones skipped) once the current transaction
    commits, so that a rollback keeps every file its rows still name; outside a transaction,
    at once."""
    kept = [name for name in names if name]

    def remove() -> None:
        for name in kept:
            default_storage.delete(name)

    if kept:
        transaction.on_commit(remove)
