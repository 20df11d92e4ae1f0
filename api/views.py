"""REST API v1: thin views over the apps' services and selectors."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import generics, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.fields import CharField
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.selectors import acting_membership, active_memberships, two_factor_done
from referrals.models import (
    CaseNote,
    MissingEpisode,
    ProtectiveAction,
    Referral,
    ReferralEvent,
    ReferralEventType,
    ReferralState,
    YoungPerson,
)
from referrals.selectors import (
    ReferralAccess,
    actions_for,
    missing_episodes_for,
    notes_for,
    referral_after_step,
    referral_for_break_glass,
    referral_for_casework,
    referral_get,
    referral_list,
    timeline,
    young_people_list,
    young_person_get,
)
from referrals.services import (
    TransitionConflict,
    action_add,
    action_update,
    break_glass_open,
    concern_raise,
    missing_episode_end,
    missing_episode_start,
    note_add,
    records_seen,
    referral_open,
    referral_transition,
    referral_update_draft,
    return_home_interview_record,
    transitions_for,
    young_person_open,
)

from . import serializers
from .errors import Conflict, IdempotencyKeyMismatch
from .models import ApiToken
from .selectors import api_token_list
from .services import IdempotencyKeyReused, api_token_create, api_token_revoke, idempotent

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
    OpenApiParameter.HEADER,
    description=(
        "Any unique string (a UUID, say). Retrying with the same key within 24 hours returns "
        "the first response and creates nothing more; the key with another body answers 422."
    ),
)
_KEY_FORMAT = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII


def _idempotent(request: Request, create: Callable[[], Response]) -> Response:
    """`create`'s response, worked out once per Idempotency-Key (when the client sends one)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return create()
    if not _KEY_FORMAT.fullmatch(key):
        raise ValidationError({"Idempotency-Key": ["Send 1 to 255 visible ASCII characters."]})

    def run() -> tuple[int, Any]:
        response = create()
        return response.status_code, {} if response.data is None else response.data

    try:
        code, data, replayed = idempotent(
            user=request.user,
            key=key,
            endpoint=f"{request.method} {request.path}",
            body=request.body,  # read before request.data parses it
            create=run,
        )
    except IdempotencyKeyReused as exc:
        raise IdempotencyKeyMismatch() from exc
    response = Response(None if code == status.HTTP_204_NO_CONTENT else data, status=code)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def query_text(request: Request, name: str, *, max_length: int = 200) -> str:
    """A text query parameter, trimmed; 400 naming it when it is too long or holds a
    character no text may hold (a NUL)."""
    field = CharField(allow_blank=True, max_length=max_length)
    try:
        return str(field.run_validation(request.query_params.get(name, "")))
    except ValidationError as exc:
        raise ValidationError({name: exc.detail}) from exc


def _applied(
    request: Request,
    incoming: type[Any],
    outgoing: type[Any],
    service: Callable[..., Any],
    *,
    code: int = status.HTTP_200_OK,
    context: dict[str, Any] | None = None,
    **fixed: Any,
) -> Response:
    """Check the body's shape with `incoming`, let `service` apply its rules, answer with
    `outgoing`. Services refuse with PermissionDenied (403) or ValidationError (400)."""
    body = incoming(data=request.data, context=context or {})
    body.is_valid(raise_exception=True)
    done = service(actor=request.user, **fixed, **body.validated_data)
    return Response(outgoing(done).data, status=code)


def _conflict(exc: TransitionConflict) -> Conflict:
    label = ReferralState(exc.state).label.lower()
    return Conflict(f"The referral is now {label}: reload it and try again.")


class MeView(APIView):
    @extend_schema(responses=serializers.MeSerializer, summary="The signed-in user and their roles")
    def get(self, request: Request) -> Response:
        user: Any = request.user
        data = {
            "username": user.get_username(),
            "full_name": user.get_full_name(),
            "memberships": active_memberships(user=user),
        }
        return Response(serializers.MeSerializer(data).data)


class ApiTokenListCreateView(generics.ListAPIView[Any]):
    """List your API tokens, or create one (only from a signed-in browser session)."""

    serializer_class = serializers.ApiTokenSerializer
    queryset = ApiToken.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> Any:
        return api_token_list(user=self.request.user)

    def get_authenticators(self) -> list[Any]:
        # A token may not mint further tokens: creating one needs the session.
        request = getattr(self, "request", None)  # None while the schema is generated
        if request is not None and request.method == "POST":
            return [SessionAuthentication()]
        return super().get_authenticators()

    @extend_schema(
        request=serializers.ApiTokenCreateSerializer,
        responses={201: serializers.ApiTokenCreatedSerializer},
    )
    def post(self, request: Request) -> Response:
        # Tokens skip the second factor when used, so only a session that passed it may mint one.
        if settings.TWO_FACTOR_REQUIRED and not two_factor_done(user=request.user):
            raise PermissionDenied(
                "Sign in with your second factor before creating a token.",
                code="two_factor_required",
            )
        incoming = serializers.ApiTokenCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        token, raw = api_token_create(
            actor=request.user, request=request._request, **incoming.validated_data
        )
        token.token = raw  # type: ignore[attr-defined]
        return Response(
            serializers.ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED
        )


class ApiTokenRevokeView(APIView):
    @extend_schema(request=None, responses=serializers.ApiTokenSerializer)
    def post(self, request: Request, pk: int) -> Response:
        token = get_object_or_404(api_token_list(user=request.user), pk=pk)
        return Response(
            serializers.ApiTokenSerializer(
                api_token_revoke(token=token, actor=request.user, request=request._request)
            ).data
        )


class AuditedListView(generics.ListAPIView[Any]):
    """A cursor-paginated list, newest first, that records every row it shows as seen, in
    one transaction with the read."""

    def record_seen(self, page: list[Any]) -> None:
        records_seen(actor=self.request.user, records=page, request=self.request)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            page = self.paginate_queryset(self.get_queryset()) or []
            self.record_seen(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ReferralListView(AuditedListView):
    """Referrals the caller may see, newest first. Every referral listed is recorded as seen."""

    serializer_class = serializers.ReferralSummarySerializer
    queryset = Referral.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> Any:
        return referral_list(user=self.request.user)

    @extend_schema(
        request=serializers.ConcernRaiseSerializer,
        responses={201: serializers.DraftSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Raise a concern, as a draft, through the caller's acting membership",
    )
    def post(self, request: Request) -> Response:
        def create() -> Response:
            body = serializers.ConcernRaiseSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            draft = concern_raise(
                actor=request.user,
                membership=acting_membership(user=request.user),
                request=request._request,
                **body.validated_data,
            )
            return Response(serializers.DraftSerializer(draft).data, status.HTTP_201_CREATED)

        return _idempotent(request, create)


def _detail(referral: Referral, access: ReferralAccess) -> Any:
    """A referral in as much detail as the caller's access allows."""
    if access is ReferralAccess.FULL:
        return serializers.ReferralFullSerializer(referral).data
    return serializers.ReferralSummaryDetailSerializer(referral).data


class ReferralDetailView(APIView):
    @extend_schema(
        responses=PolymorphicProxySerializer(
            component_name="ReferralDetail",
            serializers=[
                serializers.ReferralFullSerializer,
                serializers.ReferralSummaryDetailSerializer,
            ],
            resource_type_field_name="access",
        ),
        summary="One referral, in as much detail as the caller's role in it allows",
    )
    def get(self, request: Request, reference: str) -> Response:
        referral, access = referral_open(actor=request.user, reference=reference, request=request)
        return Response(_detail(referral, access))

    @extend_schema(
        request=serializers.ConcernSerializer(partial=True),
        responses=serializers.DraftSerializer,
        summary="Change a draft concern (its author only; 409 once it is submitted)",
    )
    def patch(self, request: Request, reference: str) -> Response:
        referral, _ = referral_get(user=request.user, reference=reference)
        body = serializers.ConcernSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            draft = referral_update_draft(
                referral=referral,
                actor=request.user,
                concern=body.validated_data,
                request=request._request,
            )
        except TransitionConflict as exc:
            raise _conflict(exc) from exc
        return Response(serializers.DraftSerializer(draft).data)


class ReferralTransitionsView(APIView):
    @extend_schema(
        responses=serializers.TransitionSerializer(many=True),
        summary="The workflow steps the caller may take on this referral now",
    )
    def get(self, request: Request, reference: str) -> Response:
        referral, _ = referral_get(user=request.user, reference=reference)
        available = transitions_for(referral=referral, user=request.user)
        return Response(serializers.TransitionSerializer(available, many=True).data)


class ReferralTransitionView(APIView):
    @extend_schema(
        request=serializers.TransitionInputSerializer,
        responses={200: serializers.ReferralFullSerializer, 204: None},
        parameters=[IDEMPOTENCY_KEY],
        summary="Take one workflow step (409 when the referral has moved on meanwhile); "
        "204 when the step leaves the referral out of the caller's sight (a transfer declined)",
    )
    def post(self, request: Request, reference: str, name: str) -> Response:
        referral, _ = referral_get(user=request.user, reference=reference)
        incoming = serializers.TransitionInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)

        def step() -> Response:
            try:
                moved = referral_transition(
                    referral=referral,
                    actor=request.user,
                    name=name,
                    inputs=incoming.validated_data,
                    request=request._request,
                )
            except LookupError as exc:
                raise NotFound("No such workflow step.") from exc
            except TransitionConflict as exc:
                raise _conflict(exc) from exc
            try:
                shown, access = referral_after_step(user=request.user, referral=moved)
            except Http404:  # a transfer declined: the step is done, the referral out of sight
                return Response(status=status.HTTP_204_NO_CONTENT)
            return Response(_detail(shown, access))

        # A client that lost the answer (a dropped connection, a restarted database) sends the
        # step again with the same key: it is taken once, and the retry gets the first answer.
        return _idempotent(request, step)


class BreakGlassView(APIView):
    @extend_schema(
        request=serializers.BreakGlassSerializer,
        responses={201: serializers.BreakGlassSerializer},
        summary="Open an out-of-scope referral in an emergency (recorded and reviewed)",
    )
    def post(self, request: Request, reference: str) -> Response:
        # The role first: whether a reference exists is not for those who may not ask.
        if not request.user.has_perm("referrals.break_glass"):
            raise PermissionDenied(
                "Only coordinators and lead professionals may use emergency access."
            )
        incoming = serializers.BreakGlassSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        referral = referral_for_break_glass(reference=reference)
        try:
            access = break_glass_open(
                referral=referral,
                actor=request.user,
                reason=incoming.validated_data["reason"],
                request=request,
            )
        except DjangoValidationError as exc:
            raise ValidationError({"reason": exc.messages}) from exc
        return Response(
            serializers.BreakGlassSerializer(access).data, status=status.HTTP_201_CREATED
        )


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


TIMELINE_TYPES = OpenApiParameter(
    "type",
    OpenApiTypes.STR,
    many=True,
    enum=ReferralEventType.values,
    description="Only events of these types (repeat for several)",
)


class TimelineView(AuditedListView):
    """Events of the referrals the caller sees in full, optionally of some types only."""

    serializer_class = serializers.TimelineEntrySerializer
    queryset = ReferralEvent.objects.none()  # for the schema; requests use get_queryset

    def event_types(self) -> list[str]:
        query = serializers.TimelineFilterSerializer(
            data={"type": self.request.query_params.getlist("type")}
        )
        query.is_valid(raise_exception=True)
        return list(query.validated_data.get("type", []))

    def referrals(self) -> QuerySet[Referral]:
        raise NotImplementedError

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return timeline(
            user=self.request.user, referrals=self.referrals(), event_types=self.event_types()
        )

    @extend_schema(parameters=[TIMELINE_TYPES])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class YoungPersonTimelineView(TimelineView):
    @cached_property
    def person(self) -> YoungPerson:
        return young_person_get(user=self.request.user, pk=self.kwargs["pk"])

    def referrals(self) -> QuerySet[Referral]:
        return Referral.objects.filter(young_person=self.person)


class CaseworkView(APIView):
    """For a referral the caller sees in full; anyone else gets 404 (referral_for_casework).
    Rows of its case that a list shows are recorded as seen under it."""

    @cached_property
    def referral(self) -> Referral:
        return referral_for_casework(user=self.request.user, reference=self.kwargs["reference"])

    def record_seen(self, page: list[Any]) -> None:
        records_seen(
            actor=self.request.user, records=page, referral=self.referral, request=self.request
        )


class CaseworkListView(CaseworkView, AuditedListView):
    def rows(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return self.rows()


class ReferralTimelineView(CaseworkView, TimelineView):
    def referrals(self) -> QuerySet[Referral]:
        return Referral.objects.filter(pk=self.referral.pk)


class ActionsView(CaseworkListView):
    """The referral's protective actions, newest first."""

    serializer_class = serializers.ActionSerializer
    queryset = ProtectiveAction.objects.none()  # for the schema; requests use rows

    def rows(self) -> QuerySet[Any]:
        return actions_for(referral=self.referral)

    @extend_schema(
        request=serializers.ActionCreateSerializer,
        responses={201: serializers.ActionSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Add a protective action to the plan",
    )
    def post(self, request: Request, reference: str) -> Response:
        referral = self.referral
        return _idempotent(
            request,
            lambda: _applied(
                request,
                serializers.ActionCreateSerializer,
                serializers.ActionSerializer,
                action_add,
                code=status.HTTP_201_CREATED,
                context={"referral": referral},
                referral=referral,
            ),
        )


class ActionView(CaseworkView, APIView):
    @extend_schema(
        request=serializers.ActionUpdateSerializer,
        responses=serializers.ActionSerializer,
        operation_id="v1_referrals_actions_update",
        summary="Mark a protective action done or cancelled (with the outcome), or reopen it",
    )
    def post(self, request: Request, reference: str, pk: int) -> Response:
        action = get_object_or_404(actions_for(referral=self.referral), pk=pk)
        return _applied(
            request,
            serializers.ActionUpdateSerializer,
            serializers.ActionSerializer,
            action_update,
            action=action,
        )


class MissingEpisodesView(CaseworkListView):
    """The referral's missing episodes, newest first."""

    serializer_class = serializers.MissingEpisodeSerializer
    queryset = MissingEpisode.objects.none()  # for the schema; requests use rows

    def rows(self) -> QuerySet[Any]:
        return missing_episodes_for(referral=self.referral)

    @extend_schema(
        request=serializers.MissingEpisodeCreateSerializer,
        responses={201: serializers.MissingEpisodeSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Report that the young person is missing",
    )
    def post(self, request: Request, reference: str) -> Response:
        referral = self.referral
        return _idempotent(
            request,
            lambda: _applied(
                request,
                serializers.MissingEpisodeCreateSerializer,
                serializers.MissingEpisodeSerializer,
                missing_episode_start,
                code=status.HTTP_201_CREATED,
                referral=referral,
            ),
        )


class MissingEpisodeStepView(CaseworkView, APIView):
    """One step on a missing episode, taken through its service."""

    incoming: type[Any]
    service: Callable[..., MissingEpisode]

    def post(self, request: Request, reference: str, pk: int) -> Response:
        episode = get_object_or_404(missing_episodes_for(referral=self.referral), pk=pk)
        return _applied(
            request,
            self.incoming,
            serializers.MissingEpisodeSerializer,
            type(self).service,
            episode=episode,
        )


@extend_schema(
    request=serializers.MissingReturnSerializer,
    responses=serializers.MissingEpisodeSerializer,
    summary="Record the young person's return (the return home interview falls due)",
)
class MissingReturnView(MissingEpisodeStepView):
    incoming = serializers.MissingReturnSerializer
    service = missing_episode_end


@extend_schema(
    request=serializers.ReturnInterviewSerializer,
    responses=serializers.MissingEpisodeSerializer,
    summary="Record the return home interview, or why none was held",
)
class ReturnInterviewView(MissingEpisodeStepView):
    incoming = serializers.ReturnInterviewSerializer
    service = return_home_interview_record


class NotesView(CaseworkListView):
    """The case notes the caller may read (restricted ones only by the author's agency and
    the area's coordinators), newest first."""

    serializer_class = serializers.NoteSerializer
    queryset = CaseNote.objects.none()  # for the schema; requests use rows

    def rows(self) -> QuerySet[Any]:
        return notes_for(user=self.request.user, referral=self.referral)

    @extend_schema(
        request=serializers.NoteCreateSerializer,
        responses={201: serializers.NoteSerializer},
        parameters=[IDEMPOTENCY_KEY],
        summary="Add a case note; a correction points at the note it corrects",
    )
    def post(self, request: Request, reference: str) -> Response:
        referral = self.referral
        return _idempotent(
            request,
            lambda: _applied(
                request,
                serializers.NoteCreateSerializer,
                serializers.NoteSerializer,
                note_add,
                code=status.HTTP_201_CREATED,
                context={"referral": referral, "user": request.user},
                referral=referral,
            ),
        )
