from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import get_user_model
from rest_framework import serializers

from agencies.dates import BIRTH_DATE, DUE_DATE
from agencies.models import Membership
from referrals.break_glass import BREAK_GLASS_MIN_REASON
from referrals.concerns import CONCERN_FIELDS
from referrals.identity import YOUNG_PERSON_FIELDS
from referrals.inputs import STEP_INPUTS
from referrals.models import (
    ActionStatus,
    BreakGlassAccess,
    CaseNote,
    MissingEpisode,
    ProtectiveAction,
    ProtectiveActionType,
    Referral,
    ReferralAssignment,
    ReferralEvent,
    ReferralEventType,
    YoungPerson,
)
from referrals.selectors import action_owner_choices, notes_for

from . import fields as checked
from .models import ApiToken
from .services import MAX_LIFETIME_DAYS


class MembershipSerializer(checked.ModelSerializer[Membership]):
    # A national analyst's membership holds neither.
    area = checked.CharField(source="area.name", default=None, allow_null=True)
    agency = checked.CharField(source="agency.name", default=None, allow_null=True)

    class Meta:
        model = Membership
        fields = ["id", "role", "area", "agency"]


class MeSerializer(serializers.Serializer[object]):
    username = checked.CharField()
    full_name = checked.CharField()
    memberships = MembershipSerializer(many=True)


class ApiTokenSerializer(checked.ModelSerializer[ApiToken]):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]


class ApiTokenCreateSerializer(serializers.Serializer[object]):
    name = checked.CharField(max_length=100)
    lifetime_days = checked.IntegerField(min_value=1, max_value=MAX_LIFETIME_DAYS, default=30)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = checked.CharField(help_text="The secret. It is shown once and never again.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class ReferralSummarySerializer(checked.ModelSerializer[Referral]):
    area = checked.CharField(source="area.name")
    raised_by_agency = checked.CharField(source="raised_by_agency.name")

    class Meta:
        model = Referral
        fields = [
            "reference",
            "state",
            "area",
            "raised_by_agency",
            "created_at",
            "submitted_at",
            "triage_due_at",
            "decision",
            "outcome",
        ]


class ReferralSummaryDetailSerializer(ReferralSummarySerializer):
    """What a referrer sees of their referral: who it is about and where it has got to."""

    access = serializers.SerializerMethodField()
    young_person = checked.CharField(source="young_person.__str__")

    class Meta(ReferralSummarySerializer.Meta):
        # What the referrer's page shows: where it stands and what was decided, never the
        # case's urgency, risk or later deadlines.
        fields = [
            *ReferralSummarySerializer.Meta.fields,
            "access",
            "young_person",
            "statutory_type",
            "decided_at",
            "closed_at",
        ]

    def get_access(self, obj: Referral) -> str:
        return "summary"


class YoungPersonSerializer(serializers.Serializer[object]):
    given_name = checked.CharField()
    family_name = checked.CharField()
    date_of_birth = checked.DateField(allowed=BIRTH_DATE, allow_null=True)
    nhs_number = checked.CharField()


class AssignmentSerializer(checked.ModelSerializer[ReferralAssignment]):
    agency = checked.CharField(source="agency.name")
    lead_professional = checked.CharField(source="lead_professional.get_full_name", default=None)

    class Meta:
        model = ReferralAssignment
        fields = ["agency", "lead_professional", "assigned_at"]


class TimelineEventSerializer(checked.ModelSerializer[ReferralEvent]):
    class Meta:
        model = ReferralEvent
        fields = ["event_type", "created_at", "parameters"]


class ReferralFullSerializer(ReferralSummarySerializer):
    """The whole referral, for those whose role in it needs everything."""

    access = serializers.SerializerMethodField()
    young_person = YoungPersonSerializer()
    assignments = AssignmentSerializer(many=True, source="current_assignments")
    timeline = TimelineEventSerializer(many=True, source="events.all")
    triaged_by = checked.CharField(source="triaged_by.get_full_name", default=None)

    class Meta(ReferralSummarySerializer.Meta):
        fields = [
            *ReferralSummarySerializer.Meta.fields,
            "access",
            "young_person",
            "narrative",
            "immediate_danger",
            "rag",
            "rag_due_at",
            "triaged_by",
            "screening_score",
            "proposed_risk",
            "risk_level",
            "risk_assessed_at",
            "risk_reassessment_due_on",
            "decided_at",
            "statutory_type",
            "external_reference",
            "last_reviewed_at",
            "next_review_due_on",
            "closed_at",
            "assignments",
            "timeline",
        ]

    def get_access(self, obj: Referral) -> str:
        return "full"


class BreakGlassSerializer(checked.ModelSerializer[BreakGlassAccess]):
    reason = checked.CharField(min_length=BREAK_GLASS_MIN_REASON, max_length=2000)

    class Meta:
        model = BreakGlassAccess
        fields = ["reason", "granted_at", "expires_at"]
        read_only_fields = ["granted_at", "expires_at"]


class TransitionSerializer(serializers.Serializer[object]):
    """A step the caller may take now, as declared in the referral workflow."""

    name = checked.CharField()
    title = checked.CharField(source="custom.label")
    inputs = serializers.ListField(child=checked.CharField(), source="custom.inputs")
    target = serializers.SerializerMethodField()

    def get_target(self, obj: Any) -> str | None:
        target = obj.target
        return target if isinstance(target, str) else None  # None: decided by the inputs


def _step_input_fields() -> dict[str, Any]:
    return {
        name: checked.CharField(
            required=False, allow_blank=True, max_length=2000, help_text=spec.label
        )
        for name, spec in STEP_INPUTS.items()
    }


# The inputs any step may take (referrals.inputs); each step uses the ones it declares.
TransitionInputSerializer = type(
    "TransitionInputSerializer", (serializers.Serializer,), _step_input_fields()
)


# Long texts are capped so that a careless client cannot store megabytes in one field.
LONG_TEXT = 20000


class YoungPersonSummarySerializer(checked.ModelSerializer[YoungPerson]):
    area = checked.CharField(source="area.name")

    class Meta:
        model = YoungPerson
        fields = ["id", "given_name", "family_name", "date_of_birth", "estimated_age", "area"]


class YoungPersonDetailSerializer(checked.ModelSerializer[YoungPerson]):
    area = checked.CharField(source="area.name")

    class Meta:
        model = YoungPerson
        fields = ["id", "area", *YOUNG_PERSON_FIELDS, "identity_confirmed_at", "created_at"]


class YoungPersonInputSerializer(checked.ModelSerializer[YoungPerson]):
    # Written as people write it (943 476 5919); the service normalises and checks it.
    nhs_number = checked.CharField(required=False, allow_blank=True, max_length=20)
    address = checked.CharField(required=False, allow_blank=True, max_length=LONG_TEXT)

    class Meta:
        model = YoungPerson
        fields = list(YOUNG_PERSON_FIELDS)


class ConcernSerializer(checked.ModelSerializer[Referral]):
    """What the person raising a concern writes while it is a draft."""

    screening_indicators = serializers.ListField(
        child=checked.SlugField(max_length=60),
        required=False,
        max_length=200,
        help_text="Indicator codes from the area's screening tool",
    )

    class Meta:
        model = Referral
        fields = list(CONCERN_FIELDS)
        extra_kwargs = {
            name: {"max_length": LONG_TEXT}
            for name in (
                "narrative",
                "places_mentioned",
                "people_mentioned",
                "vehicles_mentioned",
                "consent_details",
            )
        }


class ConcernRaiseSerializer(ConcernSerializer):
    """A new concern in one flat body: the young person's details and any of the concern's.
    Validated, it splits into the two mappings concern_raise takes."""

    def get_fields(self) -> dict[str, Any]:
        return {**YoungPersonInputSerializer().get_fields(), **super().get_fields()}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {
            "young_person": {k: v for k, v in attrs.items() if k in YOUNG_PERSON_FIELDS},
            "concern": {k: v for k, v in attrs.items() if k in CONCERN_FIELDS},
        }


class DraftSerializer(checked.ModelSerializer[Referral]):
    """A concern as its author sees it while writing it."""

    young_person = YoungPersonDetailSerializer()
    screening_indicators = serializers.SlugRelatedField[Any](
        many=True, read_only=True, slug_field="code"
    )

    class Meta:
        model = Referral
        fields = ["reference", "state", "created_at", "young_person", *CONCERN_FIELDS]


class TimelineEntrySerializer(checked.ModelSerializer[ReferralEvent]):
    referral = checked.CharField(source="referral.reference")
    actor = checked.CharField(source="actor.get_full_name", default=None)

    class Meta:
        model = ReferralEvent
        fields = ["id", "referral", "event_type", "created_at", "actor", "parameters"]


class TimelineFilterSerializer(serializers.Serializer[object]):
    type = serializers.ListField(
        child=serializers.ChoiceField(choices=ReferralEventType.choices),
        required=False,
    )


class ActionSerializer(checked.ModelSerializer[ProtectiveAction]):
    action_type = checked.CharField(source="action_type.code")
    action_type_label = checked.CharField(source="action_type.label")
    owner_name = checked.CharField(source="owner.get_full_name")
    owner_agency = checked.CharField(source="owner_agency.name")

    class Meta:
        model = ProtectiveAction
        fields = [
            "id",
            "action_type",
            "action_type_label",
            "detail",
            "owner",
            "owner_name",
            "owner_agency",
            "due_on",
            "status",
            "outcome",
            "completed_at",
            "created_at",
        ]


class ActionCreateSerializer(serializers.Serializer[object]):
    action_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ProtectiveActionType.objects.all()
    )
    owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.none())
    due_on = checked.DateField(allowed=DUE_DATE)
    detail = checked.CharField(required=False, allow_blank=True, max_length=LONG_TEXT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        referral = self.context.get("referral")
        if referral is not None:  # None while the schema is generated
            owner = cast(serializers.PrimaryKeyRelatedField[Any], self.fields["owner"])
            owner.queryset = action_owner_choices(referral=referral)


class ActionUpdateSerializer(serializers.Serializer[object]):
    status = serializers.ChoiceField(choices=ActionStatus.choices)
    outcome = checked.CharField(required=False, allow_blank=True, max_length=LONG_TEXT)


class MissingEpisodeSerializer(checked.ModelSerializer[MissingEpisode]):
    class Meta:
        model = MissingEpisode
        fields = [
            "id",
            "started_at",
            "ended_at",
            "reported_by",
            "police_reference",
            "interview_due_at",
            "interview",
            "interview_by",
            "interview_on",
            "interview_summary",
            "not_held_reason",
            "created_at",
        ]


class MissingEpisodeCreateSerializer(checked.ModelSerializer[MissingEpisode]):
    class Meta:
        model = MissingEpisode
        fields = ["started_at", "reported_by", "police_reference"]


class MissingReturnSerializer(serializers.Serializer[object]):
    ended_at = checked.DateTimeField()


class ReturnInterviewSerializer(serializers.Serializer[object]):
    held = checked.BooleanField(help_text="False records that none was held, and why")
    held_by = checked.CharField(required=False, allow_blank=True, max_length=200)
    held_on = checked.DateField(required=False, allow_null=True)
    summary = checked.CharField(required=False, allow_blank=True, max_length=LONG_TEXT)
    not_held_reason = checked.CharField(required=False, allow_blank=True, max_length=LONG_TEXT)


class NoteSerializer(checked.ModelSerializer[CaseNote]):
    author = checked.CharField(source="author.get_full_name")
    author_agency = checked.CharField(source="author_agency.name", default=None)

    class Meta:
        model = CaseNote
        fields = ["id", "text", "restricted", "corrects", "author", "author_agency", "created_at"]


class NoteCreateSerializer(serializers.Serializer[object]):
    text = checked.CharField(max_length=LONG_TEXT)
    restricted = checked.BooleanField(default=False)
    corrects = serializers.PrimaryKeyRelatedField(
        queryset=CaseNote.objects.none(), required=False, allow_null=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        referral, user = self.context.get("referral"), self.context.get("user")
        if referral is not None:  # None while the schema is generated
            # Only a note the author can read may be corrected.
            corrects = cast(serializers.PrimaryKeyRelatedField[Any], self.fields["corrects"])
            corrects.queryset = notes_for(user=user, referral=referral)
