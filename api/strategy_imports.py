"""REST API v1 for imports of many areas' strategy profiles: thin views over
reports.profile_imports. A national analyst uploads a CSV or XLSX file, which is checked and
imported by a background job; the job, read back, says how far the check has gone and how it
ended. Other roles are answered 403, as on the import pages; another analyst's import is 404."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.models import ImportStatus, ProfileImport
from reports.profile_imports import (
    PROBLEMS_KEPT,
    import_limits,
    profile_import,
    profile_import_start,
)

from . import fields as checked
from .toolkit import IDEMPOTENCY_KEY, idempotent_response

NOT_AN_IMPORTER = OpenApiResponse(description="Not a national analyst, who imports profiles")


class ImporterView(APIView):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.has_perm("reports.import_strategy_profiles"):
            raise PermissionDenied("Only national analysts import strategy profiles.")


class UploadSerializer(serializers.Serializer[object]):
    file = serializers.FileField(
        help_text="CSV (UTF-8) or XLSX: one row per area and year, with the template's columns"
    )


class ProfileImportProblemSerializer(serializers.Serializer[object]):
    row = checked.IntegerField(
        help_text="The line of the file, the header being row 1; 0 when no row is at fault "
        "(the check could not be run)"
    )
    column = checked.CharField(help_text="The column, or file when the whole file is")
    message = checked.CharField(help_text="What is wrong and what to enter instead")


class ProfileImportSerializer(checked.ModelSerializer[ProfileImport]):
    status = serializers.ChoiceField(
        choices=ImportStatus.choices,
        help_text="checking while the job runs; then imported (every row) or failed (nothing "
        "imported: see problems)",
    )
    rows_total = checked.IntegerField(help_text="The file's rows, once it has been read")
    rows_checked = checked.IntegerField(help_text="How many rows have been checked so far")
    problems = ProfileImportProblemSerializer(
        many=True, help_text=f"Why nothing was imported: the first {PROBLEMS_KEPT} problems"
    )
    imported = checked.IntegerField(help_text="Profiles imported (once imported)")
    uploaded_at = checked.DateTimeField()
    finished_at = checked.DateTimeField(allow_null=True, help_text="Null while checking")

    class Meta:
        model = ProfileImport
        fields = ["id", "original_name", "status", "rows_total", "rows_checked", "problems"]
        fields += ["imported", "uploaded_at", "finished_at"]


class ProfileImportsView(ImporterView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={
            202: ProfileImportSerializer,
            400: OpenApiResponse(
                description="No file, an empty one, one too large, or not CSV or XLSX"
            ),
            403: NOT_AN_IMPORTER,
        },
        parameters=[IDEMPOTENCY_KEY],
        summary="Upload many areas' strategy profiles; a background job checks every cell "
        "and imports the file only if it has no problem",
        description=f"{import_limits()} Follow the job at the Location answered until its "
        "status is imported or failed.",
    )
    def post(self, request: Request) -> Response:
        def start() -> Response:
            body = UploadSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            job = profile_import_start(actor=request.user, upload=body.validated_data["file"])
            return Response(ProfileImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)

        response = idempotent_response(request, start)
        if response.status_code == status.HTTP_202_ACCEPTED:  # first answer or replayed alike
            job = response.data["id"]
            response["Location"] = reverse("api:strategy-profile-import", kwargs={"pk": job})
        return response


class ProfileImportView(ImporterView):
    @extend_schema(
        responses={
            200: ProfileImportSerializer,
            403: NOT_AN_IMPORTER,
            404: OpenApiResponse(description="No such import of yours"),
        },
        summary="An import you started: its progress while checking, then how it ended",
    )
    def get(self, request: Request, pk: str) -> Response:
        return Response(ProfileImportSerializer(profile_import(user=request.user, pk=pk)).data)
