"""REST API v1 for the notification centre: the caller's own notifications, and marking them
read. Thin views over notifications' selectors and services; nobody sees another's."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.models import Notification, NotificationKind
from notifications.selectors import notifications_for
from notifications.services import notifications_mark_read

from . import fields as checked
from .pagination import NumberedPagination
from .toolkit import QuerySerializer


class NotificationSerializer(checked.ModelSerializer[Notification]):
    kind_label = checked.CharField(source="get_kind_display")
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_label", "title", "body", "url", "urgent", "created_at"]
        fields += ["read", "read_at"]

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationFiltersSerializer(QuerySerializer):
    kind = serializers.ChoiceField(
        choices=NotificationKind.choices, required=False, help_text="Of this kind only"
    )
    unread = checked.BooleanField(required=False, default=False, help_text="Unread only")


class MarkedSerializer(serializers.Serializer[Any]):
    marked = checked.IntegerField(help_text="How many were unread and are now read")


class NotificationsView(generics.ListAPIView[Notification]):
    """The caller's own notifications, unread first, newest first within each."""

    serializer_class = NotificationSerializer
    pagination_class = NumberedPagination  # the centre's order (unread first) is not a cursor's
    queryset = Notification.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> Any:
        query = NotificationFiltersSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return notifications_for(
            user=self.request.user,
            unread_only=query.validated_data["unread"],
            kind=query.validated_data.get("kind", ""),
        )

    @extend_schema(
        parameters=[NotificationFiltersSerializer],
        responses={
            200: NotificationSerializer(many=True),
            400: OpenApiResponse(description="A kind not in the list"),
        },
        summary="Your notifications, unread first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class NotificationReadView(APIView):
    @extend_schema(
        request=None,
        responses={
            200: NotificationSerializer,
            404: OpenApiResponse(description="Not one of your notifications"),
        },
        summary="Mark one of your notifications read (already read: unchanged)",
    )
    def post(self, request: Request, pk: int) -> Response:
        notification = notifications_for(user=request.user).filter(pk=pk).first()
        if notification is None:
            raise NotFound()
        notifications_mark_read(actor=request.user, ids=[pk])
        notification.refresh_from_db(fields=["read_at"])
        return Response(NotificationSerializer(notification).data)


class NotificationsReadAllView(APIView):
    @extend_schema(
        request=None,
        responses=MarkedSerializer,
        summary="Mark every one of your unread notifications read",
    )
    def post(self, request: Request) -> Response:
        marked = notifications_mark_read(actor=request.user)
        return Response(MarkedSerializer({"marked": marked}).data)
