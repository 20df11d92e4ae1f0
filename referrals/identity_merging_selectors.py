"""Reads for merging two records of one young person (referrals.identity_merging): the
merges a coordinator may see and undo, through the young people they may see."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from agencies.models import User

from .models import YoungPerson, YoungPersonMerge
from .selectors import young_people_list


def young_person_merges(*, user: User, young_person: YoungPerson) -> QuerySet[YoungPersonMerge]:
    """The merges into `young_person` not undone, newest first, when the user sees them."""
    return (
        YoungPersonMerge.objects.filter(
            kept=young_person,
            kept__in=young_people_list(user=user),
            undone_at__isnull=True,
        )
        .select_related("merged", "kept", "area", "merged_by")
        .order_by("-merged_at", "-id")
    )


def young_person_merge_get(*, user: User, pk: int) -> YoungPersonMerge:
    """One merge, for someone who sees the record it kept; 404 otherwise."""
    merge = (
        YoungPersonMerge.objects.filter(pk=pk, kept__in=young_people_list(user=user))
        .select_related("merged", "kept", "area", "merged_by", "undone_by")
        .first()
    )
    if merge is None:
        raise Http404("No such merge")
    return merge
