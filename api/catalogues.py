"""REST API v1: an area's catalogues (screening tools, protective action types, disruption
tactics). Each request names the area by its ONS code (`area`), or the caller's only area is
meant; an area the caller holds no role in, and another area's own entries, answer 404. The
national entries are read-only: an area stops using one and uses it again. Coordinators keep
the screening tools, area administrators the action types and tactics (anyone else: 403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Area, User
from disruption.catalogues import LEGAL_POWER_CAP, tactic_add
from disruption.models import DisruptionTactic, TacticCategory
from referrals.catalogues import (
    INDICATORS_CAP,
    LABEL_CAP,
    NAME_CAP,
    WEIGHT_MAX,
    IndicatorWording,
    action_type_add,
    area_entries,
    area_entry,
    area_screening_tool,
    area_screening_tools,
    entry_retire,
    entry_use,
    member_area,
    screening_tool_publish,
    screening_tool_retire,
    screening_tool_use,
)
from referrals.models import (
    ExploitationType,
    ProtectiveActionType,
    ScreeningCategory,
    ScreeningIndicator,
    ScreeningTool,
)

from . import fields as checked
from .toolkit import IDEMPOTENCY_KEY, idempotent_response

AREA = OpenApiParameter(
    "area",
    OpenApiTypes.STR,
    description="The area's ONS code; may be left out by someone with a role in one area only",
)


def _errors(**extra: str) -> dict[int, OpenApiResponse]:
    return {
        400: OpenApiResponse(description="The answers are refused: see `error.fields`"),
        404: OpenApiResponse(description="Not an area you hold a role in, or not its entry"),
        **{int(code): OpenApiResponse(description=text) for code, text in extra.items()},
    }


FORBIDDEN = "403"
READ_ERRORS = _errors()
TOOL_WRITE_ERRORS = _errors(**{FORBIDDEN: "Only the area's coordinators keep its tools"})
ENTRY_WRITE_ERRORS = _errors(**{FORBIDDEN: "Only the area's administrators keep this"})


def _caller(request: Request) -> User:
    return cast(User, request.user)  # every view here requires a signed-in user


def _area(request: Request, body: dict[str, Any] | None = None) -> Area:
    """The area named in the query string, else in the body already checked, else the
    caller's only one."""
    code = request.query_params.get("area") or (body or {}).get("area")
    return member_area(user=_caller(request), ons_code=str(code) if code else None)


class _Used(serializers.Serializer[Any]):
    """Where an entry stands in the area."""

    national = serializers.SerializerMethodField(help_text="National entries are read-only")
    in_use = serializers.SerializerMethodField(help_text="Offered in the area now")

    def get_national(self, entry: Any) -> bool:
        return bool(entry.area_id is None)

    def get_in_use(self, entry: Any) -> bool:
        retired = getattr(entry, "retired_at", None) is not None
        return bool(getattr(entry, "is_active", True) and not retired and not entry.unused)


class ActionTypeSerializer(_Used, checked.ModelSerializer[ProtectiveActionType]):
    class Meta:
        model = ProtectiveActionType
        fields = ["code", "label", "national", "in_use"]


class TacticSerializer(_Used, checked.ModelSerializer[DisruptionTactic]):
    class Meta:
        model = DisruptionTactic
        fields = [
            "code",
            "label",
            "category",
            "legal_power",
            "expires",
            "default_duration_days",
            "remind_days_before",
            "national",
            "in_use",
        ]


class IndicatorSerializer(checked.ModelSerializer[ScreeningIndicator]):
    class Meta:
        model = ScreeningIndicator
        fields = ["code", "category", "label", "weight"]


class ScreeningToolSerializer(_Used, checked.ModelSerializer[ScreeningTool]):
    retired = serializers.SerializerMethodField()

    class Meta:
        model = ScreeningTool
        fields = [
            "version",
            "name",
            "series",
            "exploitation_types",
            "published_at",
            "retired",
            "national",
            "in_use",
        ]

    def get_retired(self, tool: ScreeningTool) -> bool:
        return tool.retired_at is not None


class ScreeningToolDetailSerializer(ScreeningToolSerializer):
    indicators = IndicatorSerializer(many=True, read_only=True)
    bands = serializers.JSONField(help_text="[lowest score, risk level] pairs, ascending")

    class Meta(ScreeningToolSerializer.Meta):
        fields = [*ScreeningToolSerializer.Meta.fields, "bands", "indicators"]


class AreaBodySerializer(serializers.Serializer[Any]):
    area = checked.CharField(required=False, max_length=9, help_text="The area's ONS code")


class IndicatorInSerializer(serializers.Serializer[Any]):
    code = checked.SlugField(
        required=False,
        default="",
        max_length=50,
        help_text="An earlier version's indicator this one rewords; left out for a new one",
    )
    category = serializers.ChoiceField(choices=ScreeningCategory.choices)
    label = checked.CharField(max_length=LABEL_CAP)  # type: ignore[assignment]
    weight = checked.IntegerField(min_value=1, max_value=WEIGHT_MAX)


class ScreeningToolPublishSerializer(AreaBodySerializer):
    based_on = checked.SlugField(
        max_length=40, help_text="The version it starts from: national or the area's own"
    )
    name = checked.CharField(max_length=NAME_CAP)
    exploitation_types = serializers.ListField(
        child=serializers.ChoiceField(choices=ExploitationType.choices),
        min_length=1,
        max_length=len(ExploitationType.choices),
    )
    indicators = serializers.ListField(
        child=IndicatorInSerializer(), min_length=1, max_length=INDICATORS_CAP
    )


class ActionTypeAddSerializer(AreaBodySerializer):
    label = checked.CharField(max_length=LABEL_CAP)  # type: ignore[assignment]


class TacticAddSerializer(AreaBodySerializer):
    label = checked.CharField(max_length=LABEL_CAP)  # type: ignore[assignment]
    category = serializers.ChoiceField(choices=TacticCategory.choices)
    legal_power = checked.CharField(
        required=False, default="", allow_blank=True, max_length=LEGAL_POWER_CAP
    )
    expires = checked.BooleanField(default=False, help_text="It lapses on an expiry date")
    default_duration_days = checked.IntegerField(
        required=False, allow_null=True, default=None, min_value=1
    )


def _body(serializer: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    body = serializer(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


# Screening tools.


class ScreeningToolsView(APIView):
    @extend_schema(
        parameters=[AREA],
        responses={200: ScreeningToolSerializer(many=True), **READ_ERRORS},
        summary="The area's screening tools: the national ones and every version of its own",
    )
    def get(self, request: Request) -> Response:
        tools = area_screening_tools(area=_area(request))
        return Response(ScreeningToolSerializer(tools, many=True).data)

    @extend_schema(
        request=ScreeningToolPublishSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: ScreeningToolDetailSerializer, **TOOL_WRITE_ERRORS},
        summary="Publish a version of the area's own tool; it screens new concerns only",
    )
    def post(self, request: Request) -> Response:
        def create() -> Response:
            data = _body(ScreeningToolPublishSerializer, request)
            area = _area(request, data)
            tool = screening_tool_publish(
                actor=_caller(request),
                area=area,
                based_on=area_screening_tool(area=area, version=data["based_on"]),
                name=data["name"],
                exploitation_types=data["exploitation_types"],
                indicators=[IndicatorWording(**wording) for wording in data["indicators"]],
            )
            shown = area_screening_tool(area=area, version=tool.version)
            return Response(
                ScreeningToolDetailSerializer(shown).data, status=status.HTTP_201_CREATED
            )

        return idempotent_response(request, create)


class ScreeningToolView(APIView):
    @extend_schema(
        parameters=[AREA],
        responses={200: ScreeningToolDetailSerializer, **READ_ERRORS},
        summary="One version of a screening tool, with its indicators' wording",
    )
    def get(self, request: Request, version: str) -> Response:
        tool = area_screening_tool(area=_area(request), version=version)
        return Response(ScreeningToolDetailSerializer(tool).data)


def _tool_step(
    step: Callable[..., ScreeningTool], summary: str
) -> Callable[[APIView, Request, str], Response]:
    @extend_schema(
        request=AreaBodySerializer,
        responses={200: ScreeningToolSerializer, **TOOL_WRITE_ERRORS},
        summary=summary,
    )
    def post(self: APIView, request: Request, version: str) -> Response:
        area = _area(request, _body(AreaBodySerializer, request))
        step(
            actor=_caller(request), area=area, tool=area_screening_tool(area=area, version=version)
        )
        return Response(
            ScreeningToolSerializer(area_screening_tool(area=area, version=version)).data
        )

    return post


class ScreeningToolRetireView(APIView):
    post = _tool_step(
        screening_tool_retire,
        "Stop screening new concerns with a tool: the area's own version is retired, a "
        "national tool is no longer used by the area",
    )


class ScreeningToolUseView(APIView):
    post = _tool_step(screening_tool_use, "Use a national tool in the area again")


# Protective action types and disruption tactics: one shape, two catalogues.


def _entry_step(
    model: type[Any],
    shown: type[serializers.Serializer[Any]],
    step: Callable[..., Any],
    summary: str,
) -> Callable[[APIView, Request, str], Response]:
    @extend_schema(
        request=AreaBodySerializer,
        responses={200: shown, **ENTRY_WRITE_ERRORS},
        summary=summary,
    )
    def post(self: APIView, request: Request, code: str) -> Response:
        area = _area(request, _body(AreaBodySerializer, request))
        step(
            actor=_caller(request),
            area=area,
            entry=area_entry(model, area=area, pk=code, by="code"),
        )
        return Response(shown(area_entry(model, area=area, pk=code, by="code")).data)

    return post


def _catalogue_views(
    model: type[Any],  # ProtectiveActionType or DisruptionTactic
    shown: type[serializers.Serializer[Any]],
    incoming: type[serializers.Serializer[Any]],
    add: Callable[..., Any],
    name: str,
) -> tuple[type[APIView], type[APIView], type[APIView]]:
    class ListView(APIView):
        @extend_schema(
            parameters=[AREA],
            responses={200: shown(many=True), **READ_ERRORS},
            summary=f"The area's {name}s: the national ones (whether the area uses each) "
            "and its own, retired ones too",
        )
        def get(self, request: Request) -> Response:
            return Response(shown(area_entries(model, area=_area(request)), many=True).data)

        @extend_schema(
            request=incoming,
            parameters=[IDEMPOTENCY_KEY],
            responses={201: shown, **ENTRY_WRITE_ERRORS},
            summary=f"Add one of the area's own {name}s",
        )
        def post(self, request: Request) -> Response:
            def create() -> Response:
                data = _body(incoming, request)
                area = _area(request, data)
                data.pop("area", None)
                entry = add(actor=_caller(request), area=area, **data)
                return Response(
                    shown(area_entry(model, area=area, pk=entry.pk)).data,
                    status=status.HTTP_201_CREATED,
                )

            return idempotent_response(request, create)

    class RetireView(APIView):
        post = _entry_step(
            model,
            shown,
            entry_retire,
            f"Stop offering one of the area's {name}s: its own is retired, a national one "
            "is no longer used by the area",
        )

    class UseView(APIView):
        post = _entry_step(model, shown, entry_use, f"Use a national {name} in the area again")

    return ListView, RetireView, UseView


ActionTypesView, ActionTypeRetireView, ActionTypeUseView = _catalogue_views(
    ProtectiveActionType,
    ActionTypeSerializer,
    ActionTypeAddSerializer,
    action_type_add,
    "protective action type",
)
TacticsView, TacticRetireView, TacticUseView = _catalogue_views(
    DisruptionTactic, TacticSerializer, TacticAddSerializer, tactic_add, "disruption tactic"
)
