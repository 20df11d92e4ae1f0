"""Young people and referrals. The referral workflow issue adds the full state machine."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from agencies.models import Agency, Area
from agencies.rules import coordinates_area_of

from .validators import validate_nhs_number
from .working_time import add_working_days


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


class Decision(models.TextChoices):
    """What the coordinator decides at triage (Working Together: within one working day)."""

    NO_FURTHER_ACTION = "no_further_action", "No further action"
    ADVICE_AND_SIGNPOSTING = "advice_and_signposting", "Advice and signposting"
    STATUTORY_REFERRAL = "statutory_referral", "Statutory referral to children's social care"
    MULTI_AGENCY_PLAN = "multi_agency_plan", "Multi-agency plan"


# Decisions after which the partnership keeps working the case; the others close it.
DECISIONS_THAT_STAY_ACTIVE = {Decision.STATUTORY_REFERRAL, Decision.MULTI_AGENCY_PLAN}


class ClosureOutcome(models.TextChoices):
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    ADVICE_AND_SIGNPOSTING = "advice_and_signposting", "Advice and signposting given"
    RISK_REDUCED = "risk_reduced", "Risk reduced"
    MOVED_AREA = "moved_area", "Moved area"
    TURNED_18 = "turned_18", "Turned 18"
    TRANSFERRED_TO_STATUTORY = "transferred_to_statutory", "Transferred to statutory service"


def _is_raiser(referral: models.Model, user: Any) -> bool:
    return bool(getattr(referral, "raised_by_id", None) == user.pk)


def _coordinates(referral: models.Model, user: Any) -> bool:
    return bool(coordinates_area_of(user, referral))


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter the reason"})
    return reason


class Referral(ConcurrentTransitionMixin, models.Model):
    """A concern about a young person, raised by a practitioner for one area.

    The workflow is declared here, once, as django-fsm transitions. Each carries who may take
    it (`permission`) and, in `custom`, its label and the inputs it needs: the API, the pages
    and the state diagram in docs/ are all built from these declarations.
    """

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
    # db_default too: rows loaded in bulk without these columns (the bench) start empty.
    decision = models.CharField(
        max_length=40, choices=Decision.choices, blank=True, default="", db_default=""
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=40, choices=ClosureOutcome.choices, blank=True, default="", db_default=""
    )
    closed_at = models.DateTimeField(null=True, blank=True)

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

    @transition(
        field=state,
        source=ReferralState.DRAFT,
        target=ReferralState.SUBMITTED,
        permission=_is_raiser,
        custom={"label": "Submit the concern", "inputs": ()},
    )
    def submit(self) -> None:
        """Send the concern to the area's coordinators; the triage clock starts."""
        self.submitted_at = timezone.now()
        self.triage_due_at = add_working_days(self.submitted_at, self.area.triage_working_days)

    @transition(
        field=state,
        source=[ReferralState.DRAFT, ReferralState.SUBMITTED],
        target=ReferralState.WITHDRAWN,
        permission=_is_raiser,
        custom={"label": "Withdraw the concern", "inputs": ("reason",)},
    )
    def withdraw(self, *, reason: str = "") -> None:
        """The referrer takes the concern back before anyone has decided on it."""
        _required_reason(reason)

    @transition(
        field=state,
        source=ReferralState.SUBMITTED,
        target=ReferralState.IN_TRIAGE,
        permission=_coordinates,
        custom={"label": "Start triage", "inputs": ()},
    )
    def start_triage(self) -> None:
        """A coordinator takes the concern."""

    @transition(
        field=state,
        source=ReferralState.IN_TRIAGE,
        target=RETURN_VALUE(ReferralState.ACTIVE, ReferralState.CLOSED),
        permission=_coordinates,
        custom={"label": "Record the decision", "inputs": ("decision", "reason")},
    )
    def decide(self, *, decision: str = "", reason: str = "") -> str:
        if decision not in Decision.values:
            raise ValidationError({"decision": "Choose a decision"})
        _required_reason(reason)
        self.decision, self.decided_at = decision, timezone.now()
        if decision in DECISIONS_THAT_STAY_ACTIVE:
            return ReferralState.ACTIVE
        self.outcome, self.closed_at = decision, self.decided_at
        return ReferralState.CLOSED

    @transition(
        field=state,
        source=ReferralState.ACTIVE,
        target=ReferralState.CLOSED,
        permission=_coordinates,
        custom={"label": "Close the referral", "inputs": ("outcome", "reason")},
    )
    def close(self, *, outcome: str = "", reason: str = "") -> None:
        if outcome not in ClosureOutcome.values:
            raise ValidationError({"outcome": "Choose the outcome"})
        _required_reason(reason)
        self.outcome, self.closed_at = outcome, timezone.now()

    @transition(
        field=state,
        source=ReferralState.CLOSED,
        target=ReferralState.IN_TRIAGE,
        permission=_coordinates,
        custom={"label": "Reopen the referral", "inputs": ("reason",)},
    )
    def reopen(self, *, reason: str = "") -> None:
        """New information: back to triage, keeping everything recorded so far."""
        _required_reason(reason)
        self.outcome, self.closed_at = "", None


class ReferralEventType(models.TextChoices):
    RAISED = "raised", "Concern drafted"
    SUBMITTED = "submitted", "Concern submitted"
    WITHDRAWN = "withdrawn", "Concern withdrawn"
    TRIAGE_STARTED = "triage_started", "Triage started"
    DECIDED = "decided", "Decision recorded"
    CLOSED = "closed", "Referral closed"
    REOPENED = "reopened", "Referral reopened"
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
