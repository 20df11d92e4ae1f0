"""REST API v1 for subject access exports: thin views over subject_access. A coordinator of
the young person's area records a subject access request and starts its export, a background
job; the job, read back, says how far it has got and how it ended, and once done its PDF and
bundle download. A young person out of sight is 404, a role that sees them but does not
coordinate their area 403; an export is 404 to anyone but its area's coordinators. An export
about a person of concern is started by a coordinator and runs once a police lead of the area
agrees (`.../agree/`); the area's police leads see it, only its coordinators download it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from referrals.audited_reads import records_seen
from subject_access.models import EXTENSION_REASON_CAP, ExportStatus, SubjectAccessExport
from subject_access.selectors import (
    export_get,
    exports_about,
    exports_for,
    suspect_for_subject_access,
    young_person_for_subject_access,
)
from subject_access.services import (
    PARTS,
    REQUESTER_CAP,
    export_agree,
    export_download,
    export_extend,
    export_start,
    suspect_export_start,
)

from . import fields as checked
from .pagination import StrictCursorPagination
from .toolkit import idempotent_response, service_response


class SubjectAccessStartSerializer(serializers.Serializer[object]):
    received_on = checked.DateField(
        help_text="The day the request was received (today or before): the one-month limit "
        "to answer runs from it"
    )
    requester = checked.CharField(
        max_length=REQUESTER_CAP,
        help_text="Who made the request: the young person, or who asks for them",
    )


class DownloadsSerializer(serializers.Serializer[object]):
    pdf = checked.CharField(help_text="The PDF written for the person")
    bundle = checked.CharField(help_text="A zip: export.json, a CSV per kind, the documents")


class SubjectAccessExportSerializer(checked.ModelSerializer[SubjectAccessExport]):
    status = serializers.ChoiceField(
        choices=ExportStatus.choices,
        help_text="awaiting a police lead's agreement (a person of concern); running while "
        "the job gathers; then done (downloadable until expires_at), failed (see problem) or "
        "expired (files removed)",
    )
    young_person = checked.IntegerField(
        source="young_person_id", allow_null=True, help_text="Null for a person of concern"
    )
    person_of_concern = checked.IntegerField(
        source="person_of_concern_id", allow_null=True, help_text="Null for a young person"
    )
    received_on = checked.DateField()
    due_on = checked.DateField(
        help_text="One month after the request was received; three once extended"
    )
    extended_at = checked.DateTimeField(
        allow_null=True, help_text="When the deadline was extended by two months, if it was"
    )
    extension_reason = checked.CharField(
        help_text="Why the deadline was extended (the person is told it); empty if it was not"
    )
    steps_done = checked.IntegerField(help_text="Steps done of steps_total")
    step = checked.CharField(help_text="What is being gathered now; empty once finished")
    counts = serializers.DictField(
        child=checked.IntegerField(), help_text="Items of each kind of record, once done"
    )
    for_review = checked.IntegerField(help_text="Items marked for redaction review")
    started_at = checked.DateTimeField()
    finished_at = checked.DateTimeField(allow_null=True)
    expires_at = checked.DateTimeField(allow_null=True, help_text="When the files are removed")
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = SubjectAccessExport
        fields = ["id", "young_person", "person_of_concern", "received_on", "due_on"]
        fields += ["requester", "status"]
        fields += ["steps_total", "steps_done", "step", "problem", "counts", "for_review"]
        fields += ["started_at", "finished_at", "expires_at", "downloads"]
        fields += ["extended_at", "extension_reason"]

    @extend_schema_field(DownloadsSerializer(allow_null=True))
    def get_downloads(self, export: SubjectAccessExport) -> dict[str, str] | None:
        if export.status != ExportStatus.DONE:
            return None
        return {
            part: reverse("api:subject-access-export-download", args=[export.pk, part])
            for part in PARTS
        }


class StartedCursorPagination(StrictCursorPagination):
    ordering = ("-started_at", "-id")


class YoungPersonSubjectAccessView(generics.ListAPIView[SubjectAccessExport]):
    serializer_class = SubjectAccessExportSerializer
    pagination_class = StartedCursorPagination
    queryset = SubjectAccessExport.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> QuerySet[SubjectAccessExport]:
        person = young_person_for_subject_access(user=self.request.user, pk=self.kwargs["pk"])
        records_seen(actor=self.request.user, records=[person], request=self.request)
        return exports_for(user=self.request.user, young_person=person)

    @extend_schema(
        responses={
            200: SubjectAccessExportSerializer(many=True),
            403: OpenApiResponse(description="Not a coordinator of the young person's area"),
            404: OpenApiResponse(description="No such young person in your sight"),
        },
        summary="The young person's subject access exports, newest first (the young person "
        "is recorded as seen)",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            return super().get(request, *args, **kwargs)

    @extend_schema(
        request=SubjectAccessStartSerializer,
        responses={
            202: SubjectAccessExportSerializer,
            403: OpenApiResponse(description="Not a coordinator of the young person's area"),
            404: OpenApiResponse(description="No such young person in your sight"),
        },
        summary="Record a subject access request and start its export (a background job)",
        description="Follow the job at the Location answered until its status is done or "
        "failed. The answer to the request is due one month after it was received.",
    )
    def post(self, request: Request, pk: int) -> Response:
        def start() -> Response:
            body = SubjectAccessStartSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            export = export_start(
                actor=request.user, young_person_id=pk, request=request, **body.validated_data
            )
            return _accepted(export)

        return idempotent_response(request, start)


def _accepted(export: SubjectAccessExport) -> Response:
    return Response(
        SubjectAccessExportSerializer(export).data,
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": reverse("api:subject-access-export", args=[export.pk])},
    )


class PersonOfConcernSubjectAccessView(generics.ListAPIView[SubjectAccessExport]):
    serializer_class = SubjectAccessExportSerializer
    pagination_class = StartedCursorPagination
    queryset = SubjectAccessExport.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> QuerySet[SubjectAccessExport]:
        user = self.request.user
        person = suspect_for_subject_access(user=user, pk=self.kwargs["pk"])
        records_seen(actor=user, records=[person], request=self.request)
        return exports_about(user=user, person_of_concern=person)

    @extend_schema(
        responses={
            200: SubjectAccessExportSerializer(many=True),
            403: OpenApiResponse(description="Not a coordinator or police lead of the area"),
            404: OpenApiResponse(description="No such person of concern in your sight"),
        },
        summary="The person of concern's subject access exports, newest first (the person is "
        "recorded as seen)",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            return super().get(request, *args, **kwargs)

    @extend_schema(
        request=SubjectAccessStartSerializer,
        responses={
            202: SubjectAccessExportSerializer,
            403: OpenApiResponse(description="Not a coordinator of the area"),
            404: OpenApiResponse(description="No such person of concern in your sight"),
        },
        summary="Record a subject access request from a person of concern; its export waits "
        "for a police lead of the area to agree",
        description="The export's status is awaiting until a police lead agrees "
        "(POST .../agree/); then follow it as any other.",
    )
    def post(self, request: Request, pk: int) -> Response:
        def start() -> Response:
            body = SubjectAccessStartSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            export = suspect_export_start(
                actor=request.user, person_id=pk, request=request, **body.validated_data
            )
            return _accepted(export)

        return idempotent_response(request, start)


class SubjectAccessAgreeView(APIView):
    @extend_schema(
        request=None,
        responses={
            202: SubjectAccessExportSerializer,
            403: OpenApiResponse(description="Not a police lead of the area"),
            404: OpenApiResponse(description="No such export in your sight"),
            422: OpenApiResponse(description="The export is no longer waiting"),
        },
        summary="As a police lead of the area, agree to an export about a person of concern, "
        "which then starts",
    )
    def post(self, request: Request, pk: str) -> Response:
        return _accepted(export_agree(actor=request.user, pk=pk, request=request))


class ExtensionSerializer(serializers.Serializer[object]):
    reason = checked.CharField(
        max_length=EXTENSION_REASON_CAP,
        help_text="Why the request needs longer (its complexity or number): the person is told",
    )


class SubjectAccessExtendView(APIView):
    @extend_schema(
        request=ExtensionSerializer,
        responses={
            200: SubjectAccessExportSerializer,
            403: OpenApiResponse(description="Not a coordinator of the area"),
            404: OpenApiResponse(description="No such export in your sight"),
            409: OpenApiResponse(
                description="Extended already, or the first month since the request has passed"
            ),
        },
        summary="As a coordinator of the area, extend the answer's deadline by two months "
        "(a complex request, UK GDPR Article 12(3)), once, within the first month",
    )
    def post(self, request: Request, pk: str) -> Response:
        def extend(*, actor: Any, reason: str) -> SubjectAccessExport:
            return export_extend(actor=actor, pk=pk, reason=reason, request=request)

        return service_response(request, ExtensionSerializer, SubjectAccessExportSerializer, extend)


class SubjectAccessExportView(APIView):
    @extend_schema(
        responses={
            200: SubjectAccessExportSerializer,
            404: OpenApiResponse(description="No such export of an area you coordinate"),
        },
        summary="A subject access export: its progress while gathering, then how it ended",
    )
    def get(self, request: Request, pk: str) -> Response:
        return Response(SubjectAccessExportSerializer(export_get(user=request.user, pk=pk)).data)


class SubjectAccessDownloadView(APIView):
    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file: the PDF as application/pdf, the bundle as application/zip",
            ),
            404: OpenApiResponse(
                description="No such export of an area you coordinate, or no file (still "
                "running, failed or expired)"
            ),
        },
        summary="Download an export's PDF (part pdf) or its JSON and CSV bundle (part "
        "bundle); recorded as exported",
    )
    def get(self, request: Request, pk: str, part: str) -> FileResponse:
        file, name = export_download(actor=request.user, pk=pk, part=part, request=request)
        content_type = "application/pdf" if part == "pdf" else "application/zip"
        return FileResponse(file, as_attachment=True, filename=name, content_type=content_type)
