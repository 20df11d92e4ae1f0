"""REST API v1 for MACE meetings: thin views over disruption.meeting_services and
disruption.meeting_selectors. Out of scope is 404; a role that may see but not write gets 403."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib.auth import get_user_model
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.dates import DUE_DATE
from agencies.models import Agency, Area, Role
from agencies.selectors import membership_in
from disruption.meeting_selectors import (
    ATTENDING_ROLES,
    MINUTES_HIDDEN,
    agenda_for,
    meeting_get,
    meetings_for,
    minutes_visible,
)
from disruption.meeting_services import (
    AGENDA_KINDS,
    ActionInput,
    agenda_item_add,
    agenda_item_record,
    meeting_minutes_record,
    meeting_open,
    meeting_propose_agenda,
    meeting_schedule,
    meetings_seen,
)
from disruption.models import AgendaItem, AgendaReason, Meeting, Node
from disruption.selectors import referrals_named
from referrals.models import ProtectiveActionType
from referrals.selectors import action_owner_choices, coordinated_areas

from . import fields as checked
from .serializers import LONG_TEXT, ActionSerializer
from .toolkit import IDEMPOTENCY_KEY, AuditedListView, idempotent_response


class MeetingSerializer(checked.ModelSerializer[Meeting]):
    area = checked.CharField(source="area.ons_code")
    area_name = checked.CharField(source="area.name")
    chair_name = checked.CharField(source="chair.get_full_name")

    class Meta:
        model = Meeting
        fields = ["id", "area", "area_name", "held_at", "place", "chair", "chair_name", "status"]


class AgendaItemSerializer(checked.ModelSerializer[AgendaItem]):
    referral = checked.CharField(source="referral.reference", default=None)
    subject = serializers.SerializerMethodField(help_text="The young person, person or place")
    subject_kind = serializers.SerializerMethodField()
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=AgendaReason.choices))
    protective_actions = ActionSerializer(many=True)
    disruption_activities: serializers.PrimaryKeyRelatedField[Any] = (
        serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    )

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "position",
            "referral",
            "node",
            "subject",
            "subject_kind",
            "reason",
            "reasons",
            "decision",
            "next_review_on",
            "decided_by",
            "decided_at",
            "protective_actions",
            "disruption_activities",
        ]

    def get_subject(self, item: AgendaItem) -> str:
        return str(item.referral.young_person) if item.referral else item.entity_node.label

    def get_subject_kind(self, item: AgendaItem) -> str:
        return "referral" if item.referral else item.entity_node.kind


class MeetingDetailSerializer(MeetingSerializer):
    agencies: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name"
    )
    attendees: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    items = serializers.SerializerMethodField()
    minutes = serializers.SerializerMethodField(
        help_text="Only for those who attended and the chair; null for anyone else"
    )
    minutes_note = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = [
            *MeetingSerializer.Meta.fields,
            "agencies",
            "attendees",
            "items",
            "minutes",
            "minutes_note",
        ]

    @extend_schema_field(AgendaItemSerializer(many=True))
    def get_items(self, meeting: Meeting) -> list[dict[str, Any]]:
        return AgendaItemSerializer(self.context["items"], many=True).data  # type: ignore[return-value]

    def get_minutes(self, meeting: Meeting) -> str | None:
        return meeting.minutes if self.context["minutes_visible"] else None

    def get_minutes_note(self, meeting: Meeting) -> str:
        return "" if self.context["minutes_visible"] else MINUTES_HIDDEN


@extend_schema_field(OpenApiTypes.INT)
class _AreaPeopleField(serializers.PrimaryKeyRelatedField[Any]):
    """People working in the areas the caller coordinates (the service checks the area)."""

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        if request is None:
            return get_user_model().objects.none()
        areas = coordinated_areas(user=request.user)
        return (
            get_user_model()
            .objects.filter(
                memberships__area_id__in=areas,
                memberships__role__in=ATTENDING_ROLES,
                memberships__is_active=True,
            )
            .distinct()
        )


class MeetingCreateSerializer(serializers.Serializer[object]):
    area = serializers.SlugRelatedField(slug_field="ons_code", queryset=Area.objects.all())
    held_at = checked.DateTimeField()
    place = checked.CharField(required=False, allow_blank=True, max_length=200)
    chair = _AreaPeopleField()
    agencies = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Agency.objects.filter(is_active=True)
    )
    attendees = _AreaPeopleField(many=True, required=False)

    def validate_area(self, area: Area) -> Area:
        # The role first: who may attend is not for those who may not schedule.
        request = self.context["request"]
        if membership_in(user=request.user, area_id=area.pk, roles=[Role.COORDINATOR]) is None:
            raise PermissionDenied("Only the area's coordinators schedule MACE meetings.")
        return area


class ItemAddSerializer(serializers.Serializer[object]):
    referral = checked.CharField(required=False, max_length=20, help_text="Its reference")
    node = checked.IntegerField(
        required=False, min_value=1, help_text="A person of concern's or location's node"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("referral" in attrs) == ("node" in attrs):
            raise serializers.ValidationError("Send a referral or a node, not both.")
        meeting: Meeting | None = self.context.get("meeting")
        if meeting is None:
            return attrs
        if "referral" in attrs:
            [referral] = referrals_named(
                user=self.context["user"],
                references=[attrs["referral"]],
                area_id=meeting.area_id,
                open_only=True,
                error_field="referral",
            )
            return {"referral": referral}
        node = Node.objects.filter(
            pk=attrs["node"], area_id=meeting.area_id, kind__in=AGENDA_KINDS
        ).first()
        if node is None:
            raise serializers.ValidationError(
                {"node": "No person of concern or location of this area"}
            )
        return {"node": node}


@extend_schema_field(OpenApiTypes.INT)
class _OwnerField(serializers.PrimaryKeyRelatedField[Any]):
    """Those who work the item's referral (read from the context when validating)."""

    def get_queryset(self) -> Any:
        referral = self.context.get("referral")
        if referral is None:  # the schema, or an item about an entity
            return get_user_model().objects.none()
        return action_owner_choices(referral=referral)


class ItemActionSerializer(serializers.Serializer[object]):
    action_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ProtectiveActionType.objects.filter(is_active=True)
    )
    owner = _OwnerField()
    due_on = checked.DateField(allowed=DUE_DATE)
    detail = checked.CharField(required=False, allow_blank=True, max_length=LONG_TEXT)


class DecisionSerializer(serializers.Serializer[object]):
    decision = checked.CharField(max_length=LONG_TEXT)
    next_review_on = checked.DateField(allowed=DUE_DATE, required=False, allow_null=True)
    actions = ItemActionSerializer(many=True, required=False)


class MinutesSerializer(serializers.Serializer[object]):
    minutes = checked.CharField(max_length=50_000)


def _detail(request: Request, pk: int) -> Response:
    meeting, items = meeting_open(actor=request.user, pk=pk, request=request._request)
    context = {
        "items": items,
        "minutes_visible": minutes_visible(user=request.user, meeting=meeting),
    }
    return Response(MeetingDetailSerializer(meeting, context=context).data)


class MeetingListView(AuditedListView):
    """MACE meetings the caller may see: their areas' (coordinators, police leads) and those
    they attended. Every meeting listed is recorded as seen."""

    serializer_class = MeetingSerializer
    queryset = Meeting.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> Any:
        return meetings_for(user=self.request.user)

    def record_seen(self, page: list[Any]) -> None:
        meetings_seen(actor=self.request.user, meetings=page, request=self.request)

    @extend_schema(
        request=MeetingCreateSerializer,
        responses={201: MeetingSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Schedule a MACE meeting (the area's coordinators)",
    )
    def post(self, request: Request) -> Response:
        def create() -> Response:
            body = MeetingCreateSerializer(data=request.data, context={"request": request})
            body.is_valid(raise_exception=True)
            meeting = meeting_schedule(
                actor=request.user, request=request._request, **body.validated_data
            )
            return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)

        return idempotent_response(request, create)


class MeetingView(APIView):
    @cached_property
    def meeting(self) -> Meeting:
        return meeting_get(user=self.request.user, pk=self.kwargs["pk"])


class MeetingDetailView(MeetingView):
    @extend_schema(
        responses=MeetingDetailSerializer,
        summary="One meeting: the agenda items the caller may see, and the minutes if they "
        "attended (recorded as seen)",
    )
    def get(self, request: Request, pk: int) -> Response:
        return _detail(request, pk)


class ProposeAgendaView(MeetingView):
    @extend_schema(
        request=None,
        responses=AgendaItemSerializer(many=True),
        summary="Add to the agenda every subject the area's records say is due (no duplicates); "
        "answers the items added",
    )
    def post(self, request: Request, pk: int) -> Response:
        added = meeting_propose_agenda(
            meeting=self.meeting, actor=request.user, request=request._request
        )
        return Response(AgendaItemSerializer(added, many=True).data)


class AgendaItemsView(MeetingView):
    @extend_schema(
        request=ItemAddSerializer,
        responses={201: AgendaItemSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Add a referral, person of concern or location to the agenda by hand",
    )
    def post(self, request: Request, pk: int) -> Response:
        meeting = self.meeting

        def create() -> Response:
            body = ItemAddSerializer(
                data=request.data, context={"meeting": meeting, "user": request.user}
            )
            body.is_valid(raise_exception=True)
            item = agenda_item_add(
                meeting=meeting,
                actor=request.user,
                request=request._request,
                **body.validated_data,
            )
            return Response(AgendaItemSerializer(item).data, status=status.HTTP_201_CREATED)

        return idempotent_response(request, create)


class DecisionView(MeetingView):
    @extend_schema(
        request=DecisionSerializer,
        responses=AgendaItemSerializer,
        summary="Record the meeting's decision on an item: a referral's review, its next "
        "review date and protective actions",
    )
    def post(self, request: Request, pk: int, item: int) -> Response:
        visible = {i.pk: i for i in agenda_for(user=request.user, meeting=self.meeting)}
        chosen = visible.get(item)
        if chosen is None:
            raise Http404("No agenda item found")
        body = DecisionSerializer(data=request.data, context={"referral": chosen.referral})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        done = agenda_item_record(
            item=chosen,
            actor=request.user,
            decision=data["decision"],
            next_review_on=data.get("next_review_on"),
            actions=[ActionInput(**action) for action in data.get("actions", [])],
            request=request._request,
        )
        return Response(AgendaItemSerializer(done).data)


class MinutesView(MeetingView):
    @extend_schema(
        request=MinutesSerializer,
        responses=MeetingSerializer,
        summary="Record the minutes (the chair, or a coordinator who attended); marks it held",
    )
    def post(self, request: Request, pk: int) -> Response:
        body = MinutesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        held = meeting_minutes_record(
            meeting=self.meeting,
            actor=request.user,
            minutes=body.validated_data["minutes"],
            request=request._request,
        )
        return Response(MeetingSerializer(held).data)
