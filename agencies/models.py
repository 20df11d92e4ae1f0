"""Who is who: areas (safeguarding partnerships), agencies, users and their memberships."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class User(AbstractUser):
    """A person who signs in. What they may do comes from their memberships, never from here."""

    email = models.EmailField("email address", unique=True)
    session_epoch = models.PositiveIntegerField(
        default=0, help_text="Raised to end every session the user has (sign out everywhere)"
    )


class Area(models.Model):
    """A local safeguarding partnership: the arrangements its three statutory safeguarding
    partners (the local authority, the integrated care board and the chief officer of police)
    make together under Working Together to Safeguard Children 2023.

    Its settings default to the national expectations; an area may set its own.
    """

    name = models.CharField(max_length=200, unique=True)
    ons_code = models.CharField(
        "ONS local authority code", max_length=9, unique=True, help_text="For example E08000018"
    )
    region = models.CharField(max_length=100)
    triage_working_days = models.PositiveSmallIntegerField(
        default=1, help_text="Working days from submission to a triage decision"
    )
    rag_red_working_hours = models.PositiveSmallIntegerField(default=4)
    rag_amber_working_hours = models.PositiveSmallIntegerField(default=24)
    rag_green_working_hours = models.PositiveSmallIntegerField(default=72)
    review_interval_weeks = models.PositiveSmallIntegerField(default=12)
    risk_reassessment_months = models.PositiveSmallIntegerField(default=3)
    return_home_interview_hours = models.PositiveSmallIntegerField(default=72)
    retention_review_age_years = models.PositiveSmallIntegerField(
        default=25, help_text="Records are kept at least until the young person reaches this age"
    )
    screening_tool_version = models.CharField(max_length=40, default="default-1")
    break_glass_hours = models.PositiveSmallIntegerField(
        default=24, help_text="How long an emergency (break-glass) access lasts"
    )
    merge_undo_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="Days during which a merge of two young people's records may be undone",
    )
    due_soon_working_hours = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1)],
        help_text="Working hours before a triage deadline that its coordinator is told it is due",
    )
    escalation_working_hours = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1)],
        help_text="Working hours something may stay overdue before it is escalated, and again "
        "after each further interval",
    )
    escalation_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Told when something stays overdue; with nobody named, the area's coordinators",
    )
    escalation_max_repeats = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1)],
        help_text="Escalations of one overdue deadline before a final notice to the manager "
        "ends the chain",
    )
    # Out of hours, an immediate-danger concern is told at once to the area's emergency duty
    # contact: an agency (its people in the area) or one person, never both.
    emergency_duty_agency = models.ForeignKey(
        "Agency",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Told at once of an immediate-danger concern raised out of hours",
    )
    emergency_duty_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Told at once of an immediate-danger concern raised out of hours",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(emergency_duty_agency__isnull=True)
                | models.Q(emergency_duty_person__isnull=True),
                name="area_one_emergency_duty_contact",
                violation_error_message="Choose an agency or a person as the emergency duty "
                "contact, not both",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AgencyType(models.TextChoices):
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"
    HOUSING = "housing", "Housing"
    SPECIALIST_VOLUNTARY = "specialist_voluntary", "Specialist voluntary service"
    OTHER = "other", "Other"


class Agency(models.Model):
    """An organisation; a police force or an NHS trust can serve several areas."""

    name = models.CharField(max_length=200, unique=True)
    agency_type = models.CharField(max_length=32, choices=AgencyType.choices)
    areas = models.ManyToManyField(Area, related_name="agencies")
    is_active = models.BooleanField(
        default=True, help_text="Memberships in an inactive agency grant nothing"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    AGENCY_SAFEGUARDING_LEAD = "agency_safeguarding_lead", "Agency safeguarding lead"
    COORDINATOR = "coordinator", "Coordinator"
    LEAD_PROFESSIONAL = "lead_professional", "Lead professional"
    POLICE_LEAD = "police_lead", "Police lead"
    BOARD_MEMBER = "board_member", "Board member"
    AREA_ADMINISTRATOR = "area_administrator", "Area administrator"
    NATIONAL_ANALYST = "national_analyst", "National analyst"


class Membership(models.Model):
    """A user's role in an agency for an area. National analysts hold no area."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="memberships", null=True, blank=True
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="memberships", null=True, blank=True
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "area", "agency"],
                name="membership_unique_role_per_place",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(role=Role.NATIONAL_ANALYST) | models.Q(area__isnull=False),
                name="membership_area_required_except_national",
            ),
        ]

    def __str__(self) -> str:
        where = " / ".join(str(x) for x in (self.agency, self.area) if x)
        return f"{self.user} as {self.get_role_display()}" + (f" ({where})" if where else "")
