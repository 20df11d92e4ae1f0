"""Young people seen through the referrals the caller sees in full."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from referrals.audited_reads import young_person_open
from referrals.models import Referral, YoungPerson
from referrals.selectors import young_people_list, young_person_get

from . import serializers
from .referrals import TimelineView
from .toolkit import AuditedListView


class YoungPeopleView(AuditedListView):
    """Young people the caller sees through a referral they see in full; each one listed is
    recorded as seen."""

    serializer_class = serializers.YoungPersonSummarySerializer
    queryset = YoungPerson.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> Any:
        return young_people_list(user=self.request.user)


class YoungPersonView(APIView):
    @extend_schema(
        responses=serializers.YoungPersonDetailSerializer,
        summary="A young person's full details (recorded as seen)",
    )
    def get(self, request: Request, pk: int) -> Response:
        person = young_person_open(actor=request.user, pk=pk, request=request)
        return Response(serializers.YoungPersonDetailSerializer(person).data)


class YoungPersonTimelineView(TimelineView):
    @cached_property
    def person(self) -> YoungPerson:
        return young_person_get(user=self.request.user, pk=self.kwargs["pk"])

    def referrals(self) -> QuerySet[Referral]:
        return Referral.objects.filter(young_person=self.person)
