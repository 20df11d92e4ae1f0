"""Rollups: the dashboard's counts by area and day, kept equal to a recount of the records."""

from __future__ import annotations

from django.db import models

from agencies.models import Area


class Rollup(models.Model):
    """How many records counted towards `measure` (under `key`, its breakdown) in an area on a
    day (Europe/London). Written only by reports.rollups, from the records themselves."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    measure = models.CharField(max_length=40)
    key = models.CharField(max_length=60, blank=True)
    count = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "measure", "day", "key"], name="rollup_one_row_per_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.day} {self.measure}[{self.key}] = {self.count}"


class StaleDay(models.Model):
    """A day of an area whose rollups a change has made out of date. Database triggers
    (migration 0001) add these in the transaction of the change itself, so a change cannot
    commit without its mark; reports.rollups recounts the day and removes the mark."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "day"], name="stale_day_once")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.day}"
