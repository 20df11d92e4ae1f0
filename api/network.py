"""REST API v1: the network around a record, and an area's clusters (coordinators and police
leads of the area only; anyone else gets 404)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Area
from disruption.models import NodeKind
from disruption.network import (
    Network,
    NetworkNode,
    clusters,
    clusters_seen,
    network,
    network_kind,
    network_seen,
)

from . import fields as checked
from .toolkit import QuerySerializer, query_text


class NetworkNodeSerializer(serializers.Serializer[Any]):
    id = checked.IntegerField(help_text="The node's id, as the edges name it")
    kind = serializers.ChoiceField(choices=NodeKind.choices)
    label = checked.CharField()  # type: ignore[assignment]  # the key clients read
    hop = checked.IntegerField(help_text="0 for the record asked about, then 1 or 2")
    record_id = checked.IntegerField(help_text="The young person's or entity's own id")


class NetworkEdgeSerializer(serializers.Serializer[Any]):
    id = checked.IntegerField()
    a = checked.IntegerField(help_text="Node id (the lower of the two)")
    b = checked.IntegerField(help_text="Node id")
    nature = checked.CharField()
    grading = checked.CharField(help_text="3x5x2 grading, e.g. 1AP")
    observed_on = checked.DateField()


class NetworkSerializer(serializers.Serializer[Any]):
    centre = NetworkNodeSerializer()
    since = checked.DateField(allow_null=True)
    until = checked.DateField(allow_null=True)
    young_people = checked.IntegerField(help_text="Distinct young people in the network")
    truncated = checked.BooleanField(
        help_text="True when more links were found than are shown (the newest are shown)"
    )
    nodes = NetworkNodeSerializer(many=True)
    edges = NetworkEdgeSerializer(many=True)


class NetworkQuerySerializer(QuerySerializer):
    since = checked.DateField(required=False, help_text="Links observed on or after (ISO)")
    until = checked.DateField(required=False, help_text="Links observed on or before (ISO)")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since > until:
            raise ValidationError({"until": ["The end date must be on or after the start date."]})
        return attrs


class ClusterEntrySerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=NodeKind.choices)
    record_id = checked.IntegerField()
    label = checked.CharField()  # type: ignore[assignment]  # the key clients read


class ClusterSerializer(serializers.Serializer[Any]):
    young_people = checked.IntegerField()
    entities = checked.IntegerField()
    labels = serializers.ListField(child=checked.CharField(), help_text="The most linked entities")
    entry = ClusterEntrySerializer(help_text="Open its network to see the cluster")


class ClustersSerializer(serializers.Serializer[Any]):
    area = checked.CharField(source="area.ons_code")
    total = checked.IntegerField(help_text="Clusters in the area (the largest are listed)")
    clusters = ClusterSerializer(many=True)


def network_body(found: Network) -> dict[str, Any]:
    """The body NetworkSerializer describes, built directly: a hub's network has thousands of
    nodes and edges, and DRF's field machinery would spend longer on them than the query."""

    def node(n: NetworkNode) -> dict[str, Any]:
        return {
            "id": n.id,
            "kind": n.kind,
            "label": n.label,
            "hop": n.hop,
            "record_id": n.record_id,
        }

    return {
        "centre": node(found.centre),
        "since": found.since.isoformat() if found.since else None,
        "until": found.until.isoformat() if found.until else None,
        "young_people": found.young_people,
        "truncated": found.truncated,
        "nodes": [node(n) for n in found.nodes],
        "edges": [
            {
                "id": e.id,
                "a": e.a,
                "b": e.b,
                "nature": e.nature,
                "grading": e.grading,
                "observed_on": e.observed_on.isoformat(),
            }
            for e in found.edges
        ],
    }


KIND_VALUES = ", ".join(NodeKind.values)


class NetworkView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=NodeKind.values),
            NetworkQuerySerializer,
        ],
        responses=NetworkSerializer,
        summary="Everything linked to a young person or entity within two hops (recorded as "
        "seen for each young person shown)",
    )
    def get(self, request: Request, kind: str, pk: int) -> Response:
        try:
            node_kind = network_kind(kind)
        except ValueError:
            raise ValidationError({"kind": [f"Use one of: {KIND_VALUES}."]}) from None
        query = NetworkQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        with transaction.atomic():
            found = network(user=request.user, kind=node_kind, pk=pk, **query.validated_data)
            network_seen(actor=request.user, found=found, request=request._request)
        return Response(network_body(found))


class ClustersView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "area",
                {"type": "string", "minLength": 1, "maxLength": 9},
                required=True,
                description="The area's ONS code",
            )
        ],
        responses=ClustersSerializer,
        summary="Groups of young people who share people, places, vehicles or identifiers, "
        "largest first",
    )
    def get(self, request: Request) -> Response:
        code = query_text(request, "area", max_length=9)
        if not code:
            raise ValidationError({"area": ["Give the area's ONS code, e.g. ?area=E08000001."]})
        area = Area.objects.filter(ons_code=code).first()
        if area is None:
            raise Http404("No such area")
        with transaction.atomic():
            found = clusters(user=request.user, area=area)
            clusters_seen(actor=request.user, found=found, request=request._request)
        return Response(ClustersSerializer(found).data)
