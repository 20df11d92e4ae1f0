"""Rollups: the dashboard's counts by area and day, kept equal to a recount of the records."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models

from agencies.dates import ANY_DATE
from agencies.models import Agency, AgencyType, Area


class _Counted(models.Model):
    """How many records counted towards `measure` (under `key`, its breakdown) in an area over
    a day or a month."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    measure = models.CharField(max_length=40)
    key = models.CharField(max_length=60, blank=True)
    count = models.IntegerField()

    class Meta:
        abstract = True


class Rollup(_Counted):
    """A day's count (Europe/London). Written only by reports.rollups, from the records
    themselves."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "measure", "day", "key"], name="rollup_one_row_per_cell"
            )
        ]
        # Recounts replace, and dashboards read, an area's span of days across measures.
        indexes = [models.Index(fields=["area", "day"], name="rollup_area_day")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.day} {self.measure}[{self.key}] = {self.count}"


class MonthlyRollup(_Counted):
    """The sum of an area's daily rollups over a calendar month, so that a period of whole
    months reads a row per month rather than one per day. Written only by reports.rollups,
    which replaces a month whenever it replaces any of its days."""

    month = models.DateField(help_text="The month's first day.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "month", "measure", "key"], name="monthly_rollup_one_row_per_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.month:%Y-%m} {self.measure}[{self.key}] = {self.count}"


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


# The area strategy profile: the 2010 study's questionnaire kept current
# (docs/strategy-profiles.md).


class ProtocolStatus(models.TextChoices):
    NONE = "none", "None"
    IN_DEVELOPMENT = "in_development", "In development"
    IN_PLACE = "in_place", "In place"


class YesNoNotKnown(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_KNOWN = "not_known", "Not known"


class CoordinatorStatus(models.TextChoices):
    NONE = "none", "None"
    PLANNED = "planned", "Planned"
    IN_POST = "in_post", "In post"


class ServiceStatus(models.TextChoices):
    NONE = "none", "None"
    PLANNED = "planned", "Planned"
    IN_PLACE = "in_place", "In place"


class DeliveryStatus(models.TextChoices):
    """Awareness raising and training: 'planned' is kept apart from 'none' because the study's
    'areas without plans' are those answering none."""

    NONE = "none", "None"
    PLANNED = "planned", "Planned"
    DELIVERED = "delivered", "Delivered"


class ActivityStatus(models.TextChoices):
    NONE = "none", "None"
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"


class Audience(models.TextChoices):
    PROFESSIONALS = "professionals", "Professionals"
    YOUNG_PEOPLE = "young_people", "Young people"
    PARENTS_AND_CARERS = "parents_and_carers", "Parents and carers"


class TrainingTopic(models.TextChoices):
    IDENTIFICATION = "identification", "Identification"
    PROTECTION = "protection", "Protection"
    EVIDENCE_GATHERING = "evidence_gathering", "Evidence gathering"


def year_label(year: int) -> str:
    """A reporting year (April to March) by its start year: 2026 is 2026-27."""
    return f"{year}-{(year + 1) % 100:02d}"


def _status(choices: type[models.TextChoices]) -> models.CharField:
    """A questionnaire item answered on a scale whose first value is "none"."""
    return models.CharField(max_length=10, choices=choices.choices, default=choices("none"))


class StrategyProfile(models.Model):
    """An area's answers for one reporting year (April to March, named by the year it starts).

    A profile that has not responded keeps the defaults (none, no): the national comparison
    reads it as having nothing in place, the study's stated assumption."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="strategy_profiles")
    year = models.PositiveSmallIntegerField(help_text="The reporting year's start: 2026 is 2026-27")
    responded = models.BooleanField(default=False)
    protocol = models.CharField(
        max_length=20, choices=ProtocolStatus.choices, default=ProtocolStatus.NONE
    )
    protocol_reviewed_on = models.DateField(null=True, blank=True, validators=[ANY_DATE])
    protocol_reviewed_since_guidance = models.CharField(
        max_length=10, choices=YesNoNotKnown.choices, default=YesNoNotKnown.NOT_KNOWN
    )
    sub_group = models.BooleanField(default=False)
    lead_professional_agencies = ArrayField(
        models.CharField(max_length=32, choices=AgencyType.choices), default=list, blank=True
    )
    coordinator = _status(CoordinatorStatus)
    specialist_service = _status(ServiceStatus)
    awareness_professionals = _status(DeliveryStatus)
    awareness_young_people = _status(DeliveryStatus)
    awareness_parents_and_carers = _status(DeliveryStatus)
    training_identification = _status(DeliveryStatus)
    training_protection = _status(DeliveryStatus)
    training_evidence_gathering = _status(DeliveryStatus)
    disruption_activity = _status(ActivityStatus)
    local_data_collection = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["area__name", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="strategy_profile_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year}"

    @property
    def year_label(self) -> str:
        return year_label(self.year)


class DocumentKind(models.TextChoices):
    PROTOCOL = "protocol", "Protocol"
    TERMS_OF_REFERENCE = "terms_of_reference", "Terms of reference"
    OTHER = "other", "Other key document"


class StrategyDocument(models.Model):
    """Evidence for a profile, and an entry in the library other areas read and reuse. Such
    documents describe how an area works, never a case: the upload page says so."""

    profile = models.ForeignKey(StrategyProfile, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    file = models.FileField(upload_to="strategy-documents/%Y/%m/")
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def area_id(self) -> int:
        """The profile's area, so an audit record of the document is filed under it."""
        return self.profile.area_id


class SessionKind(models.TextChoices):
    AWARENESS = "awareness", "Awareness raising"
    TRAINING = "training", "Training"


class StrategySession(models.Model):
    """An awareness-raising or training session an area delivered: the measured side of the
    profile's self-assessed answers. Awareness has an audience, training a topic."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="strategy_sessions")
    kind = models.CharField(max_length=10, choices=SessionKind.choices)
    audience = models.CharField(max_length=20, choices=Audience.choices, blank=True)
    topic = models.CharField(max_length=20, choices=TrainingTopic.choices, blank=True)
    held_on = models.DateField(validators=[ANY_DATE])
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    attending = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    logged_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["area", "held_on"], name="strategy_session_area_day")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind=SessionKind.AWARENESS, topic="") & ~models.Q(audience=""))
                | (models.Q(kind=SessionKind.TRAINING, audience="") & ~models.Q(topic="")),
                name="strategy_session_audience_or_topic",
            ),
            models.CheckConstraint(
                condition=models.Q(attending__gte=1), name="strategy_session_someone_attended"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.kind} {self.held_on}"


class ImportStatus(models.TextChoices):
    CHECKING = "checking", "Checking"
    FAILED = "failed", "Not imported: the file has problems"
    IMPORTED = "imported", "Imported"


class ProfileImport(models.Model):
    """One upload of many areas' answers: checked in full (its progress kept here for the
    page to show) and then imported in one transaction, or not at all."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(upload_to="strategy-imports/%Y/%m/")
    original_name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    problems = models.JSONField(
        default=list, blank=True, help_text="[{row, column, message}], row 1 being the header"
    )
    imported = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"


# National returns (reports.national): each area's coarse rows for a period, imported by the
# national body to count young people once across areas. No row holds anything identifying:
# the young person is a keyed token only.


class NationalReturn(models.Model):
    """One area's return for one period, as a national analyst imported it."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(validators=[ANY_DATE])
    period_end = models.DateField(validators=[ANY_DATE])
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


class LinkGraphVersion(models.Model):
    """Raised by a database trigger (migration 0005) in the transaction of every change to an
    area's links, so a cluster count cached under a version is never read after a change."""

    area = models.OneToOneField(Area, on_delete=models.CASCADE, primary_key=True, related_name="+")
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.area_id} v{self.version}"
