"""The audit trail: append-only events, sealed into a keyed hash chain, plus field-level history.

Requests insert AuditEvent rows freely, with no lock between them; a sealer (audit_seal) chains
them, within seconds, in AuditSeal rows whose keyed hashes cover the event and the seal before.
Neither table's rows are ever updated or deleted: database triggers refuse it (migrations 0002,
0016) and the application's role may only insert and select. `manage.py audit_verify` finds any
change made behind the triggers' back, and signed checkpoints kept outside the database find
removed newest seals (docs/audit.md). Field-level history of the tracked models is kept by
django-pghistory triggers in the *History tables below.
"""

from __future__ import annotations

from typing import Any

import pghistory
from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from agencies.models import Area, Membership
from disruption.models import (
    AgendaItem,
    DisruptionActivity,
    Link,
    Location,
    Meeting,
    OnlineIdentifier,
    PersonOfConcern,
    Vehicle,
)
from referrals.models import (
    InformationRequest,
    MissingEpisode,
    NRMReferral,
    ProtectiveAction,
    Referral,
    ReferralAssignment,
    Section47Enquiry,
    StrategyDiscussion,
    YoungPerson,
)
from reports.models import StrategyProfile


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    CHANGE = "change", "Changed"
    TRANSITION = "transition", "Moved on in its workflow"
    EXPORT = "export", "Exported"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGN_OUT = "sign_out", "Signed out"
    TWO_FACTOR_FAILED = "two_factor_failed", "Second factor failed"
    LOCKOUT = "lockout", "Locked out"
    BREAK_GLASS = "break_glass", "Emergency (break-glass) access"
    PERMISSION_DENIED = "permission_denied", "Permission denied"
    TOKEN_CREATED = "token_created", "API token created"
    TOKEN_REVOKED = "token_revoked", "API token revoked"
    DEACTIVATED = "deactivated", "Deactivated"


class AuditEvent(models.Model):
    """Who did what to which record, when, from where and why. Written only by audit.services.

    The person, membership and area are foreign keys without a database constraint: checking
    one at commit locks the row it names (FOR KEY SHARE), and every request in an area would
    lock that area's row so. The service writes them from the objects themselves, and Django
    still refuses to delete a person, membership or area an event names (PROTECT)."""

    id = models.BigAutoField(primary_key=True)
    # Set by the database on insert (a trigger overrides any value sent), so no writer can
    # date an event; the sealer looks for unsealed events among the recent ones by it.
    created_at = models.DateTimeField(db_default=Now(), help_text="Database clock at insert")
    # Set by the same trigger: the sealer looks for unsealed events among those of transactions
    # still running when it last looked (AuditSeal.snapshot_xmin).
    transaction_id = models.BigIntegerField(
        null=True, editable=False, help_text="The inserting transaction (pg_current_xact_id)"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,  # covered by audit_actor_newest_first
        db_constraint=False,  # see the class's comment
        help_text="Empty for anonymous events such as a failed sign-in",
    )
    membership = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,  # no query looks events up by it
        db_constraint=False,
    )
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, blank=True, help_text="app_label.model")
    object_id = models.CharField(max_length=64, blank=True)
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,  # covered by audit_area_newest_first
        db_constraint=False,
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(blank=True)
    # Empty on every event written since the erasable part moved out (AuditDetail): a reason
    # is free text about a case. Events written before keep theirs, sealed into the chain.
    reason = models.TextField(blank=True)
    # Ids, kinds, codes and counts only: content about a case goes to AuditDetail.content.
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["transaction_id"], name="audit_event_transaction"),
            models.Index(
                fields=["object_type", "object_id", "-id"], name="audit_object_newest_first"
            ),
            models.Index(fields=["area", "-created_at"], name="audit_area_newest_first"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_newest_first"),
        ]

    def __str__(self) -> str:
        target = f" {self.object_type}:{self.object_id}" if self.object_type else ""
        return f"#{self.id} {self.get_action_display()}{target} ({self.created_at:%Y-%m-%d %H:%M})"

    def given_reason(self) -> str:
        """The reason given with the event: from its erasable detail (blank once erased), or,
        for an event written before reasons moved there, its own column."""
        detail = getattr(self, "detail", None) if self.reason == "" else None
        return detail.reason if detail is not None else self.reason

    def content(self) -> dict[str, Any]:
        """What the event recorded about a case beyond ids (a document's name): its erasable
        detail's, empty once erased or when it had none."""
        detail = getattr(self, "detail", None)
        return dict(detail.content) if detail is not None else {}


class AuditSeal(models.Model):
    """One event's place in the chain: `seq` counts up from 1 with no gap, and `hash` is the
    keyed hash of the event, this seal's fields and the previous seal's hash
    (audit.chain.seal_hash). Written only by audit.services.audit_seal."""

    seq = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField(
        AuditEvent, on_delete=models.PROTECT, related_name="seal", db_constraint=False
    )
    # Not unique: a fork (two seals after one) already breaks the chain where audit_verify
    # looks, and a unique index of random keys costs every seal a random page write.
    previous_hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()
    hash = models.CharField(max_length=64)
    # Not evidence, so not hashed: the oldest transaction still running when this seal's batch
    # was chosen. An event not sealed yet belongs to it or a later one, so the next run
    # looks no lower (PostgreSQL's pg_snapshot_xmin).
    snapshot_xmin = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return f"seal {self.seq} of event {self.event_id}"


class AuditDetail(models.Model):
    """The erasable part of an audit event: the reason given with it (free text about a case)
    and any content about a case it records beyond ids (a document's name). Not in the hash
    chain, and not append-only: erasing a record blanks its events' details
    (audit.services.audit_details_erase) and the chain still verifies, because the event
    keeps only ids, kinds, the actor and the time. Written in the event's transaction, and
    only for events that carry such content."""

    event = models.OneToOneField(
        AuditEvent,
        primary_key=True,
        on_delete=models.DO_NOTHING,  # events are never deleted (append-only)
        related_name="detail",
        db_constraint=False,  # as the event's own keys: no lock on the event at commit
    )
    reason = models.TextField(blank=True)
    content = models.JSONField(default=dict, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"detail of event {self.event_id}"


# The audit tables the application's role may change (UPDATE): the erasable details alone.
ERASABLE_MODELS = (AuditDetail,)


def _history_base(tracked: type[models.Model], name: str) -> Any:
    """An abstract pghistory event model: a full snapshot of `tracked` on each insert, update
    (when a field changed) and delete, plus "baseline" snapshots of rows that existed before
    tracking began (migration 0003), so the first later change still has its old values."""
    return pghistory.create_event_model(
        tracked,
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        pghistory.ManualEvent("baseline"),
        # No reverse accessor on the tracked model ("events" is taken on Referral).
        obj_field=pghistory.ObjForeignKey(related_name="+"),
        append_only=True,
        app_label="audit",
        model_name=f"{name}Base",
    )


class YoungPersonHistory(_history_base(YoungPerson, "YoungPersonHistory")):  # type: ignore[misc]
    pass


class ReferralHistory(_history_base(Referral, "ReferralHistory")):  # type: ignore[misc]
    pass


class MembershipHistory(_history_base(Membership, "MembershipHistory")):  # type: ignore[misc]
    pass


class AreaHistory(_history_base(Area, "AreaHistory")):  # type: ignore[misc]
    pass


class PersonOfConcernHistory(_history_base(PersonOfConcern, "PersonOfConcernHistory")):  # type: ignore[misc]
    pass


class LocationHistory(_history_base(Location, "LocationHistory")):  # type: ignore[misc]
    pass


class VehicleHistory(_history_base(Vehicle, "VehicleHistory")):  # type: ignore[misc]
    pass


class OnlineIdentifierHistory(_history_base(OnlineIdentifier, "OnlineIdentifierHistory")):  # type: ignore[misc]
    pass


class LinkHistory(_history_base(Link, "LinkHistory")):  # type: ignore[misc]
    pass


_DisruptionActivityBase: Any = _history_base(DisruptionActivity, "DisruptionActivityHistory")


class DisruptionActivityHistory(_DisruptionActivityBase):
    pass


class MeetingHistory(_history_base(Meeting, "MeetingHistory")):  # type: ignore[misc]
    pass


class AgendaItemHistory(_history_base(AgendaItem, "AgendaItemHistory")):  # type: ignore[misc]
    pass


class ProtectiveActionHistory(_history_base(ProtectiveAction, "ProtectiveActionHistory")):  # type: ignore[misc]
    pass


class MissingEpisodeHistory(_history_base(MissingEpisode, "MissingEpisodeHistory")):  # type: ignore[misc]
    pass


class InformationRequestHistory(_history_base(InformationRequest, "InformationRequestHistory")):  # type: ignore[misc]
    pass


_AssignmentBase: Any = _history_base(ReferralAssignment, "ReferralAssignmentHistory")


class ReferralAssignmentHistory(_AssignmentBase):
    pass


class StrategyProfileHistory(_history_base(StrategyProfile, "StrategyProfileHistory")):  # type: ignore[misc]
    pass


_StrategyDiscussionBase: Any = _history_base(StrategyDiscussion, "StrategyDiscussionHistory")


class StrategyDiscussionHistory(_StrategyDiscussionBase):
    pass


_Section47EnquiryBase: Any = _history_base(Section47Enquiry, "Section47EnquiryHistory")


class Section47EnquiryHistory(_Section47EnquiryBase):
    pass


class NRMReferralHistory(_history_base(NRMReferral, "NRMReferralHistory")):  # type: ignore[misc]
    pass


HISTORY_MODELS: dict[type[models.Model], type[models.Model]] = {
    YoungPerson: YoungPersonHistory,
    Referral: ReferralHistory,
    Membership: MembershipHistory,
    Area: AreaHistory,
    PersonOfConcern: PersonOfConcernHistory,
    Location: LocationHistory,
    Vehicle: VehicleHistory,
    OnlineIdentifier: OnlineIdentifierHistory,
    Link: LinkHistory,
    DisruptionActivity: DisruptionActivityHistory,
    Meeting: MeetingHistory,
    AgendaItem: AgendaItemHistory,
    ProtectiveAction: ProtectiveActionHistory,
    MissingEpisode: MissingEpisodeHistory,
    InformationRequest: InformationRequestHistory,
    ReferralAssignment: ReferralAssignmentHistory,
    StrategyProfile: StrategyProfileHistory,
    StrategyDiscussion: StrategyDiscussionHistory,
    Section47Enquiry: Section47EnquiryHistory,
    NRMReferral: NRMReferralHistory,
}
