"""Reads of subject access exports: only the coordinators of the export's area see one; anyone
else is answered 404, as if it did not exist. An export still running past its deadline is
failed before it is shown, so no one waits on a job that has stopped."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from referrals.models import YoungPerson
from referrals.selectors import coordinated_areas

from .jobs import fail_overdue
from .models import SubjectAccessExport


def _coordinated(user: Any) -> QuerySet[SubjectAccessExport]:
    return SubjectAccessExport.objects.filter(area_id__in=coordinated_areas(user=user))


def export_get(*, user: Any, pk: Any) -> SubjectAccessExport:
    exports = _coordinated(user).filter(pk=pk)
    fail_overdue(exports, now=timezone.now())
    export = exports.select_related("young_person", "area", "started_by").first()
    if export is None:
        raise Http404("No such subject access export")
    return export


def exports_for(*, user: Any, young_person: YoungPerson) -> QuerySet[SubjectAccessExport]:
    """The young person's exports, newest first, for a coordinator of their area (none for
    anyone else)."""
    exports = _coordinated(user).filter(young_person=young_person)
    fail_overdue(exports, now=timezone.now())
    return exports.select_related("started_by")
