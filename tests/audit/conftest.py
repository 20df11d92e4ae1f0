from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def checkpoint_store(settings: Any, tmp_path: Path) -> Path:
    """A checkpoint store of the test's own, as production keeps one outside the database."""
    path = tmp_path / "checkpoints.jsonl"
    settings.AUDIT_CHECKPOINT_PATH = str(path)
    return path
