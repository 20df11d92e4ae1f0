from __future__ import annotations

from rest_framework import serializers

from agencies.models import Membership
from referrals.models import Referral

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
        fields = ["reference", "state", "area", "raised_by_agency", "created_at", "submitted_at"]
