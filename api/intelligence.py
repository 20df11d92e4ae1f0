"""REST API v1 for intelligence: persons of concern, locations, vehicles, online identifiers,
graded links (and sharing them to a referral) and link alerts. Thin views over
disruption.services and disruption.selectors; out of scope answers 404."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.dates import BIRTH_DATE
from agencies.models import Area
from agencies.selectors import acting_membership
from disruption.models import (
    ENTITY_MODELS,
    NODE_FIELDS,
    HandlingCode,
    IntelligenceAssessment,
    Link,
    LinkAlert,
    LinkNature,
    Location,
    LocationType,
    Node,
    NodeKind,
    OnlineIdentifier,
    PersonOfConcern,
    PersonStatus,
    Platform,
    SourceEvaluation,
    Vehicle,
)
from disruption.selectors import (
    entity_list,
    intelligence_area_ids,
    link_alert_get,
    link_alerts_for,
    link_get,
    links_for,
    node_get,
    writable_entity_get,
)
from disruption.services import (
    entity_open,
    identifier_create,
    link_add,
    link_alert_review,
    link_share,
    location_create,
    location_update,
    person_of_concern_create,
    person_of_concern_update,
    vehicle_create,
    vehicle_update,
)
from referrals.models import Referral
from referrals.selectors import ReferralAccess, referral_get, young_person_get

from . import fields as checked
from .errors import RULE
from .pagination import StrictCursorPagination
from .toolkit import (
    IDEMPOTENCY_KEY,
    AuditedListView,
    QuerySerializer,
    idempotent_response,
    query_text,
)

# --- serializers ---------------------------------------------------------------------------


class NodeSerializer(checked.ModelSerializer[Node]):
    record_id = serializers.SerializerMethodField()

    class Meta:
        model = Node
        fields = ["id", "kind", "label", "record_id"]

    def get_record_id(self, node: Node) -> int:
        return int(getattr(node, f"{NODE_FIELDS[NodeKind(node.kind)]}_id"))


class EntitySerializer(checked.ModelSerializer[Any]):
    node = serializers.SerializerMethodField(help_text="Its node in the network, once linked")

    def get_node(self, record: Any) -> int | None:
        node = getattr(record, "node", None)
        return node.pk if node is not None else None


ENTITY_COMMON = ["id", "area", "node", "created_at", "updated_at"]


class PersonOfConcernSerializer(EntitySerializer):
    class Meta:
        model = PersonOfConcern
        fields = [
            *ENTITY_COMMON,
            "name",
            "aliases",
            "date_of_birth",
            "approximate_age",
            "description",
            "addresses",
            "police_references",
            "status",
        ]


class LocationSerializer(EntitySerializer):
    class Meta:
        model = Location
        fields = [
            *ENTITY_COMMON,
            "name",
            "location_type",
            "address",
            "postcode",
            "latitude",
            "longitude",
            "is_hotspot",
            "description",
        ]


class VehicleSerializer(EntitySerializer):
    class Meta:
        model = Vehicle
        fields = [*ENTITY_COMMON, "registration", "make", "model", "colour", "notes"]


class IdentifierSerializer(EntitySerializer):
    class Meta:
        model = OnlineIdentifier
        fields = [*ENTITY_COMMON, "platform", "value", "notes"]


class AreaField(serializers.Serializer[object]):
    area = checked.IntegerField(
        required=False,
        min_value=1,
        help_text="The area it belongs to (default: the area of the caller's acting role)",
    )


class GradingSerializer(serializers.Serializer[object]):
    source = checked.CharField(max_length=200)  # type: ignore[assignment]
    source_evaluation = serializers.ChoiceField(SourceEvaluation.choices)
    intelligence_assessment = serializers.ChoiceField(IntelligenceAssessment.choices)
    handling_code = serializers.ChoiceField(HandlingCode.choices)
    observed_on = checked.DateField()


class HandleSerializer(serializers.Serializer[object]):
    platform = serializers.ChoiceField(
        [choice for choice in Platform.choices if choice[0] != Platform.PHONE],
        error_messages={
            "invalid_choice": "Choose a platform of handles. Send phone numbers in phone_numbers."
        },
    )
    value = checked.CharField(max_length=200)

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        return (value["platform"], value["value"])  # as the service takes it


def _text(max_length: int) -> serializers.CharField:
    return checked.CharField(max_length=max_length, required=False, allow_blank=True)


class PersonWriteSerializer(AreaField):
    name = checked.CharField(max_length=200)
    aliases = serializers.ListField(child=checked.CharField(max_length=200), required=False)
    date_of_birth = checked.DateField(allowed=BIRTH_DATE, required=False, allow_null=True)
    approximate_age = checked.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=120
    )
    description = _text(5000)
    addresses = _text(5000)
    police_references = serializers.ListField(
        child=checked.CharField(max_length=60), required=False
    )
    status = serializers.ChoiceField(PersonStatus.choices, required=False)
    phone_numbers = serializers.ListField(
        child=checked.CharField(max_length=40), required=False, max_length=20
    )
    handles = HandleSerializer(many=True, required=False)
    grading = GradingSerializer(
        required=False, help_text="Where the phone numbers and handles came from"
    )


class LocationWriteSerializer(AreaField):
    name = checked.CharField(max_length=200)
    location_type = serializers.ChoiceField(LocationType.choices, required=False)
    address = _text(2000)
    postcode = _text(10)
    latitude = checked.LatitudeField()
    longitude = checked.LongitudeField()
    is_hotspot = checked.BooleanField(required=False)
    description = _text(5000)


class VehicleWriteSerializer(AreaField):
    registration = checked.CharField(max_length=30)
    make = _text(60)
    model = _text(60)
    colour = _text(40)
    notes = _text(5000)


class IdentifierWriteSerializer(AreaField):
    platform = serializers.ChoiceField(Platform.choices)
    value = checked.CharField(max_length=200)
    notes = _text(5000)


class LinkSerializer(checked.ModelSerializer[Link]):
    a = NodeSerializer()
    b = NodeSerializer()
    referral = checked.CharField(source="referral.reference", default=None, allow_null=True)
    grading = checked.CharField(read_only=True)

    class Meta:
        model = Link
        fields = [
            "id",
            "area",
            "a",
            "b",
            "referral",
            "nature",
            "detail",
            "source",
            "source_evaluation",
            "intelligence_assessment",
            "handling_code",
            "grading",
            "observed_on",
            "recorded_at",
            "shared_at",
            "share_reason",
        ]


class EndSerializer(serializers.Serializer[object]):
    kind = serializers.ChoiceField(NodeKind.choices)
    id = checked.IntegerField(min_value=1, help_text="The young person's or entity's id")


class LinkCreateSerializer(GradingSerializer):
    a = EndSerializer()
    b = EndSerializer()
    nature = serializers.ChoiceField(LinkNature.choices)
    referral = checked.CharField(
        max_length=30, required=False, help_text="The reference of the referral it came from"
    )
    detail = _text(5000)


class LinkShareSerializer(serializers.Serializer[object]):
    reason = checked.CharField(max_length=2000)


class LinkAlertSerializer(checked.ModelSerializer[LinkAlert]):
    node = NodeSerializer()
    matched_node = NodeSerializer(allow_null=True)
    police_agency = checked.CharField(source="police_agency.name", default=None, allow_null=True)
    reviewed_by = checked.CharField(
        source="reviewed_by.get_full_name", default=None, help_text="Who marked it reviewed"
    )

    class Meta:
        model = LinkAlert
        fields = [
            "id",
            "area",
            "link",
            "node",
            "matched_node",
            "match",
            "reason",
            "young_people",
            "police_agency",
            "created_at",
            "reviewed_at",
            "reviewed_by",
        ]


# --- views ---------------------------------------------------------------------------------


def _area(request: Request, data: dict[str, Any]) -> Area:
    """The area named in the body, or that of the caller's acting role."""
    named = "area" in data
    area_id = data.pop("area", None)
    if area_id is None:
        membership = acting_membership(user=request.user)
        area_id = membership.area_id if membership is not None else None
        if area_id not in intelligence_area_ids(user=request.user):
            area_id = min(intelligence_area_ids(user=request.user), default=area_id)
    area = Area.objects.filter(pk=area_id).first() if area_id else None
    if area is None:  # one named that is not there (404), or none to default to (422)
        code = "does_not_exist" if named else RULE
        raise ValidationError({"area": ["Choose an area."]}, code=code)
    return area


def _created(
    request: Request, incoming: type[Any], outgoing: type[Any], create: Callable[..., Any]
) -> Response:
    def run() -> Response:
        body = incoming(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        record = create(
            actor=request.user, area=_area(request, data), request=request._request, **data
        )
        return Response(outgoing(record).data, status=status.HTTP_201_CREATED)

    return idempotent_response(request, run)


SEARCH = OpenApiParameter(
    "q",
    OpenApiTypes.STR,
    description="Names, aliases, registrations or identifiers containing this",
)


class EntityListView(AuditedListView):
    """Entities of one kind the caller may see, newest first; every one listed is recorded
    as seen. Creating one needs a coordinator or police lead of the area."""

    model: type[models.Model]
    incoming: type[Any]
    create: Callable[..., Any]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return self.model._default_manager.none()
        search = query_text(self.request, "q")
        return entity_list(user=self.request.user, model=self.model, search=search)

    @extend_schema(parameters=[SEARCH])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def post(self, request: Request) -> Response:
        outgoing: Any = self.serializer_class
        return _created(request, self.incoming, outgoing, type(self).create)


class EntityDetailView(APIView):
    """One entity (recorded as seen); PATCH changes it (coordinators and police leads)."""

    model: type[models.Model]
    serializer_class: type[Any]
    incoming: type[Any]
    update: Callable[..., Any]
    field: str

    def get(self, request: Request, pk: int) -> Response:
        record = entity_open(actor=request.user, model=self.model, pk=pk, request=request._request)
        return Response(self.serializer_class(record).data)

    def patch(self, request: Request, pk: int) -> Response:
        record = writable_entity_get(user=request.user, model=self.model, pk=pk)
        body = self.incoming(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        extra = {k: data.pop(k) for k in ("phone_numbers", "handles", "grading") if k in data}
        changed = type(self).update(
            actor=request.user,
            changes=data,
            request=request._request,
            **{self.field: record},
            **extra,
        )
        return Response(self.serializer_class(changed).data)


def _own(method: Callable[..., Any]) -> Callable[..., Any]:
    """A function of its own calling `method`: extend_schema marks the function it is given,
    so the views of every kind sharing one would all be documented as the last."""

    @functools.wraps(method)
    def own(*args: Any, **kwargs: Any) -> Any:
        return method(*args, **kwargs)

    return own


def _unmoved(incoming: type[Any]) -> type[Any]:
    """The body of a change: the creation's, without `area` (an entity stays in its area)."""
    fields = dict.fromkeys(AreaField._declared_fields)
    return type(incoming.__name__.replace("Write", "Change"), (incoming,), fields)


def _entity_views(
    name: str,
    model: type[models.Model],
    outgoing: type[Any],
    incoming: type[Any],
    create: Callable[..., Any],
    update: Callable[..., Any] | None,
    field: str,
) -> tuple[type[EntityListView], type[EntityDetailView]]:
    """A list/create view and a detail view (PATCH when `update`) for one kind of entity."""
    list_view = extend_schema(
        methods=["POST"],
        request=incoming,
        responses={201: outgoing},
        parameters=[IDEMPOTENCY_KEY],
        summary=f"Record a {name} (an existing one with the same identifier is answered)",
    )(
        type(
            f"{model.__name__}ListView",
            (EntityListView,),
            {
                "model": model,
                "serializer_class": outgoing,
                "queryset": model.objects.none(),  # type: ignore[attr-defined]
                "incoming": incoming,
                "create": staticmethod(create),
                "__doc__": f"{name.capitalize()} records the caller may see (each one seen).",
            },
        )
    )
    changes = _unmoved(incoming)
    attributes: dict[str, Any] = {
        "model": model,
        "serializer_class": outgoing,
        "incoming": changes,
        "field": field,
        "get": extend_schema(responses=outgoing, summary=f"One {name} (recorded as seen)")(
            _own(EntityDetailView.get)
        ),
    }
    if update is not None:
        attributes["update"] = staticmethod(update)
        attributes["patch"] = extend_schema(
            request=changes(partial=True),
            responses=outgoing,
            summary=f"Change a {name}",
        )(_own(EntityDetailView.patch))
    else:
        attributes["http_method_names"] = ["get", "head", "options"]
    detail_view = type(f"{model.__name__}DetailView", (EntityDetailView,), attributes)
    return list_view, detail_view


PersonsOfConcernView, PersonOfConcernView = _entity_views(
    "person of concern",
    PersonOfConcern,
    PersonOfConcernSerializer,
    PersonWriteSerializer,
    person_of_concern_create,
    person_of_concern_update,
    "person",
)
LocationsView, LocationView = _entity_views(
    "location",
    Location,
    LocationSerializer,
    LocationWriteSerializer,
    location_create,
    location_update,
    "location",
)
VehiclesView, VehicleView = _entity_views(
    "vehicle",
    Vehicle,
    VehicleSerializer,
    VehicleWriteSerializer,
    vehicle_create,
    vehicle_update,
    "vehicle",
)
IdentifiersView, IdentifierView = _entity_views(
    "phone number or online identifier",
    OnlineIdentifier,
    IdentifierSerializer,
    IdentifierWriteSerializer,
    identifier_create,
    None,
    "identifier",
)


class LinkPagination(StrictCursorPagination):
    ordering = ("-recorded_at", "-id")


class LinkQuerySerializer(QuerySerializer):
    node = checked.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="Links joining this node"
    )
    kind = serializers.ChoiceField(
        choices=NodeKind.choices, required=False, help_text="Links with an end of this kind"
    )
    referral = checked.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="Links recorded through this referral",
    )


def _end(request: Request, end: dict[str, Any]) -> models.Model:
    """A link's end by kind and id: a young person seen in full, or a visible entity (404
    otherwise)."""
    kind, pk = NodeKind(end["kind"]), end["id"]
    if kind == NodeKind.YOUNG_PERSON:
        return young_person_get(user=request.user, pk=pk)
    return writable_entity_get(user=request.user, model=ENTITY_MODELS[kind], pk=pk)


class LinksView(AuditedListView):
    """Links the caller may see, newest first; every one listed is recorded as seen."""

    serializer_class = LinkSerializer
    queryset = Link.objects.none()  # for the schema; requests use get_queryset
    pagination_class = LinkPagination

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        query = LinkQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        chosen = query.validated_data
        node = node_get(user=self.request.user, pk=chosen["node"]) if "node" in chosen else None
        links = links_for(user=self.request.user, node=node, kind=chosen.get("kind", ""))
        if chosen.get("referral"):
            links = links.filter(referral__reference=chosen["referral"])
        return links

    @extend_schema(parameters=[LinkQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=LinkCreateSerializer,
        responses={201: LinkSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Link two records of one area, graded 3x5x2 (the same link again answers it)",
    )
    def post(self, request: Request) -> Response:
        def run() -> Response:
            body = LinkCreateSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = dict(body.validated_data)
            a, b = _end(request, data.pop("a")), _end(request, data.pop("b"))
            referral: Referral | None = None
            if data.get("referral"):
                referral, access = referral_get(user=request.user, reference=data["referral"])
                if access is not ReferralAccess.FULL:
                    raise ValidationError({"referral": ["Choose a referral you work on."]})
            data["referral"] = referral
            link = link_add(actor=request.user, a=a, b=b, request=request._request, **data)
            return Response(LinkSerializer(link).data, status=status.HTTP_201_CREATED)

        return idempotent_response(request, run)


class LinkShareView(APIView):
    @extend_schema(
        request=LinkShareSerializer,
        responses=LinkSerializer,
        summary="Share a link to its referral's lead professionals (coordinators)",
    )
    def post(self, request: Request, pk: int) -> Response:
        link = link_get(user=request.user, pk=pk)
        body = LinkShareSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        shared = link_share(
            link=link, actor=request.user, request=request._request, **body.validated_data
        )
        return Response(LinkSerializer(links_for(user=request.user).get(pk=shared.pk)).data)


REVIEWED = {"true": True, "false": False, "": None}


class LinkAlertsView(AuditedListView):
    """Link alerts for the caller, newest first; every one listed is recorded as seen."""

    serializer_class = LinkAlertSerializer
    queryset = LinkAlert.objects.none()  # for the schema; requests use get_queryset

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "reviewed",
                OpenApiTypes.STR,
                enum=["true", "false"],
                description="false: only the alerts still to review; true: only those reviewed",
            )
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        reviewed = query_text(self.request, "reviewed")
        if reviewed not in REVIEWED:
            raise ValidationError({"reviewed": ["Give true or false."]})
        return link_alerts_for(user=self.request.user, reviewed=REVIEWED[reviewed])


class LinkAlertReviewView(APIView):
    @extend_schema(
        request=None,
        responses=LinkAlertSerializer,
        summary="Mark a link alert reviewed (those the alert is for); 400 if it already is",
    )
    def post(self, request: Request, pk: int) -> Response:
        alert = link_alert_get(user=request.user, pk=pk)
        link_alert_review(alert=alert, actor=request.user, request=request._request)
        return Response(LinkAlertSerializer(link_alert_get(user=request.user, pk=pk)).data)
