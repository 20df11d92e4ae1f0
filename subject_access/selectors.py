"""Reads of subject access exports: only the coordinators of the export's area see one (and,
for a person of concern, the area's police leads, who agree to it); anyone else is answered
404, as if it did not exist. An export past its deadline is failed before it is shown, so no
one waits on a job that has stopped."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from agencies.models import Role
from agencies.selectors import active_memberships, membership_in
from disruption.models import PersonOfConcern
from disruption.selectors import entity_get
from referrals.models import YoungPerson
from referrals.selectors import coordinated_areas, young_person_get

from .jobs import fail_overdue
from .models import SubjectAccessExport

ONLY_COORDINATORS = "Only the coordinators of the young person's area start subject access exports."


def _police_led_areas(user: Any) -> list[int]:
    return [
        m.area_id
        for m in active_memberships(user=user)
        if m.role == Role.POLICE_LEAD and m.area_id is not None
    ]


def _visible(user: Any) -> QuerySet[SubjectAccessExport]:
    return SubjectAccessExport.objects.filter(
        Q(area_id__in=coordinated_areas(user=user))
        | Q(person_of_concern__isnull=False, area_id__in=_police_led_areas(user))
    )


def _current(exports: QuerySet[SubjectAccessExport]) -> QuerySet[SubjectAccessExport]:
    fail_overdue(exports, now=timezone.now())
    return exports.select_related("started_by", "agreed_by")


def export_get(*, user: Any, pk: Any) -> SubjectAccessExport:
    export = (
        _current(_visible(user).filter(pk=pk))
        .select_related("young_person", "person_of_concern", "area")
        .first()
    )
    if export is None:
        raise Http404("No such subject access export")
    return export


def exports_for(*, user: Any, young_person: YoungPerson) -> QuerySet[SubjectAccessExport]:
    """The young person's exports, newest first, for a coordinator of their area (none for
    anyone else)."""
    return _current(_visible(user).filter(young_person=young_person))


ONLY_THE_AREAS_INTELLIGENCE = (
    "Only the area's coordinators and police leads see subject access exports about a person "
    "of concern."
)


def young_person_for_subject_access(*, user: Any, pk: int) -> YoungPerson:
    """A young person, for the coordinators of their area (404 out of sight, PermissionDenied
    for anyone else who sees them)."""
    person = young_person_get(user=user, pk=pk)
    if membership_in(user=user, area_id=person.area_id, roles=[Role.COORDINATOR]) is None:
        raise PermissionDenied(ONLY_COORDINATORS)
    return person


def suspect_for_subject_access(*, user: Any, pk: int) -> PersonOfConcern:
    """A person of concern, for the coordinators and police leads of their area (404 out of
    sight, PermissionDenied for anyone else who sees them)."""
    person: PersonOfConcern = entity_get(user=user, model=PersonOfConcern, pk=pk)
    roles = [Role.COORDINATOR, Role.POLICE_LEAD]
    if membership_in(user=user, area_id=person.area_id, roles=roles) is None:
        raise PermissionDenied(ONLY_THE_AREAS_INTELLIGENCE)
    return person


def exports_about(
    *, user: Any, person_of_concern: PersonOfConcern
) -> QuerySet[SubjectAccessExport]:
    """The person of concern's exports, newest first, for the area's coordinators and police
    leads (none for anyone else)."""
    return _current(_visible(user).filter(person_of_concern=person_of_concern))
