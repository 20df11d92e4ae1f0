"""Set-up problems that `make` itself reports: one line saying what to do, non-zero exit."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def make(target: str, path: str, *args: str) -> subprocess.CompletedProcess[str]:
    make_binary = shutil.which("make")
    assert make_binary, "make is needed to run the suite"
    return subprocess.run(
        [make_binary, "--no-print-directory", "-B", target, *args],
        cwd=ROOT,
        env={"PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_npm_is_explained(tmp_path: Path) -> None:
    result = make("node_modules/.installed", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[0] == (
        "error: npm not found: install Node.js 20 with npm, then run make again"
    )


def test_missing_python_311_is_explained(tmp_path: Path) -> None:
    result = make(".venv/.installed", str(tmp_path), "PYTHON=python3.11-not-here")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        .splitlines()[0]
        .startswith("error: python3.11-not-here not found: install Python 3.11")
    )
