"""Rollups: the dashboard's counts by area and day, kept equal to a recount of the records."""

from __future__ import annotations

from django.conf import settings
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


# National returns (reports.national): each area's coarse rows for a period, imported by the
# national body to count young people once across areas. No row holds anything identifying:
# the young person is a keyed token only.


class NationalReturn(models.Model):
    """One area's return for one period, as a national analyst imported it."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "period_start", "period_end"], name="national_return_once"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="national_return_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.period_start} to {self.period_end}"


class NationalReturnRow(models.Model):
    """One referral in a return: coarse categories and the young person's token ("" when the
    area had too little to make one: counted as not matchable)."""

    national_return = models.ForeignKey(
        NationalReturn, on_delete=models.CASCADE, related_name="rows"
    )
    age_band = models.CharField(max_length=20)
    sex = models.CharField(max_length=20)
    ethnicity_group = models.CharField(max_length=20)
    agency_type = models.CharField(max_length=40)
    risk_level = models.CharField(max_length=20)
    exploitation_type = models.CharField(max_length=40)
    outcome = models.CharField(max_length=40)
    timeliness = models.CharField(max_length=20)
    # Byte order ("C"): tokens are hex, and sorting them by a language's rules is slow.
    token = models.CharField(max_length=64, blank=True, db_collation="C")

    class Meta:
        indexes = [models.Index(fields=["token"], name="national_row_token")]

    def __str__(self) -> str:
        return f"{self.national_return_id} {self.token or 'not matchable'}"
