"""A subject access request (UK GDPR Article 15) answered by an export of everything the service
holds about a young person, or about a person of concern: gathered by a background job, its
progress kept here for the page, its files kept until it expires. An export about a person of
concern is police intelligence: it starts only once a police lead of the area has agreed."""

from __future__ import annotations

import uuid
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models

from agencies.dates import ANY_DATE
from agencies.models import Area
from disruption.models import PersonOfConcern
from referrals.models import YoungPerson

# Article 12(3): the answer is due within one month of receiving the request, or two months
# more for a complex request, if the person is told so (with the reasons) within the first.
RESPONSE_PERIOD = relativedelta(months=1)
EXTENSION = relativedelta(months=2)
EXTENSION_REASON_CAP = 2000


class ExportStatus(models.TextChoices):
    AWAITING = "awaiting", "Waiting for a police lead to agree"
    RUNNING = "running", "Being gathered"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired: files removed"


class SubjectAccessExport(models.Model):
    """One export for one subject access request, about one young person or one person of
    concern. Only the coordinators of its area see it (and, for a person of concern, its police
    leads, who agree to it); only the coordinators download it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    young_person = models.ForeignKey(
        YoungPerson,
        on_delete=models.PROTECT,
        related_name="subject_access_exports",
        null=True,
        blank=True,
    )
    person_of_concern = models.ForeignKey(
        PersonOfConcern,
        on_delete=models.PROTECT,
        related_name="subject_access_exports",
        null=True,
        blank=True,
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
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The police lead who agreed to an export about a person of concern",
    )
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="When the job was queued: its deadline runs from it"
    )
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
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    extended_at = models.DateTimeField(
        null=True, blank=True, help_text="When the answer's deadline was extended by two months"
    )
    extension_reason = models.TextField(
        blank=True, max_length=EXTENSION_REASON_CAP, help_text="Why: the person is told it"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(young_person__isnull=False, person_of_concern__isnull=True)
                | models.Q(young_person__isnull=True, person_of_concern__isnull=False),
                name="sar_export_about_one_subject",
            ),
            # An export about a person of concern runs only with a police lead's agreement.
            models.CheckConstraint(
                condition=models.Q(person_of_concern__isnull=True)
                | models.Q(status__in=["awaiting", "failed"])
                | models.Q(agreed_by__isnull=False),
                name="sar_export_of_intelligence_agreed",
            ),
        ]
        indexes = [
            models.Index(fields=["young_person", "-started_at"], name="sar_export_by_person"),
            models.Index(fields=["person_of_concern", "-started_at"], name="sar_export_by_suspect"),
            models.Index(
                fields=["expires_at"],
                name="sar_export_done_expiry",
                condition=models.Q(status="done"),
            ),
        ]

    def __str__(self) -> str:
        return f"Subject access export for {self.subject} ({self.status})"

    @property
    def subject(self) -> YoungPerson | PersonOfConcern:
        subject = self.young_person or self.person_of_concern
        if subject is None:  # refused by sar_export_about_one_subject
            raise ValueError("an export is about a young person or a person of concern")
        return subject

    @property
    def first_due_on(self) -> date:
        """One month after the request was received: the deadline unless extended, and the
        last day an extension may be made."""
        return self.received_on + RESPONSE_PERIOD

    @property
    def due_on(self) -> date:
        """The day the answer is due: one month after the request was received, three when
        the deadline was extended."""
        return self.first_due_on + (EXTENSION if self.extended_at else relativedelta())
