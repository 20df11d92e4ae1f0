"""Start-up checks for the audit trail."""

from __future__ import annotations

import pytest
from django.conf import settings
from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED, ISOLATION_LEVEL_REPEATABLE_READ

from audit.checks import check_read_committed


@pytest.mark.parametrize("options", [{}, {"isolation_level": ISOLATION_LEVEL_READ_COMMITTED}])
def test_read_committed_passes(monkeypatch: pytest.MonkeyPatch, options: dict[str, int]) -> None:
    monkeypatch.setitem(settings.DATABASES["default"], "OPTIONS", options)
    assert check_read_committed(None) == []


def test_a_stricter_isolation_level_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # The newest hash would be read from the transaction's first snapshot: the chain could fork.
    monkeypatch.setitem(
        settings.DATABASES["default"],
        "OPTIONS",
        {"isolation_level": ISOLATION_LEVEL_REPEATABLE_READ},
    )
    [error] = check_read_committed(None)
    assert error.id == "audit.E001"
