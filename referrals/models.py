"""Young people and referrals. The referral workflow issue adds the full state machine."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition

from agencies.models import Agency, Area

from .validators import validate_nhs_number


class YoungPerson(models.Model):
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="young_people")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    nhs_number = models.CharField(
        "NHS number",
        max_length=10,
        blank=True,
        validators=[validate_nhs_number],
        help_text="The identifier health and social care share; ten digits, checked",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "young people"

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class ReferralState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_TRIAGE = "in_triage", "In triage"
    ACTIVE = "active", "Active plan"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    TRANSFERRED = "transferred", "Transferred"
    MERGED = "merged", "Merged"


class Referral(models.Model):
    """A concern about a young person, raised by a practitioner for one area."""

    reference = models.CharField(max_length=20, unique=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="referrals")
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.PROTECT, related_name="referrals"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_raised"
    )
    raised_by_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="referrals_raised"
    )
    state = FSMField(default=ReferralState.DRAFT, choices=ReferralState.choices, protected=True)
    narrative = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    triage_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When a triage decision is due, in working time"
    )

    class Meta:
        indexes = [
            models.Index(fields=["area", "state", "-created_at"]),
            # Lists are newest first; walking this index lets a LIMIT stop early.
            models.Index(fields=["-created_at", "-id"], name="referral_newest_first"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def current_assignments(self) -> models.QuerySet[ReferralAssignment]:
        return self.assignments.filter(ended_at__isnull=True).select_related(
            "agency", "lead_professional"
        )

    @transition(field=state, source=ReferralState.DRAFT, target=ReferralState.SUBMITTED)
    def submit(self) -> None:
        """Send the concern to the area's coordinators."""


class ReferralEventType(models.TextChoices):
    RAISED = "raised", "Concern drafted"
    SUBMITTED = "submitted", "Concern submitted"
    LEAD_ASSIGNED = "lead_assigned", "Lead professional assigned"
    BREAK_GLASS = "break_glass", "Emergency access opened"
    BREAK_GLASS_REVIEWED = "break_glass_reviewed", "Emergency access reviewed"


class ReferralEvent(models.Model):
    """One entry on a referral's timeline: a type plus its parameters. Never edited."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="events")
    event_type = models.CharField(max_length=40, choices=ReferralEventType.choices)
    parameters = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["referral", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class ReferralAssignment(models.Model):
    """An agency's part in a referral, with the lead professional named for it."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="assignments")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="assignments")
    lead_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="lead_assignments",
        null=True,
        blank=True,
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "agency"],
                condition=models.Q(ended_at__isnull=True),
                name="one_current_assignment_per_agency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.referral} – {self.agency}"


class BreakGlassAccess(models.Model):
    """Emergency access to a referral outside the user's scope: time-limited and reviewed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_accesses"
    )
    membership = models.ForeignKey(
        "agencies.Membership", on_delete=models.PROTECT, related_name="break_glass_accesses"
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="break_glass_accesses"
    )
    reason = models.TextField()
    granted_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "referral", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.referral} until {self.expires_at:%Y-%m-%d %H:%M}"
