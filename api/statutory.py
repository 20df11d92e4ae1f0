"""REST API v1 for the statutory steps beside a referral: strategy discussions, section 47
enquiries and National Referral Mechanism referrals. Thin views over referrals.statutory and
referrals.statutory_selectors: lists and creates under the referral, updates by id. A referral
out of scope, or a record not of it, is 404; a role that may read the case but not record on
it gets 403; a rule of the domain broken (a date in the future, a conclusive grounds decision
before reasonable grounds, a closed referral) is 400 naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.dates import DUE_DATE
from agencies.models import Agency
from referrals.models import (
    NRMDecision,
    NRMReferral,
    Section47Enquiry,
    Section47Outcome,
    StrategyDiscussion,
)
from referrals.statutory import (
    nrm_referral_record,
    nrm_referral_update,
    section_47_record,
    section_47_update,
    strategy_discussion_record,
    strategy_discussion_update,
)
from referrals.statutory_selectors import (
    nrm_referral_get,
    nrm_referrals_for,
    section_47_enquiries_for,
    section_47_enquiry_get,
    strategy_discussion_choices,
    strategy_discussion_get,
    strategy_discussions_for,
)

from . import fields as checked
from .casework import CaseworkListView, CaseworkView
from .serializers import LONG_TEXT
from .toolkit import IDEMPOTENCY_KEY, idempotent_response, service_response

ERRORS = {
    400: OpenApiResponse(description="An answer missing or breaking a rule (named by field)"),
    403: OpenApiResponse(description="You may read this case but not record on it"),
    404: OpenApiResponse(description="No such referral or record among those you see in full"),
}
CREATE_ERRORS = ERRORS | {
    422: OpenApiResponse(description="The Idempotency-Key was used with another body")
}


# --- serializers -------------------------------------------------------------------------------


class AgencyNameSerializer(checked.ModelSerializer[Agency]):
    class Meta:
        model = Agency
        fields = ["id", "name"]


class StrategyDiscussionSerializer(checked.ModelSerializer[StrategyDiscussion]):
    agencies = AgencyNameSerializer(many=True)
    recorded_by = checked.CharField(source="recorded_by.get_full_name")

    class Meta:
        model = StrategyDiscussion
        fields = ["id", "held_on", "agencies", "outcome", "section_47", "recorded_by", "created_at"]


class StrategyDiscussionInSerializer(serializers.Serializer[object]):
    held_on = checked.DateField()
    agencies = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Agency.objects.filter(is_active=True),
        help_text="The agencies that took part (children's social care, police and health at "
        "least); of the referral's area",
    )
    outcome = checked.CharField(max_length=LONG_TEXT, help_text="What was agreed")
    section_47 = checked.BooleanField(help_text="Whether a section 47 enquiry follows")


class Section47EnquirySerializer(checked.ModelSerializer[Section47Enquiry]):
    conference_due_on = serializers.SerializerMethodField(
        help_text="15 working days after the strategy discussion that started the enquiry"
    )
    recorded_by = checked.CharField(source="recorded_by.get_full_name")

    class Meta:
        model = Section47Enquiry
        fields = [
            "id",
            "strategy_discussion",
            "started_on",
            "outcome",
            "conference_on",
            "conference_due_on",
            "recorded_by",
            "created_at",
        ]

    @extend_schema_field(OpenApiTypes.DATE)
    def get_conference_due_on(self, enquiry: Section47Enquiry) -> str | None:
        due = enquiry.conference_due_on()
        return due.isoformat() if due else None


class Section47EnquiryInSerializer(serializers.Serializer[object]):
    started_on = checked.DateField()
    strategy_discussion = serializers.PrimaryKeyRelatedField(
        queryset=StrategyDiscussion.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The strategy discussion of this referral that decided on the enquiry",
    )
    outcome = serializers.ChoiceField(
        choices=Section47Outcome.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Blank while the enquiry goes on",
    )
    conference_on = checked.DateField(
        allowed=DUE_DATE,
        required=False,
        allow_null=True,
        default=None,
        help_text="The initial child protection conference (with a conference outcome only)",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        referral = self.context.get("referral")
        if referral is not None:  # None while the schema is generated
            field = cast(
                serializers.PrimaryKeyRelatedField[Any], self.fields["strategy_discussion"]
            )
            field.queryset = strategy_discussion_choices(
                user=self.context["user"], referral=referral
            )


class NRMReferralSerializer(checked.ModelSerializer[NRMReferral]):
    recorded_by = checked.CharField(source="recorded_by.get_full_name")

    class Meta:
        model = NRMReferral
        fields = [
            "id",
            "referred_on",
            "first_responder",
            "reasonable_grounds",
            "reasonable_grounds_on",
            "conclusive_grounds",
            "conclusive_grounds_on",
            "recorded_by",
            "created_at",
        ]


class NRMReferralInSerializer(serializers.Serializer[object]):
    referred_on = checked.DateField()
    first_responder = checked.CharField(
        max_length=200, help_text="The first responder organisation that referred"
    )
    reasonable_grounds = serializers.ChoiceField(
        choices=NRMDecision.choices, required=False, allow_blank=True, default=""
    )
    reasonable_grounds_on = checked.DateField(required=False, allow_null=True, default=None)
    conclusive_grounds = serializers.ChoiceField(
        choices=NRMDecision.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Only after a positive reasonable grounds decision",
    )
    conclusive_grounds_on = checked.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="On or after the reasonable grounds decision",
    )


# --- views -------------------------------------------------------------------------------------


class _Records(CaseworkListView):
    """A referral's records of one kind, newest first (each recorded as seen); POST adds one."""

    incoming: type[serializers.Serializer[Any]]
    read: Callable[..., QuerySet[Any]]
    record: Callable[..., Model]

    def rows(self) -> QuerySet[Any]:
        return self.read(user=self.request.user, referral=self.referral)

    def post(self, request: Request, reference: str) -> Response:
        referral = self.referral
        return idempotent_response(
            request,
            lambda: service_response(
                request,
                self.incoming,
                self.get_serializer_class(),
                self.record,
                code=status.HTTP_201_CREATED,
                context={"referral": referral, "user": request.user},
                referral=referral,
            ),
        )


class _Record(CaseworkView):
    """One record of a referral, changed with PUT (every answer, as when it was recorded)."""

    incoming: type[serializers.Serializer[Any]]
    outgoing: type[serializers.Serializer[Any]]
    get_one: Callable[..., Model]
    update: Callable[..., Model]
    name: str  # the update service's keyword for the record

    def put(self, request: Request, reference: str, pk: int) -> Response:
        found: dict[str, Any] = {
            self.name: self.get_one(user=request.user, referral=self.referral, pk=pk)
        }
        return service_response(
            request,
            self.incoming,
            self.outgoing,
            self.update,
            context={"referral": self.referral, "user": request.user},
            **found,
        )


def _list_and_create(noun: str, summary: str, outgoing: type[Any], incoming: type[Any]) -> Any:
    return extend_schema_view(
        get=extend_schema(
            summary=f"The referral's {noun}, newest first (each recorded as seen)",
            responses={200: outgoing(many=True), 404: ERRORS[404]},
        ),
        post=extend_schema(
            summary=summary,
            request=incoming,
            responses={201: outgoing, **CREATE_ERRORS},
            parameters=[IDEMPOTENCY_KEY],
        ),
    )


def _update(summary: str, outgoing: type[Any], incoming: type[Any]) -> Any:
    return extend_schema_view(
        put=extend_schema(summary=summary, request=incoming, responses={200: outgoing, **ERRORS})
    )


@_list_and_create(
    "strategy discussions",
    "Record a strategy discussion",
    StrategyDiscussionSerializer,
    StrategyDiscussionInSerializer,
)
class StrategyDiscussionsView(_Records):
    serializer_class = StrategyDiscussionSerializer
    queryset = StrategyDiscussion.objects.none()  # for the schema; requests use rows
    incoming = StrategyDiscussionInSerializer
    read = staticmethod(strategy_discussions_for)
    record = staticmethod(strategy_discussion_record)


@_update(
    "Correct a strategy discussion (the timeline keeps what it replaced)",
    StrategyDiscussionSerializer,
    StrategyDiscussionInSerializer,
)
class StrategyDiscussionView(_Record):
    incoming, outgoing = StrategyDiscussionInSerializer, StrategyDiscussionSerializer
    get_one, update = (
        staticmethod(strategy_discussion_get),
        staticmethod(strategy_discussion_update),
    )
    name = "discussion"


@_list_and_create(
    "section 47 enquiries",
    "Record a section 47 enquiry",
    Section47EnquirySerializer,
    Section47EnquiryInSerializer,
)
class Section47EnquiriesView(_Records):
    serializer_class = Section47EnquirySerializer
    queryset = Section47Enquiry.objects.none()  # for the schema; requests use rows
    incoming = Section47EnquiryInSerializer
    read = staticmethod(section_47_enquiries_for)
    record = staticmethod(section_47_record)


@_update(
    "Record what a section 47 enquiry found and the conference date, or correct it",
    Section47EnquirySerializer,
    Section47EnquiryInSerializer,
)
class Section47EnquiryView(_Record):
    incoming, outgoing = Section47EnquiryInSerializer, Section47EnquirySerializer
    get_one, update = staticmethod(section_47_enquiry_get), staticmethod(section_47_update)
    name = "enquiry"


@_list_and_create(
    "National Referral Mechanism referrals",
    "Record a National Referral Mechanism referral",
    NRMReferralSerializer,
    NRMReferralInSerializer,
)
class NRMReferralsView(_Records):
    serializer_class = NRMReferralSerializer
    queryset = NRMReferral.objects.none()  # for the schema; requests use rows
    incoming = NRMReferralInSerializer
    read = staticmethod(nrm_referrals_for)
    record = staticmethod(nrm_referral_record)


@_update(
    "Record the NRM's reasonable and conclusive grounds decisions, or correct the referral",
    NRMReferralSerializer,
    NRMReferralInSerializer,
)
class NRMReferralView(_Record):
    incoming, outgoing = NRMReferralInSerializer, NRMReferralSerializer
    get_one, update = staticmethod(nrm_referral_get), staticmethod(nrm_referral_update)
    name = "nrm"
