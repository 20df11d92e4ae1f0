"""Fixtures shared by the reports' tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import Role
from reports.models import ProfileImport
from reports.profile_imports import profile_import_start
from tests.factories import member


@pytest.fixture
def run_import(
    django_capture_on_commit_callbacks: Any,
) -> Callable[[bytes, str], ProfileImport]:
    """Upload a file as a national analyst and run its job as the worker would."""
    analyst = member(Role.NATIONAL_ANALYST)

    def run(content: bytes, name: str = "profiles.csv") -> ProfileImport:
        with django_capture_on_commit_callbacks(execute=True):
            job = profile_import_start(actor=analyst, upload=SimpleUploadedFile(name, content))
        job.refresh_from_db()
        return job

    return run
