"""Check that the dashboard's rollups equal a recount from the records, area by area."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.models import Area
from reports.rollups import rollups_rebuild, rollups_recount, rollups_refresh, rollups_stored


class Command(BaseCommand):
    help = (
        "Recount every area's rollups from the records and compare them with those stored. "
        "Exits with an error naming each difference; --repair then rebuilds the areas that differ."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", action="append", default=[], help="ONS code (repeatable)")
        parser.add_argument("--repair", action="store_true", help="rebuild areas that differ")

    def handle(self, *args: Any, **options: Any) -> None:
        areas = Area.objects.order_by("ons_code")
        if options["area"]:
            areas = areas.filter(ons_code__in=options["area"])
            missing = set(options["area"]) - {a.ons_code for a in areas}
            if missing:
                raise CommandError(f"No area with ONS code {', '.join(sorted(missing))}")
        rollups_refresh()  # changes already marked are not differences, only not yet counted
        differing = []
        for area in areas:
            recounted = rollups_recount(area_ids=[area.pk])
            stored = rollups_stored(area_ids=[area.pk])
            differences = sorted(
                (cell, stored.get(cell, 0), recounted.get(cell, 0))
                for cell in stored.keys() | recounted.keys()
                if stored.get(cell, 0) != recounted.get(cell, 0)
            )
            for (_, grain, day, measure, key), was, recount in differences[:20]:
                self.stderr.write(
                    f"{area.ons_code} {grain} {day} {measure} {key or '(all)'}: stored {was}, "
                    f"recount {recount}"
                )
            if differences:
                differing.append(area)
            self.stdout.write(
                f"{area.ons_code}: {len(recounted)} counts, {len(differences)} differ"
            )
        if differing and options["repair"]:
            rollups_rebuild(area_ids=[a.pk for a in differing])
            self.stdout.write(f"Rebuilt {len(differing)} area(s)")
        elif differing:
            raise CommandError(
                f"{len(differing)} area(s) differ from a recount; run with --repair to rebuild"
            )
