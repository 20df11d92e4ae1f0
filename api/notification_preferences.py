"""REST API v1 for the caller's own email preferences: thin views over notifications'
selectors and services. Anyone signed in may read and set their own; nobody else's."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.models import ALWAYS_URGENT, Delivery, NotificationKind
from notifications.selectors import notification_preferences
from notifications.services import notification_preferences_update

from . import fields as checked
from .errors import RULE


class PreferenceSerializer(serializers.Serializer[object]):
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    kind_label = checked.CharField(read_only=True)
    delivery = serializers.ChoiceField(choices=Delivery.choices)
    always_urgent = checked.BooleanField(
        read_only=True, help_text="Always emailed straight away: delivery cannot be changed"
    )


class PreferencesSerializer(serializers.Serializer[object]):
    preferences = PreferenceSerializer(many=True)

    def validate_preferences(self, value: list[dict[str, str]]) -> list[dict[str, str]]:
        kinds = [item["kind"] for item in value]
        if len(kinds) != len(set(kinds)):
            raise serializers.ValidationError("Give each kind once.", code=RULE)
        return value


def _body(user: Any) -> dict[str, Any]:
    preferences = [
        {
            "kind": kind,
            "kind_label": NotificationKind(kind).label,
            "delivery": delivery,
            "always_urgent": kind in ALWAYS_URGENT,
        }
        for kind, delivery in notification_preferences(user=user).items()
    ]
    return PreferencesSerializer({"preferences": preferences}).data


class NotificationPreferencesView(APIView):
    @extend_schema(
        responses=PreferencesSerializer,
        summary="How you are emailed about each kind of notification",
    )
    def get(self, request: Request) -> Response:
        return Response(_body(request.user))

    @extend_schema(
        request=PreferencesSerializer,
        responses=PreferencesSerializer,
        summary="Set how you are emailed about the kinds given (others keep their setting); "
        "an always-urgent kind cannot be turned off or put in the digest",
    )
    def put(self, request: Request) -> Response:
        body = PreferencesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = {item["kind"]: item["delivery"] for item in body.validated_data["preferences"]}
        notification_preferences_update(actor=request.user, changes=changes)
        return Response(_body(request.user))
