"""Casework on one referral: protective actions, missing episodes, notes, its timeline."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from referrals.audited_reads import records_seen
from referrals.casework import (
    action_add,
    action_update,
    missing_episode_end,
    missing_episode_start,
    note_add,
    return_home_interview_record,
)
from referrals.models import CaseNote, MissingEpisode, ProtectiveAction, Referral
from referrals.selectors import actions_for, missing_episodes_for, notes_for, referral_for_casework

from . import serializers
from .referrals import TimelineView
from .toolkit import IDEMPOTENCY_KEY, AuditedListView, idempotent_response, service_response


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
        return idempotent_response(
            request,
            lambda: service_response(
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
        return service_response(
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
        return idempotent_response(
            request,
            lambda: service_response(
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
        return service_response(
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
        return idempotent_response(
            request,
            lambda: service_response(
                request,
                serializers.NoteCreateSerializer,
                serializers.NoteSerializer,
                note_add,
                code=status.HTTP_201_CREATED,
                context={"referral": referral, "user": request.user},
                referral=referral,
            ),
        )
