from __future__ import annotations

from typing import Any

from rest_framework import serializers

from agencies.models import Membership
from referrals.inputs import STEP_INPUTS
from referrals.models import BreakGlassAccess, Referral, ReferralAssignment, ReferralEvent
from referrals.services import BREAK_GLASS_MIN_REASON

from .models import ApiToken
from .services import MAX_LIFETIME_DAYS


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    area = serializers.CharField(source="area.name", default=None)
    agency = serializers.CharField(source="agency.name", default=None)

    class Meta:
        model = Membership
        fields = ["id", "role", "area", "agency"]


class MeSerializer(serializers.Serializer[object]):
    username = serializers.CharField()
    full_name = serializers.CharField()
    memberships = MembershipSerializer(many=True)


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]


class ApiTokenCreateSerializer(serializers.Serializer[object]):
    name = serializers.CharField(max_length=100)
    lifetime_days = serializers.IntegerField(min_value=1, max_value=MAX_LIFETIME_DAYS, default=30)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(help_text="The secret. It is shown once and never again.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class ReferralSummarySerializer(serializers.ModelSerializer[Referral]):
    area = serializers.CharField(source="area.name")
    raised_by_agency = serializers.CharField(source="raised_by_agency.name")

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
        ]


class ReferralSummaryDetailSerializer(ReferralSummarySerializer):
    """What a referrer sees of their referral: who it is about and where it has got to."""

    access = serializers.SerializerMethodField()
    young_person = serializers.CharField(source="young_person.__str__")

    class Meta(ReferralSummarySerializer.Meta):
        fields = [*ReferralSummarySerializer.Meta.fields, "access", "young_person"]

    def get_access(self, obj: Referral) -> str:
        return "summary"


class YoungPersonSerializer(serializers.Serializer[object]):
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    nhs_number = serializers.CharField()


class AssignmentSerializer(serializers.ModelSerializer[ReferralAssignment]):
    agency = serializers.CharField(source="agency.name")
    lead_professional = serializers.CharField(
        source="lead_professional.get_full_name", default=None
    )

    class Meta:
        model = ReferralAssignment
        fields = ["agency", "lead_professional", "assigned_at"]


class TimelineEventSerializer(serializers.ModelSerializer[ReferralEvent]):
    class Meta:
        model = ReferralEvent
        fields = ["event_type", "created_at", "parameters"]


class ReferralFullSerializer(ReferralSummarySerializer):
    """The whole referral, for those whose role in it needs everything."""

    access = serializers.SerializerMethodField()
    young_person = YoungPersonSerializer()
    assignments = AssignmentSerializer(many=True, source="current_assignments")
    timeline = TimelineEventSerializer(many=True, source="events.all")

    class Meta(ReferralSummarySerializer.Meta):
        fields = [
            *ReferralSummarySerializer.Meta.fields,
            "access",
            "young_person",
            "narrative",
            "assignments",
            "timeline",
        ]

    def get_access(self, obj: Referral) -> str:
        return "full"


class BreakGlassSerializer(serializers.ModelSerializer[BreakGlassAccess]):
    reason = serializers.CharField(min_length=BREAK_GLASS_MIN_REASON, max_length=2000)

    class Meta:
        model = BreakGlassAccess
        fields = ["reason", "granted_at", "expires_at"]
        read_only_fields = ["granted_at", "expires_at"]


class TransitionSerializer(serializers.Serializer[object]):
    """A step the caller may take now, as declared in the referral workflow."""

    name = serializers.CharField()
    title = serializers.CharField(source="custom.label")
    inputs = serializers.ListField(child=serializers.CharField(), source="custom.inputs")
    target = serializers.SerializerMethodField()

    def get_target(self, obj: Any) -> str | None:
        target = obj.target
        return target if isinstance(target, str) else None  # None: decided by the inputs


def _step_input_fields() -> dict[str, Any]:
    return {
        name: serializers.CharField(
            required=False, allow_blank=True, max_length=2000, help_text=spec.label
        )
        for name, spec in STEP_INPUTS.items()
    }


# The inputs any step may take (referrals.inputs); each step uses the ones it declares.
TransitionInputSerializer = type(
    "TransitionInputSerializer", (serializers.Serializer,), _step_input_fields()
)
