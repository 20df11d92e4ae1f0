"""Records management: the retention schedule, reviews before destruction, legal holds and
the tombstones erasure leaves.

The schedule is data: a national default per kind of record (no area, shipped by migration
0002) and an area's own rule where it has chosen one. An area without its own rule for a kind
follows the national default, so a change to a default reaches every area that has not chosen
otherwise, and a new area needs nothing copied (records.selectors.area_schedule)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from agencies.dates import EXPIRY_DATE
from agencies.models import Area

REASON_CAP = 2000


class RecordKind(models.TextChoices):
    """The kinds of record the schedule governs and the review job looks through."""

    YOUNG_PERSON = "young_person", "Young people and their referrals"
    PERSON = "person", "Persons of concern"
    LOCATION = "location", "Places"
    VEHICLE = "vehicle", "Vehicles"
    IDENTIFIER = "identifier", "Phones and online identifiers"
    NOTE = "note", "Case notes"
    CASE_DOCUMENT = "case_document", "Documents on a case"
    MINUTES = "minutes", "MACE meeting minutes"
    LIBRARY_DOCUMENT = "library_document", "Strategy library documents"
    NOTIFICATION = "notification", "Notifications and emails"
    NATIONAL_RETURN = "national_return", "National returns"
    AUDIT = "audit", "The audit trail"


# Intelligence is reviewed by the area's police leads, everything else by its coordinators.
INTELLIGENCE_KINDS = frozenset(
    {RecordKind.PERSON, RecordKind.LOCATION, RecordKind.VEHICLE, RecordKind.IDENTIFIER}
)

# Kinds the schedule shows but an area does not set, and the job never lists: case notes and
# documents go with the young person's record (records.erasure.young_person_anonymise), and
# the audit trail is kept, as erasing from a hash chain would break it.
FIXED_KINDS = frozenset({RecordKind.NOTE, RecordKind.CASE_DOCUMENT, RecordKind.AUDIT})

# Kinds reviewed a month at a time: one review names an area's records of one calendar month
# by its number, yyyymm (202603 for March 2026), as they come by the thousand.
MONTH_KINDS = frozenset({RecordKind.NOTIFICATION})

# Kinds whose erasure may be asked for before their review (UK GDPR Article 17): the records
# about a person. Held records are named by the same codes (records.models.HoldScope).
ASKABLE_KINDS = frozenset({RecordKind.YOUNG_PERSON, *INTELLIGENCE_KINDS})


class TriggerKind(models.TextChoices):
    AGE = "age", "The young person's birthday at the area's retention age"
    YEARS_AFTER_LAST_CLOSED = "years_after_last_closed", "Years after their last referral closed"
    YEARS_AFTER_LAST_LINK = "years_after_last_link", "Years after the last link was recorded"
    YEARS_AFTER_MEETING = "years_after_meeting", "Years after the meeting was held"
    YEARS_AFTER_UPLOAD = "years_after_upload", "Years after it was uploaded"
    YEARS_AFTER_PERIOD = "years_after_period", "Years after the period it covers ended"
    DAYS_AFTER_CREATED = "days_after_created", "Days after the end of the month it was sent in"
    WITH_YOUNG_PERSON = "with_young_person", "With the young person's record"
    KEPT = "kept", "Never: kept for as long as the service runs"


# Triggers counted in days (the rule's `days`), and those with no number at all.
DAY_TRIGGERS = frozenset({TriggerKind.DAYS_AFTER_CREATED})
UNCOUNTED = frozenset({TriggerKind.AGE, TriggerKind.WITH_YOUNG_PERSON, TriggerKind.KEPT})


# The triggers that make sense for each kind of record.
KIND_TRIGGERS: dict[str, frozenset[str]] = {
    RecordKind.YOUNG_PERSON: frozenset({TriggerKind.AGE, TriggerKind.YEARS_AFTER_LAST_CLOSED}),
    **{kind: frozenset({TriggerKind.YEARS_AFTER_LAST_LINK}) for kind in INTELLIGENCE_KINDS},
    RecordKind.NOTE: frozenset({TriggerKind.WITH_YOUNG_PERSON}),
    RecordKind.CASE_DOCUMENT: frozenset({TriggerKind.WITH_YOUNG_PERSON}),
    RecordKind.MINUTES: frozenset({TriggerKind.YEARS_AFTER_MEETING}),
    RecordKind.LIBRARY_DOCUMENT: frozenset({TriggerKind.YEARS_AFTER_UPLOAD}),
    RecordKind.NOTIFICATION: frozenset({TriggerKind.DAYS_AFTER_CREATED}),
    RecordKind.NATIONAL_RETURN: frozenset({TriggerKind.YEARS_AFTER_PERIOD}),
    RecordKind.AUDIT: frozenset({TriggerKind.KEPT}),
}


class RetentionAction(models.TextChoices):
    REVIEW = "review", "Review, and choose what happens"
    ANONYMISE = "anonymise", "Anonymise"
    DELETE = "delete", "Delete"
    KEEP = "keep", "Keep: never erased"


# What erasure can do to each kind (records.erasure): a young person's record is named by
# referrals, timelines and counts, so it is anonymised and never deleted; a meeting is named
# by the chronologies of the cases it discussed, so its minutes are cleared and it stays.
# The fixed kinds have no erasure of their own.
KIND_ERASURES: dict[str, frozenset[str]] = {
    RecordKind.YOUNG_PERSON: frozenset({RetentionAction.ANONYMISE}),
    **{
        kind: frozenset({RetentionAction.ANONYMISE, RetentionAction.DELETE})
        for kind in INTELLIGENCE_KINDS
    },
    RecordKind.MINUTES: frozenset({RetentionAction.ANONYMISE}),
    RecordKind.LIBRARY_DOCUMENT: frozenset({RetentionAction.DELETE}),
    RecordKind.NOTIFICATION: frozenset({RetentionAction.DELETE}),
    RecordKind.NATIONAL_RETURN: frozenset({RetentionAction.DELETE}),
}

# What the fixed kinds' rules say happens: they are not reviewed, so nothing is approved.
FIXED_ACTIONS: dict[str, str] = {
    RecordKind.NOTE: RetentionAction.ANONYMISE,
    RecordKind.CASE_DOCUMENT: RetentionAction.DELETE,
    RecordKind.AUDIT: RetentionAction.KEEP,
}


class RetentionRule(models.Model):
    """How long one kind of record is kept in an area (or, with no area, nationally) and what
    happens when it reaches its trigger. Every record reaching it is reviewed by a person
    first; the action is what their approval does ("review": they choose)."""

    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField("Kind of record", max_length=30, choices=RecordKind.choices)
    trigger = models.CharField("When it is reviewed", max_length=30, choices=TriggerKind.choices)
    # Empty for the age trigger (the age is the area's retention_review_age_years setting),
    # for a day trigger and for those with no number (records.models.UNCOUNTED).
    years = models.PositiveSmallIntegerField(null=True, blank=True)
    days = models.PositiveSmallIntegerField(null=True, blank=True)
    action = models.CharField("What approval does", max_length=20, choices=RetentionAction.choices)
    justification = models.TextField("Why this period", max_length=REASON_CAP)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(area__isnull=True), name="retention_rule_national"
            ),
            models.UniqueConstraint(
                fields=["area", "kind"],
                condition=Q(area__isnull=False),
                name="retention_rule_per_area",
            ),
            models.CheckConstraint(
                condition=Q(trigger__in=sorted(UNCOUNTED), years__isnull=True, days__isnull=True)
                | Q(
                    trigger__in=sorted(DAY_TRIGGERS),
                    years__isnull=True,
                    days__gte=1,
                    days__lte=3650,
                )
                | (
                    ~Q(trigger__in=sorted(UNCOUNTED | DAY_TRIGGERS))
                    & Q(years__gte=1, years__lte=100, days__isnull=True)
                ),
                name="retention_rule_number_with_trigger",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.area or 'national'})"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "To review"
    EXTENDED = "extended", "Kept longer"
    ERASED = "erased", "Erased"


class RetentionReview(models.Model):
    """One record that reached its trigger, listed by the nightly job for a person to decide:
    keep it longer (with a reason and a new date) or approve what the rule says. Nothing is
    erased without that approval. Names the record by kind and id, so it outlives a deletion;
    a kind reviewed a month at a time (MONTH_KINDS) names the month as yyyymm, unique only
    within its area."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=RecordKind.choices)
    record_id = models.BigIntegerField()
    due_on = models.DateField(help_text="When the record reached its trigger")
    listed_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default="open")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, max_length=REASON_CAP)
    keep_until = models.DateField(null=True, blank=True, validators=[EXPIRY_DATE])
    action = models.CharField(max_length=20, choices=RetentionAction.choices, blank=True)
    # Listed before its trigger, on request (UK GDPR Article 17, the right to erasure): who
    # asked for it here and why. Empty for a record the nightly job listed.
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    asked_reason = models.TextField(blank=True, max_length=REASON_CAP)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "kind", "record_id"],
                condition=Q(status="open"),
                name="retention_review_one_open_in_area",
            ),
        ]
        indexes = [models.Index(fields=["area", "status", "due_on"], name="review_by_area")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.record_id}: {self.get_status_display()}"


class HoldScope(models.TextChoices):
    AREA = "area", "The whole area"
    YOUNG_PERSON = "young_person", "A young person"
    REFERRAL = "referral", "A referral"
    PERSON = "person", "A person of concern"
    LOCATION = "location", "A place"
    VEHICLE = "vehicle", "A vehicle"
    IDENTIFIER = "identifier", "A phone or online identifier"


class LegalHold(models.Model):
    """A stop on destruction (an inquiry, a prosecution): what it holds is never listed for
    review nor erased while it is in force. Released only by someone with the right to place
    it in the same area."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    scope = models.CharField("What is held", max_length=20, choices=HoldScope.choices)
    record_id = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField(max_length=REASON_CAP)
    ends_on = models.DateField(null=True, blank=True, validators=[EXPIRY_DATE])
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(blank=True, max_length=REASON_CAP)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope=HoldScope.AREA, record_id__isnull=True)
                | (~Q(scope=HoldScope.AREA) & Q(record_id__isnull=False)),
                name="legal_hold_names_its_record",
            ),
        ]
        indexes = [models.Index(fields=["area", "released_at"], name="hold_by_area")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} held in {self.area_id}"


class Tombstone(models.Model):
    """What erasure leaves: which kind of record went, how, when and on whose approval. No
    personal data: the record's id is an internal number, meaningless once it is gone."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=RecordKind.choices)
    record_id = models.BigIntegerField()
    action = models.CharField(max_length=20, choices=RetentionAction.choices)
    review = models.OneToOneField(
        RetentionReview, on_delete=models.PROTECT, related_name="tombstone"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    erased_at = models.DateTimeField(auto_now_add=True)
    counts = models.JSONField(
        default=dict, help_text="How many rows of each kind were anonymised or deleted"
    )

    class Meta:
        ordering = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.record_id} {self.action}"
