"""What the home page shows an area administrator: the state of each area they administer,
in figures (no case content)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from .models import Area
from .selectors import administered_areas, lockouts_for_area


@dataclass(frozen=True)
class AreaFigures:
    area: Area
    people: int  # with an active membership in the area
    agencies: int  # active agencies
    locked_out: int  # accounts locked out now


def administered_area_figures(*, user: Any) -> list[AreaFigures]:
    areas = administered_areas(user=user)
    counted = {
        row["pk"]: row
        for row in Area.objects.filter(pk__in=[a.pk for a in areas])
        .annotate(
            people=Count(
                "memberships__user",
                filter=Q(memberships__is_active=True, memberships__user__is_active=True),
                distinct=True,
            ),
            live_agencies=Count("agencies", filter=Q(agencies__is_active=True), distinct=True),
        )
        .values("pk", "people", "live_agencies")
    }
    return [
        AreaFigures(
            area,
            counted[area.pk]["people"],
            counted[area.pk]["live_agencies"],
            len(lockouts_for_area(area=area)),
        )
        for area in areas
    ]
