"""A subject access request (UK GDPR Article 15) answered by an export of everything the service
holds about a young person: gathered by a background job, its progress kept here for the page,
its files kept until it expires."""

from __future__ import annotations

import uuid
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models

from agencies.dates import ANY_DATE
from agencies.models import Area
from referrals.models import YoungPerson

# Article 12(3): the answer is due within one month of receiving the request.
RESPONSE_PERIOD = relativedelta(months=1)


class ExportStatus(models.TextChoices):
    RUNNING = "running", "Being gathered"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired: files removed"


class SubjectAccessExport(models.Model):
    """One export for one subject access request. Only the coordinators of its area see it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.PROTECT, related_name="subject_access_exports"
    )
    received_on = models.DateField(
        "Date the request was received",
        validators=[ANY_DATE],
        help_text="The one-month limit to answer runs from this day",
    )
    requester = models.CharField(
        "Who made the request",
        max_length=200,
        help_text="The young person, or who asks for them (a parent, a solicitor)",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.RUNNING
    )
    steps_total = models.PositiveSmallIntegerField(default=0)
    steps_done = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=100, blank=True, help_text="What is being gathered now")
    problem = models.TextField(blank=True, help_text="Why it failed, in words")
    counts = models.JSONField(
        default=dict, blank=True, help_text="{kind of record: how many items}, once done"
    )
    for_review = models.PositiveIntegerField(
        default=0, help_text="Items marked for redaction review before release"
    )
    pdf = models.FileField(upload_to="subject-access/%Y/%m/", blank=True)
    bundle = models.FileField(upload_to="subject-access/%Y/%m/", blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="When its files are removed; set once done"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["young_person", "-started_at"], name="sar_export_by_person"),
            models.Index(
                fields=["expires_at"],
                name="sar_export_done_expiry",
                condition=models.Q(status="done"),
            ),
        ]

    def __str__(self) -> str:
        return f"Subject access export for {self.young_person} ({self.status})"

    @property
    def due_on(self) -> date:
        """The day the answer is due: one month after the request was received."""
        return self.received_on + RESPONSE_PERIOD
