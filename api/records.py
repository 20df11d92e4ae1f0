"""REST API v1: records management. An area's retention schedule (list, change), the records
it lists for review (list, keep longer, approve erasure) and its legal holds (list, place,
release). The area is named by its ONS code in the path; an area the caller holds no role
that reads it in answers 404, a role that reads but may not change it 403."""

from __future__ import annotations

from typing import Any, cast

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.dates import EXPIRY_DATE
from agencies.models import User
from records.models import (
    ASKABLE_KINDS,
    REASON_CAP,
    HoldScope,
    LegalHold,
    RecordKind,
    RetentionAction,
    RetentionReview,
    Tombstone,
    TriggerKind,
)
from records.selectors import (
    HOLD_READERS,
    area_hold,
    area_holds,
    area_rules,
    area_schedule,
    area_tombstones,
    area_with_role,
    review_for,
    reviewed_records,
    reviews_for,
    seen_records,
)
from records.services import (
    hold_place,
    hold_release,
    review_approve,
    review_ask,
    review_extend,
    rule_set,
)
from referrals.audited_reads import records_seen

from . import fields as checked
from .fields import DateField
from .pagination import NumberedPagination
from .toolkit import IDEMPOTENCY_KEY, AuditedListView, idempotent_response


def _errors(forbidden: str = "") -> dict[int, OpenApiResponse]:
    errors = {
        400: OpenApiResponse(description="The answers do not match the schema"),
        404: OpenApiResponse(description="Not an area you hold a role in, or not its record"),
        422: OpenApiResponse(description="A rule refused it: see `error.fields`"),
    }
    if forbidden:
        errors[403] = OpenApiResponse(description=forbidden)
    return errors


def _caller(request: Request) -> User:
    return cast(User, request.user)  # every view here requires a signed-in user


def _body(serializer: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    body = serializer(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


# The schedule.


class ScheduleRowSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=RecordKind.choices)
    kind_label = checked.CharField(source="rule.get_kind_display", help_text="The kind in words")
    trigger = serializers.ChoiceField(source="rule.trigger", choices=TriggerKind.choices)
    number = checked.IntegerField(
        allow_null=True,
        help_text="The age for the age trigger (the area's retention age), the days for "
        "days_after_created, else the years; null for a trigger with no number",
    )
    action = serializers.ChoiceField(source="rule.action", choices=RetentionAction.choices)
    action_label = checked.CharField(
        source="rule.get_action_display", help_text="What approval does, in words"
    )
    justification = checked.CharField(source="rule.justification")
    own = checked.BooleanField(help_text="The area's own rule, not the national default")
    fixed = checked.BooleanField(
        help_text="Set nationally: the kind goes with the young person's record or is kept, "
        "is never listed for review, and an area does not change it"
    )
    described = checked.CharField(source="trigger_words", help_text="The trigger in words")


class RuleChangeSerializer(serializers.Serializer[Any]):
    trigger = serializers.ChoiceField(choices=TriggerKind.choices)
    number = checked.IntegerField(
        min_value=1, max_value=3650, help_text="Years, or for days_after_created days"
    )
    action = serializers.ChoiceField(choices=RetentionAction.choices)
    justification = checked.CharField(max_length=REASON_CAP)


class ScheduleView(APIView):
    @extend_schema(
        responses={200: ScheduleRowSerializer(many=True), **_errors()},
        summary="The area's retention schedule: the rule in force for each kind of record",
    )
    def get(self, request: Request, ons_code: str) -> Response:
        _, rows = area_schedule(user=_caller(request), ons_code=ons_code)
        return Response(ScheduleRowSerializer(rows, many=True).data)


class ScheduleRuleView(APIView):
    @extend_schema(
        request=RuleChangeSerializer,
        responses={
            200: ScheduleRowSerializer,
            **_errors("Only the area's coordinators and administrators change it"),
        },
        summary="Set the area's own rule for one kind of record",
    )
    def put(self, request: Request, ons_code: str, kind: str) -> Response:
        area, _ = area_schedule(user=_caller(request), ons_code=ons_code)
        if kind not in RecordKind.values:
            raise serializers.ValidationError({"kind": ["Not a kind of record"]})
        rule_set(actor=request.user, area=area, kind=kind, **_body(RuleChangeSerializer, request))
        area.refresh_from_db()
        return Response(ScheduleRowSerializer(area_rules(area=area)[kind]).data)


# Reviews.


class ReviewSerializer(checked.ModelSerializer[RetentionReview]):
    record = serializers.SerializerMethodField(help_text="The record in words")

    class Meta:
        model = RetentionReview
        fields = ["id", "kind", "record_id", "record", "due_on", "listed_at", "status"]
        fields += ["asked_by", "asked_reason"]
        extra_kwargs = {
            "asked_by": {"help_text": "Who listed it early, on a request to erase it; else null"},
            "asked_reason": {"help_text": "Who asked for its erasure, and why; else empty"},
        }

    def get_record(self, review: RetentionReview) -> str:
        found = self.context.get("records", {}).get((review.kind, review.record_id))
        return str(found) if found is not None else "Record no longer held"


def _review_data(request: Request, review: RetentionReview) -> dict[str, Any]:
    records = reviewed_records([review])
    records_seen(actor=request.user, records=seen_records(records), request=request)
    return dict(ReviewSerializer(review, context={"records": records}).data)


class AskSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(
        choices=[(k, RecordKind(k).label) for k in RecordKind.values if k in ASKABLE_KINDS]
    )
    record_id = checked.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = checked.CharField(
        max_length=REASON_CAP, help_text="Who asked for its erasure, and why"
    )


class ReviewsView(AuditedListView):
    """Each record named is recorded as seen."""

    serializer_class = ReviewSerializer
    pagination_class = NumberedPagination
    queryset = RetentionReview.objects.none()  # for the schema

    def get_queryset(self) -> Any:
        _, reviews = reviews_for(user=self.request.user, ons_code=self.kwargs["ons_code"])
        return reviews

    def record_seen(self, page: list[Any]) -> None:
        self.records = reviewed_records(page)
        super().record_seen(seen_records(self.records))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "records": getattr(self, "records", {})}

    @extend_schema(
        responses={200: ReviewSerializer(many=True), **_errors()},
        summary="The area's records to review that you decide: young people for its "
        "coordinators, intelligence for its police leads; held records are left out",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=AskSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: ReviewSerializer, **_errors()},
        summary="List one record for review now, before its review under the schedule, on a "
        "request to erase it (UK GDPR Article 17); refused (422) for a held record, one "
        "listed already, or a young person with an open referral",
    )
    def post(self, request: Request, ons_code: str) -> Response:
        area, _ = reviews_for(user=request.user, ons_code=ons_code)

        def create() -> Response:
            review = review_ask(actor=request.user, area=area, **_body(AskSerializer, request))
            return Response(_review_data(request, review), status=status.HTTP_201_CREATED)

        return idempotent_response(request, create)


class KeepSerializer(serializers.Serializer[Any]):
    reason = checked.CharField(max_length=REASON_CAP)
    keep_until = DateField(allowed=EXPIRY_DATE, help_text="Listed for review again this day")


class ApproveSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(
        choices=[RetentionAction.ANONYMISE, RetentionAction.DELETE],
        help_text="What happens: the schedule's action, or when it says review, your choice",
    )


class TombstoneSerializer(checked.ModelSerializer[Tombstone]):
    class Meta:
        model = Tombstone
        fields = ["id", "kind", "record_id", "action", "erased_at", "approved_by", "counts"]


class TombstonesView(generics.ListAPIView[Tombstone]):
    serializer_class = TombstoneSerializer
    pagination_class = NumberedPagination
    queryset = Tombstone.objects.none()  # for the schema

    def get_queryset(self) -> Any:
        _, tombstones = area_tombstones(user=self.request.user, ons_code=self.kwargs["ons_code"])
        return tombstones

    @extend_schema(
        responses={200: TombstoneSerializer(many=True), **_errors()},
        summary="What erasure left in the area, newest first: which kind of record went, "
        "how, when and on whose approval, with no personal data",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


REVIEWER_ONLY = "Intelligence is decided by the area's police leads, the rest by its coordinators"


class ReviewKeepView(APIView):
    @extend_schema(
        request=KeepSerializer,
        responses={200: ReviewSerializer, **_errors(REVIEWER_ONLY)},
        summary="Keep the record longer, with a reason: listed again on the new date",
    )
    def post(self, request: Request, ons_code: str, pk: int) -> Response:
        _, review = review_for(user=_caller(request), ons_code=ons_code, pk=pk)
        done = review_extend(actor=request.user, review=review, **_body(KeepSerializer, request))
        return Response(_review_data(request, done))


class ReviewApproveView(APIView):
    @extend_schema(
        request=ApproveSerializer,
        responses={200: TombstoneSerializer, **_errors(REVIEWER_ONLY)},
        summary="Approve the review: the record is anonymised or deleted at once, in one "
        "transaction, and its tombstone answered",
    )
    def post(self, request: Request, ons_code: str, pk: int) -> Response:
        area, review = review_for(user=_caller(request), ons_code=ons_code, pk=pk)
        tombstone = review_approve(
            actor=request.user,
            review=review,
            action=_body(ApproveSerializer, request)["action"],
            rule_action=area_rules(area=area)[review.kind].rule.action,
        )
        return Response(TombstoneSerializer(tombstone).data)


# Legal holds.


class HoldSerializer(checked.ModelSerializer[LegalHold]):
    class Meta:
        model = LegalHold
        fields = [
            "id",
            "scope",
            "record_id",
            "reason",
            "ends_on",
            "placed_by",
            "placed_at",
            "released_by",
            "released_at",
            "release_reason",
        ]


class HoldPlaceSerializer(serializers.Serializer[Any]):
    scope = serializers.ChoiceField(choices=HoldScope.choices)
    record_id = checked.IntegerField(
        required=False, allow_null=True, default=None, help_text="Left out for the whole area"
    )
    reason = checked.CharField(max_length=REASON_CAP)
    ends_on = DateField(
        allowed=EXPIRY_DATE,
        required=False,
        allow_null=True,
        default=None,
        help_text="Left out for a hold that lasts until it is released",
    )


class ReleaseSerializer(serializers.Serializer[Any]):
    reason = checked.CharField(max_length=REASON_CAP)


HOLD_KEEPERS_ONLY = "Only the area's coordinators and administrators place and release holds"


class HoldsView(generics.ListAPIView[LegalHold]):
    serializer_class = HoldSerializer
    pagination_class = NumberedPagination
    queryset = LegalHold.objects.none()  # for the schema

    def get_queryset(self) -> Any:
        _, holds = area_holds(user=self.request.user, ons_code=self.kwargs["ons_code"])
        return holds

    @extend_schema(
        responses={200: HoldSerializer(many=True), **_errors()},
        summary="The area's legal holds, those in force first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=HoldPlaceSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: HoldSerializer, **_errors(HOLD_KEEPERS_ONLY)},
        summary="Place a legal hold on a record of the area, or on the whole area",
    )
    def post(self, request: Request, ons_code: str) -> Response:
        area, _ = area_with_role(user=request.user, ons_code=ons_code, roles=HOLD_READERS)

        def create() -> Response:
            hold = hold_place(actor=request.user, area=area, **_body(HoldPlaceSerializer, request))
            return Response(HoldSerializer(hold).data, status=status.HTTP_201_CREATED)

        return idempotent_response(request, create)


class HoldReleaseView(APIView):
    @extend_schema(
        request=ReleaseSerializer,
        responses={200: HoldSerializer, **_errors(HOLD_KEEPERS_ONLY)},
        summary="Release a legal hold",
    )
    def post(self, request: Request, ons_code: str, pk: int) -> Response:
        _, hold = area_hold(user=_caller(request), ons_code=ons_code, pk=pk)
        done = hold_release(actor=request.user, hold=hold, **_body(ReleaseSerializer, request))
        return Response(HoldSerializer(done).data)


def _area_path(route: str, view: type[APIView], name: str) -> Any:
    return path(f"v1/areas/<str:ons_code>/{route}", view.as_view(), name=name)


urlpatterns = [
    _area_path("retention-schedule/", ScheduleView, "retention-schedule"),
    _area_path("retention-schedule/<str:kind>/", ScheduleRuleView, "retention-rule"),
    _area_path("retention-reviews/", ReviewsView, "retention-reviews"),
    _area_path("retention-reviews/<int:pk>/keep/", ReviewKeepView, "retention-review-keep"),
    _area_path(
        "retention-reviews/<int:pk>/approve/", ReviewApproveView, "retention-review-approve"
    ),
    _area_path("tombstones/", TombstonesView, "tombstones"),
    _area_path("legal-holds/", HoldsView, "legal-holds"),
    _area_path("legal-holds/<int:pk>/release/", HoldReleaseView, "legal-hold-release"),
]
