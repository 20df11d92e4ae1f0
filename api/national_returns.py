"""REST API v1 for national returns (reports.national): an area's return as CSV, for its
coordinators and administrators; the import of many areas' returns and the national tables,
for national analysts. Anyone else is answered 404."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.report_exports import FileNegotiation
from api.reports import FigureSerializer
from reports.national import (
    CATEGORIES,
    ImportRefused,
    import_limits,
    national_return_export,
    national_returns_import,
    national_tables,
    return_csv,
)
from reports.periods import PeriodKind, period_from
from reports.tokens import TokenKeyMissing

from . import fields as checked
from .errors import error_body
from .toolkit import IDEMPOTENCY_KEY, QuerySerializer, idempotent_response


class KeyMissing(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = TokenKeyMissing.message
    default_code = "national_token_key_missing"


def _analyst(request: Request) -> None:
    if not request.user.has_perm("reports.analyse_national_returns"):
        raise exceptions.NotFound()


class PeriodQuerySerializer(QuerySerializer):
    kind = serializers.ChoiceField(
        choices=[k.value for k in PeriodKind], required=False, default=PeriodKind.YEAR.value
    )
    on = checked.DateField(
        required=False, default=None, help_text="A day inside the month, quarter or year"
    )
    start = checked.DateField(required=False, default=None, help_text="Custom: first day")
    end = checked.DateField(required=False, default=None, help_text="Custom: last day")


class AreaReturnView(APIView):
    content_negotiation_class = FileNegotiation

    @extend_schema(
        parameters=[PeriodQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            400: OpenApiResponse(description="A period not understood, or not yet over"),
            404: OpenApiResponse(description="Not an area whose return you produce"),
            503: OpenApiResponse(description="The server has no national token key"),
        },
        summary="The area's national return for a period, as CSV: one row per concern, "
        "categories and a pseudonymous token only (the default period: the last whole year)",
    )
    def get(self, request: Request, ons_code: str) -> HttpResponse:
        if not request.user.has_perm("reports.produce_national_return"):
            raise exceptions.NotFound()
        query = PeriodQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        # A return is records, not figures: any dates (the tables it feeds are in months).
        period = period_from(**query.validated_data, today=timezone.localdate(), whole_months=False)
        try:
            made = national_return_export(
                actor=request.user, ons_code=ons_code, period=period, request=request._request
            )
        except TokenKeyMissing:
            raise KeyMissing() from None
        response = HttpResponse(return_csv(made.rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
        return response


class ImportSerializer(serializers.Serializer[object]):
    file = serializers.FileField(help_text="CSV: a header row, then one row per concern")
    replace = checked.BooleanField(
        required=False,
        default=False,
        help_text="Replace an area's return for a period already imported (else refused)",
    )


class ImportedReturnSerializer(serializers.Serializer[object]):
    area_code = checked.CharField(source="area.ons_code")
    period_start = checked.DateField()
    period_end = checked.DateField()


class ImportedSerializer(serializers.Serializer[object]):
    returns = ImportedReturnSerializer(many=True)
    rows = checked.IntegerField()
    replaced = checked.IntegerField(help_text="Returns replaced by this import")


class ProblemSerializer(serializers.Serializer[object]):
    row = checked.IntegerField(help_text="The line of the file; the header is row 1")
    column = checked.CharField(help_text="Empty when the whole row is at fault")
    message = checked.CharField()


class RefusedSerializer(serializers.Serializer[object]):
    error = serializers.DictField()
    problems = ProblemSerializer(many=True)
    more_problems = checked.IntegerField(help_text="Problems found but not listed")


class NationalReturnsView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={
            201: ImportedSerializer,
            422: OpenApiResponse(
                RefusedSerializer, description="Nothing imported: the file's problems"
            ),
            404: OpenApiResponse(description="Not a national analyst"),
        },
        parameters=[IDEMPOTENCY_KEY],
        summary="Import many areas' national returns from one CSV file, all or nothing: "
        "every bad cell is reported by row and column",
        description=f"{import_limits()} A file that cannot be read within them, a bad cell, "
        "or a return whose rows do not match its return_rows and return_checksum (cut short "
        "or changed) is answered 422 with every problem by row and column; nothing is "
        "imported, and an Idempotency-Key sent with it is not kept. A body over the file limit "
        "is answered 413 before it is read.",
    )
    def post(self, request: Request) -> Response:
        _analyst(request)

        def create() -> Response:
            body = ImportSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            try:
                imported = national_returns_import(
                    actor=request.user,
                    file=body.validated_data["file"],
                    replace=body.validated_data["replace"],
                    today=timezone.localdate(),
                    request=request._request,
                )
            except ImportRefused as refused:
                raise _Refusal(refused) from refused
            shown = ImportedSerializer(
                {"returns": imported.returns, "rows": imported.rows, "replaced": imported.replaced}
            )
            return Response(shown.data, status=status.HTTP_201_CREATED)

        try:
            return idempotent_response(request, create)
        except _Refusal as refusal:
            # Raised through the key's transaction, so a refused import keeps no key, as every
            # refused request (docs/architecture.md): the corrected file may be sent with it.
            return refusal.response()


class _Refusal(Exception):
    """An import refused for what its file holds, answered 422 with every problem."""

    def __init__(self, refused: ImportRefused) -> None:
        super().__init__()
        self.refused = refused

    def response(self) -> Response:
        problems, more = self.refused.problems, self.refused.more
        refusal = error_body(
            "invalid_return", f"Nothing was imported: the file has {len(problems) + more} problems."
        )
        refusal["problems"] = [problem.as_json() for problem in problems]
        refusal["more_problems"] = more
        # A file was sent, as the schema says; what it holds breaks the import's rules.
        return Response(refusal, status=status.HTTP_422_UNPROCESSABLE_ENTITY)


class TablesQuerySerializer(QuerySerializer):
    start = checked.DateField(help_text="Returns whose period starts on or after this day")
    end = checked.DateField(help_text="... and ends on or before this day")


class NationalRowSerializer(serializers.Serializer[object]):
    key = checked.CharField()
    label = checked.CharField()  # type: ignore[assignment]  # the key clients read
    referrals = FigureSerializer()
    referrals_share = FigureSerializer()
    young_people = FigureSerializer()
    young_people_share = FigureSerializer()


class NationalTableSerializer(serializers.Serializer[object]):
    slug = serializers.ChoiceField(choices=[*CATEGORIES, "area"])
    title = checked.CharField()
    heading = checked.CharField()
    note = checked.CharField()
    rows = NationalRowSerializer(many=True)
    total = NationalRowSerializer()


class SummaryRowSerializer(serializers.Serializer[object]):
    key = checked.CharField()
    label = checked.CharField()  # type: ignore[assignment]  # the key clients read
    figure = FigureSerializer()


class NationalTablesSerializer(serializers.Serializer[object]):
    start = checked.DateField()
    end = checked.DateField()
    areas_returned = checked.IntegerField()
    suppression = checked.CharField()
    summary = SummaryRowSerializer(many=True)
    tables = NationalTableSerializer(many=True)


class NationalTablesView(APIView):
    @extend_schema(
        parameters=[TablesQuerySerializer],
        responses={
            200: NationalTablesSerializer,
            404: OpenApiResponse(description="Not a national analyst"),
        },
        summary="Concerns and unique young people across areas, by category, with "
        "disclosure control",
    )
    def get(self, request: Request) -> Response:
        _analyst(request)
        query = TablesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = period_from(
            kind=PeriodKind.CUSTOM,
            on=None,
            today=timezone.localdate(),
            **query.validated_data,
        )
        tables = national_tables(user=request.user, period=period, request=request._request)
        return Response(tables.as_json())
