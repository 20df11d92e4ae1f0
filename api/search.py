"""REST API v1 search: `GET /api/v1/search/?q=`, the search page's results as JSON, read through
referrals.search within need to know; every young person and referral returned is recorded as
seen."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from referrals.models import Referral
from referrals.search import (
    HINT,
    MAX_QUERY_LENGTH,
    parse,
    search_results,
    search_results_seen,
    search_transaction,
    search_young_people,
)

from . import fields as checked
from .errors import RULE
from .pagination import StrictPageNumberPagination
from .toolkit import QuerySerializer


class SearchQuerySerializer(QuerySerializer):
    q = checked.CharField(
        max_length=MAX_QUERY_LENGTH, help_text=HINT, trim_whitespace=False, allow_blank=False
    )
    page = checked.IntegerField(min_value=1, required=False, help_text="From 1")


class FoundReferralSerializer(checked.ModelSerializer[Referral]):
    state_label = checked.CharField(source="get_state_display")
    rag_label = checked.CharField(source="get_rag_display")
    area = checked.CharField(source="area.name")

    class Meta:
        model = Referral
        fields = ["reference", "state", "state_label", "rag", "rag_label", "area", "created_at"]


class SearchResultSerializer(serializers.Serializer[object]):
    id = checked.IntegerField(source="young_person.pk")
    given_name = checked.CharField(source="young_person.given_name")
    family_name = checked.CharField(source="young_person.family_name")
    aliases = serializers.ListField(child=checked.CharField(), source="young_person.aliases")
    date_of_birth = checked.DateField(source="young_person.date_of_birth", allow_null=True)
    estimated_age = checked.IntegerField(source="young_person.estimated_age", allow_null=True)
    nhs_number = serializers.SerializerMethodField(
        help_text="Only to those who see one of the referrals in full (null otherwise)"
    )
    postcode = serializers.SerializerMethodField(help_text="As nhs_number")
    school = serializers.SerializerMethodField(help_text="As nhs_number")
    referrals = FoundReferralSerializer(
        many=True, help_text="Their referrals the caller may see, newest first"
    )

    def _detail(self, result: Any, name: str) -> str | None:
        return getattr(result.young_person, name) if result.full else None

    def get_nhs_number(self, result: Any) -> str | None:
        return self._detail(result, "nhs_number")

    def get_postcode(self, result: Any) -> str | None:
        return self._detail(result, "postcode")

    def get_school(self, result: Any) -> str | None:
        return self._detail(result, "school")


class SearchPageSerializer(serializers.Serializer[object]):
    count = checked.IntegerField(help_text="Young people found")
    next = checked.URLField(allow_null=True)
    previous = checked.URLField(allow_null=True)
    results = SearchResultSerializer(many=True)


class SearchPagination(StrictPageNumberPagination):
    page_size = 20


class SearchView(APIView):
    @extend_schema(
        parameters=[SearchQuerySerializer],
        responses={
            200: SearchPageSerializer,
            400: OpenApiResponse(description="Nothing to search for"),
            403: OpenApiResponse(description="A role that sees no records"),
        },
        summary="Young people and their referrals matching a search, best name match first",
        description=HINT + ". Only records the caller may see are searched; each young person "
        "and referral returned is recorded as seen.",
    )
    def get(self, request: Request) -> Response:
        if not request.user.has_perm("referrals.view_referral_list"):
            raise exceptions.PermissionDenied("Your role does not see young people's records.")
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        terms = parse(query.validated_data["q"])
        if terms.empty:  # spaces or punctuation alone: of the schema's shape, but nothing to find
            raise exceptions.ValidationError({"q": [f"{HINT}."]}, code=RULE)
        paginator = SearchPagination()
        with search_transaction():
            found: Any = search_young_people(actor=request.user, terms=terms)  # a sequence
            people = paginator.paginate_queryset(found, request, view=self)
            results = search_results(actor=request.user, people=list(people or []))
            search_results_seen(actor=request.user, results=results, request=request._request)
        return paginator.get_paginated_response(SearchResultSerializer(results, many=True).data)
