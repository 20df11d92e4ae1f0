"""REST API v1 for an area's strategy sessions and the strategy document library: thin views
over reports.profiles. Profile readers may read (403 for other roles); an area's keepers log
its sessions and add its documents; an area they may not read is 404. Each download and each
document added is recorded."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency
from reports.models import (
    Audience,
    DocumentKind,
    SessionKind,
    StrategyDocument,
    StrategySession,
    TrainingTopic,
)
from reports.profiles import (
    document_content_type,
    kept_area,
    library_document,
    library_documents,
    profile_area,
    session_agencies,
    strategy_document_add,
    strategy_session_log,
    strategy_sessions,
)

from . import fields as checked
from .toolkit import IDEMPOTENCY_KEY, QuerySerializer, idempotent_response

LIBRARY_SHOWN = 100  # the newest documents a search finds; narrower searches find the rest
NOT_A_READER = OpenApiResponse(description="Not a role that reads strategy profiles")


class ReaderView(APIView):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.has_perm("reports.view_strategy_profiles"):
            raise PermissionDenied("Only those who read strategy profiles may do this.")


class SessionSerializer(checked.ModelSerializer[StrategySession]):
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.none())
    agency_name = checked.CharField(source="agency.name", read_only=True)
    kind = serializers.ChoiceField(choices=SessionKind.choices)
    # Blank where the kind of session has none: training has no audience, awareness no topic.
    audience = serializers.ChoiceField(
        choices=Audience.choices, required=False, allow_blank=True, default=""
    )
    topic = serializers.ChoiceField(
        choices=TrainingTopic.choices, required=False, allow_blank=True, default=""
    )
    held_on = checked.DateField()
    attending = checked.IntegerField(min_value=1, max_value=100_000)

    class Meta:
        model = StrategySession
        fields = ["id", "kind", "audience", "topic", "held_on", "agency", "agency_name"]
        fields += ["attending", "logged_at"]
        read_only_fields = ["logged_at"]

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency = self.fields["agency"]
        if agencies is not None and isinstance(agency, serializers.PrimaryKeyRelatedField):
            agency.queryset = agencies


class StrategySessionsView(ReaderView):
    @extend_schema(
        responses={
            200: SessionSerializer(many=True),
            403: NOT_A_READER,
            404: OpenApiResponse(description="Not an area whose profile you read"),
        },
        summary="The sessions an area logged, newest first (the latest 200)",
    )
    def get(self, request: Request, ons_code: str) -> Response:
        area = profile_area(user=request.user, ons_code=ons_code)
        sessions = strategy_sessions(user=request.user, area=area)
        return Response(SessionSerializer(sessions, many=True).data)

    @extend_schema(
        request=SessionSerializer,
        responses={
            201: SessionSerializer,
            400: OpenApiResponse(description="A detail missing or refused, by field"),
            403: OpenApiResponse(description="Not one who keeps this area's profile"),
            404: OpenApiResponse(description="Not an area whose profile you read"),
        },
        summary="Log an awareness-raising session (with its audience) or a training session "
        "(with its topic)",
    )
    def post(self, request: Request, ons_code: str) -> Response:
        area = profile_area(user=request.user, ons_code=ons_code)
        if not request.user.has_perm("reports.edit_strategy_profile", area):
            raise PermissionDenied("Only those who keep this area's profile log its sessions.")
        body = SessionSerializer(data=request.data, agencies=session_agencies(area=area))
        body.is_valid(raise_exception=True)
        session = strategy_session_log(actor=request.user, area=area, **body.validated_data)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)


class LibraryQuerySerializer(QuerySerializer):
    text = checked.CharField(required=False, default="", max_length=200)
    kind = serializers.ChoiceField(
        choices=DocumentKind.choices, required=False, allow_blank=True, default=""
    )
    area = checked.CharField(required=False, default="", max_length=20, help_text="ONS code")


class DocumentSerializer(checked.ModelSerializer[StrategyDocument]):
    area = checked.CharField(source="profile.area.ons_code")
    area_name = checked.CharField(source="profile.area.name")
    year = checked.IntegerField(source="profile.year")

    class Meta:
        model = StrategyDocument
        fields = ["id", "title", "kind", "area", "area_name", "year", "original_name", "size"]
        fields += ["uploaded_at"]


class LibraryPageSerializer(serializers.Serializer[Any]):
    total = checked.IntegerField(help_text="How many match; at most 100 are listed")
    results = DocumentSerializer(many=True)


class DocumentUploadSerializer(serializers.Serializer[Any]):
    title = checked.CharField(
        max_length=200, help_text="For example, Child exploitation protocol 2026"
    )
    kind = serializers.ChoiceField(
        choices=DocumentKind.choices, help_text="What kind of document it is"
    )
    file = serializers.FileField(
        help_text="PDF, DOCX, ODT or TXT, not empty and smaller than the upload limit (10 MB)"
    )


class StrategyDocumentsView(ReaderView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={
            201: DocumentSerializer,
            400: OpenApiResponse(
                description="A title, kind or file missing or refused (an empty file, one too "
                "large, or of a type not accepted), by field"
            ),
            403: OpenApiResponse(description="Not one who keeps this area's profile"),
            404: OpenApiResponse(
                description="Not an area whose profile you read, or a year the service does "
                "not keep"
            ),
        },
        parameters=[IDEMPOTENCY_KEY],
        summary="Add a document to an area's profile for a year; it joins the library",
    )
    def post(self, request: Request, ons_code: str, year: int) -> Response:
        area = kept_area(user=request.user, ons_code=ons_code, year=year)

        def add() -> Response:
            body = DocumentUploadSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            chosen = body.validated_data
            document = strategy_document_add(
                actor=request.user,
                area=area,
                year=year,
                title=chosen["title"],
                kind=chosen["kind"],
                upload=chosen["file"],
            )
            return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

        return idempotent_response(request, add)


class StrategyLibraryView(ReaderView):
    @extend_schema(
        parameters=[LibraryQuerySerializer],
        responses={
            200: LibraryPageSerializer,
            400: OpenApiResponse(description="A kind not in the list"),
            403: NOT_A_READER,
        },
        summary="Search the library of every area's strategy documents",
    )
    def get(self, request: Request) -> Response:
        query = LibraryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        chosen = query.validated_data
        found = library_documents(
            user=request.user, text=chosen["text"], kind=chosen["kind"], ons_code=chosen["area"]
        ).order_by("-uploaded_at", "-pk")
        body = {"total": found.count(), "results": list(found[:LIBRARY_SHOWN])}
        return Response(LibraryPageSerializer(body).data)


class StrategyDocumentDownloadView(ReaderView):
    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            403: NOT_A_READER,
            404: OpenApiResponse(description="No such document"),
        },
        summary="Download one document of the library (the download is recorded)",
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        document = library_document(user=request.user, pk=pk, request=request)
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document_content_type(document),
        )
