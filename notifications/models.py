"""Notifications: one row per recipient and event, persisted in the change's own transaction.

The row is the record of what someone was told and the outbox for every way of telling them:
the websocket delivery and the email follow on commit, and the email state lives on the row so
that a failed or delayed email is retried from here, never lost with a queue.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class NotificationKind(models.TextChoices):
    CONCERN_SUBMITTED = "concern_submitted", "Concern submitted in your area"
    REFERRAL_ACKNOWLEDGED = "referral_acknowledged", "Your concern was received"
    REFERRAL_DECIDED = "referral_decided", "Decision on your concern"
    REFERRAL_CLOSED = "referral_closed", "Referral you raised closed"
    LEAD_ASSIGNED = "lead_assigned", "Named as lead professional"
    ACTION_ASSIGNED = "action_assigned", "Protective action assigned to you"
    ACTION_DUE_SOON = "action_due_soon", "Protective action due soon"
    ACTION_OVERDUE = "action_overdue", "Protective action overdue"
    INFORMATION_REQUESTED = "information_requested", "Information requested from your agency"
    INFORMATION_DUE_SOON = "information_due_soon", "Information request due soon"
    INFORMATION_OVERDUE = "information_overdue", "Information request overdue"
    INFORMATION_PROVIDED = "information_provided", "Information provided"
    INFORMATION_DECLINED = "information_declined", "Information request declined"
    TRIAGE_DUE_SOON = "triage_due_soon", "Triage decision due soon"
    TRIAGE_OVERDUE = "triage_overdue", "Triage decision overdue"
    REVIEW_DUE = "review_due", "Review due"
    RISK_REASSESSMENT_DUE = "risk_reassessment_due", "Risk reassessment due"
    REVIEW_OVERDUE = "review_overdue", "Review overdue"
    RISK_REASSESSMENT_OVERDUE = "risk_reassessment_overdue", "Risk reassessment overdue"
    MISSING_REPORTED = "missing_reported", "Young person reported missing"
    RETURN_INTERVIEW_DUE = "return_interview_due", "Return home interview due"
    RETURN_INTERVIEW_OVERDUE = "return_interview_overdue", "Return home interview overdue"
    LINK_ALERT = "link_alert", "Link alert"
    DISRUPTION_EXPIRING = "disruption_expiring", "Order or notice expiring"
    BREAK_GLASS = "break_glass", "Emergency access in your area"
    LOCKOUT = "lockout", "Account locked out"
    UNKNOWN_SIGN_IN = "unknown_sign_in", "Sign-in by someone not added"
    TRANSFER_OFFERED = "transfer_offered", "Transfer offered to your area"
    TRANSFER_ACCEPTED = "transfer_accepted", "Transfer accepted"
    TRANSFER_DECLINED = "transfer_declined", "Transfer declined"
    ESCALATION = "escalation", "Escalated: still overdue"
    STATUTORY_STEP = "statutory_step", "Section 47 enquiry or NRM decision on a case"
    ESCALATION_FINAL = "escalation_final", "Final notice: escalations stopped"
    EMERGENCY_DUTY = "emergency_duty", "Immediate danger out of hours"
    SUBJECT_ACCESS_AGREEMENT = (
        "subject_access_agreement",
        "Subject access export waiting for your agreement",
    )
    RETENTION_REVIEWS = "retention_reviews", "Records waiting for your review"


# Urgent whoever raises them: someone must act at once, so they are always emailed straight
# away and nobody can turn them off or leave them for the digest.
ALWAYS_URGENT: frozenset[str] = frozenset(
    {
        NotificationKind.ESCALATION,
        NotificationKind.ESCALATION_FINAL,
        NotificationKind.EMERGENCY_DUTY,
        NotificationKind.TRIAGE_OVERDUE,
        NotificationKind.MISSING_REPORTED,
        NotificationKind.BREAK_GLASS,
    }
)


class EmailStatus(models.TextChoices):
    PENDING = "pending", "To send now"
    DIGEST = "digest", "Waiting for the daily digest"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed after every retry"
    NOT_SENT = "not_sent", "Not emailed (turned off)"


class Notification(models.Model):
    """What one person was told about one event. Text names references, never a young person."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    urgent = models.BooleanField(default=False)
    # One notification per recipient and event, however often the event is noticed.
    event_key = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    area = models.ForeignKey(
        "agencies.Area", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_next_attempt_at = models.DateTimeField(null=True, blank=True)
    email_error = models.TextField(blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event_key"], name="one_notification_per_event"
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-id"],
                condition=models.Q(read_at__isnull=True),
                name="unread_notifications",
            ),
            models.Index(fields=["recipient", "-id"], name="notifications_of_recipient"),
            models.Index(
                fields=["email_next_attempt_at"],
                condition=models.Q(email_status="pending"),
                name="emails_to_send",
            ),
            models.Index(
                fields=["recipient", "email_next_attempt_at"],
                condition=models.Q(email_status="digest"),
                name="emails_for_digest",
            ),
            models.Index(
                fields=["-id"], condition=~models.Q(email_error=""), name="emails_failing"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id}: {self.title}"


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Email me straight away"
    DIGEST = "digest", "Include in a daily digest email"
    OFF = "off", "Do not email me (notification centre only)"


class NotificationPreference(models.Model):
    """How a person wants to be emailed about one kind of event. Urgent events are always
    emailed straight away, whatever this says."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.delivery}"
