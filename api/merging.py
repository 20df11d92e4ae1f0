"""REST API v1: matching a referral's young person to a record the area knows, merging two
records of one young person, and undoing a merge (referrals.identity_merging). Coordinators
of the area only: a record out of the caller's sight answers 404, a role that sees it but
may not merge 403."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.selectors import signed_in
from referrals.audited_reads import records_seen
from referrals.identity import young_person_confirm_new, young_person_link
from referrals.identity_merging import REASON_CAP, young_person_merge, young_person_unmerge
from referrals.identity_merging_selectors import young_person_merge_get
from referrals.models import Referral, ReferralState, YoungPerson, YoungPersonMerge
from referrals.selectors import referral_get, young_person_get, young_person_possible_matches

from . import fields as checked
from .serializers import YoungPersonDetailSerializer

NOT_FOUND = OpenApiResponse(description="No such record among those you may see")
FORBIDDEN = OpenApiResponse(description="You see the record but are not a coordinator of its area")
INVALID = OpenApiResponse(description="The answers break a rule (the field says which)")


class PossibleMatchSerializer(serializers.Serializer[Any]):
    young_person = YoungPersonDetailSerializer(source="person")
    reasons = serializers.ListField(
        child=checked.CharField(), help_text="What agrees between the two, in words"
    )


class MatchSerializer(serializers.Serializer[Any]):
    young_person = checked.IntegerField(
        required=False,
        allow_null=True,
        help_text="The id of the existing record the referral's young person is; leave it out "
        "(or null) to confirm a young person new to the area",
    )


class MergeRequestSerializer(serializers.Serializer[Any]):
    merged = checked.IntegerField(
        help_text="The id of the other record of the same young person: its referrals and "
        "links move to this one, and it is kept, marked as merged into this one"
    )
    reason = checked.CharField(max_length=REASON_CAP, help_text="Why they are the same person")


class UndoRequestSerializer(serializers.Serializer[Any]):
    reason = checked.CharField(max_length=REASON_CAP, help_text="Why the merge is undone")


class MergeSerializer(checked.ModelSerializer[YoungPersonMerge]):
    kept = checked.IntegerField(source="kept_id")
    merged = checked.IntegerField(source="merged_id")
    undo_until = serializers.SerializerMethodField(
        help_text="Until when the merge may be undone (the area's setting, as it is now)"
    )

    class Meta:
        model = YoungPersonMerge
        fields = [
            "id",
            "kept",
            "merged",
            "reason",
            "merged_at",
            "moved_referrals",
            "moved_links",
            "absorbed_links",
            "undo_until",
            "undone_at",
            "undo_reason",
        ]

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_undo_until(self, merge: YoungPersonMerge) -> str:
        return merge.undo_until().isoformat()


def _in_triage(request: Request, reference: str) -> Referral:
    referral, _ = referral_get(user=signed_in(request.user), reference=reference)
    if referral.state != ReferralState.IN_TRIAGE:
        raise Http404("Young people are matched during triage")
    return referral


class YoungPersonMatchesView(APIView):
    @extend_schema(
        responses={200: PossibleMatchSerializer(many=True), 404: NOT_FOUND},
        summary="Possible existing records of the referral's young person in its area (while "
        "it is in triage, including a referral transferred in); each recorded as seen",
    )
    def get(self, request: Request, reference: str) -> Response:
        referral = _in_triage(request, reference)
        matches = young_person_possible_matches(young_person=referral.young_person)
        with transaction.atomic():
            records_seen(
                actor=signed_in(request.user),
                records=[m.person for m in matches],
                referral=referral,
                request=request._request,
            )
        return Response(PossibleMatchSerializer(matches, many=True).data)

    @extend_schema(
        request=MatchSerializer,
        responses={
            200: YoungPersonDetailSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        summary="Record the referral against an existing record of its area (a possible "
        "match), or confirm a young person new to the area; answers the record it is now on",
    )
    def post(self, request: Request, reference: str) -> Response:
        referral = _in_triage(request, reference)
        body = MatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        chosen = body.validated_data.get("young_person")
        person: YoungPerson
        if chosen is None:
            person = young_person_confirm_new(referral=referral, actor=signed_in(request.user))
        else:
            offered = young_person_possible_matches(young_person=referral.young_person)
            existing = next((m.person for m in offered if m.person.pk == chosen), None)
            if existing is None:
                raise serializers.ValidationError(
                    {"young_person": ["That record is not a possible match for this young person"]}
                )
            linked = young_person_link(
                referral=referral, actor=signed_in(request.user), existing=existing
            )
            person = linked.young_person
        return Response(YoungPersonDetailSerializer(person).data)


class YoungPersonMergeView(APIView):
    @extend_schema(
        request=MergeRequestSerializer,
        responses={
            201: MergeSerializer,
            400: INVALID,
            403: FORBIDDEN,
            404: OpenApiResponse(description="Either record out of your sight, or of another area"),
        },
        summary="Merge another record of the same young person into this one: its referrals "
        "and links move here, in one step that can be undone within the area's period",
    )
    def post(self, request: Request, pk: int) -> Response:
        body = MergeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kept = young_person_get(user=signed_in(request.user), pk=pk)
        merged = young_person_get(user=signed_in(request.user), pk=body.validated_data["merged"])
        merge = young_person_merge(
            actor=signed_in(request.user),
            kept=kept,
            merged=merged,
            reason=body.validated_data["reason"],
            request=request._request,
        )
        return Response(MergeSerializer(merge).data, status=status.HTTP_201_CREATED)


class YoungPersonUnmergeView(APIView):
    @extend_schema(
        request=UndoRequestSerializer,
        responses={
            200: MergeSerializer,
            400: OpenApiResponse(
                description="No reason, already undone, or the area's period to undo is over"
            ),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        summary="Undo a merge: the referrals and links that moved go back to the merged record",
    )
    def post(self, request: Request, pk: int) -> Response:
        body = UndoRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        merge = young_person_merge_get(user=signed_in(request.user), pk=pk)
        undone = young_person_unmerge(
            actor=signed_in(request.user),
            merge=merge,
            reason=body.validated_data["reason"],
            request=request._request,
        )
        return Response(MergeSerializer(undone).data)
