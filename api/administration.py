"""REST API v1 for an area's administration: people and their roles, agencies, settings,
lockouts, emails that could not be delivered, and the audit record (searched and exported).
Thin views over agencies', notifications' and audit's selectors and services.

Only area administrators may ask (403 for any other role); an area they do not administer, or
a person, role or agency not of it, is 404. Administrators see no case content."""

from __future__ import annotations

import csv
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency, AgencyType, Area, Membership, Role, User
from agencies.selectors import (
    PEOPLE_SEARCH_CAP,
    active_area_agencies,
    administered_area,
    administered_area_membership,
    administered_areas,
    area_agencies,
    area_memberships,
    area_people,
    area_person,
    escalation_manager_choices,
    lockouts_for_area,
    user_by_username,
)
from agencies.services import (
    AREA_SETTING_MAXIMUMS,
    AREA_SETTINGS,
    agency_add,
    agency_deactivate,
    area_settings_update,
    membership_end,
    person_add,
    person_deactivate,
    person_unlock,
)
from audit.models import AuditAction, AuditEvent
from audit.selectors import (
    audit_csv_rows,
    audit_search,
    content_areas,
    records_in_words,
    shown_reason,
)
from audit.services import audit_record
from notifications.models import Notification
from notifications.selectors import emails_not_delivered
from referrals.selectors import referral_id_in_area

from . import fields as checked
from .pagination import NumberedPagination
from .toolkit import QuerySerializer

NOT_ADMINISTRATOR = OpenApiResponse(description="Not an area administrator")
NOT_HERE = OpenApiResponse(description="Not an area you administer, or not one of its records")


class AdministrationView(APIView):
    """Area administrators only; `area` is the one named in the address, if they administer
    it."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.has_perm("agencies.administer_area"):
            raise PermissionDenied("Only area administrators may do this.")

    def area(self) -> Area:
        return administered_area(user=self.request.user, ons_code=self.kwargs["ons_code"])


class AdministrationListView(AdministrationView, generics.ListAPIView[Any]):
    pagination_class = NumberedPagination


# --- areas ------------------------------------------------------------------------------


class AreaSerializer(checked.ModelSerializer[Area]):
    class Meta:
        model = Area
        fields = ["ons_code", "name"]


class AdministeredAreasView(AdministrationView):
    @extend_schema(
        responses={200: AreaSerializer(many=True), 403: NOT_ADMINISTRATOR},
        summary="The areas you administer",
    )
    def get(self, request: Request) -> Response:
        return Response(AreaSerializer(administered_areas(user=request.user), many=True).data)


# --- people -----------------------------------------------------------------------------


class RoleSerializer(checked.ModelSerializer[Membership]):
    agency = checked.CharField(source="agency.name", default=None)

    class Meta:
        model = Membership
        fields = ["id", "role", "agency", "is_active"]


class PersonSerializer(checked.ModelSerializer[User]):
    roles = RoleSerializer(many=True, source="roles_here", read_only=True)
    has_role_here = checked.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "is_active"]
        fields += ["has_role_here", "roles"]


class PersonAddSerializer(serializers.Serializer[Any]):
    """A role for someone; a new username creates their account with the details given (an
    existing account keeps its own)."""

    username = checked.CharField(max_length=150)
    role = serializers.ChoiceField(
        choices=[c for c in Role.choices if c[0] != Role.NATIONAL_ANALYST]
    )
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.none())
    email = checked.EmailField(required=False, default="")
    first_name = checked.CharField(max_length=150, required=False, default="")
    last_name = checked.CharField(max_length=150, required=False, default="")
    password = checked.CharField(
        max_length=128,
        required=False,
        default="",
        write_only=True,
        style={"input_type": "password"},
    )

    def __init__(self, *args: Any, area: Area | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if area is not None:
            agency = self.fields["agency"]
            if isinstance(agency, serializers.PrimaryKeyRelatedField):  # always; narrows
                agency.queryset = active_area_agencies(area=area)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if user_by_username(username=data["username"]) is None:
            missing = {name: ["Needed for a new account."] for name in ("email", "password")}
            missing = {name: errors for name, errors in missing.items() if not data[name]}
            if missing:
                raise serializers.ValidationError(missing)
        return data


class PeopleQuerySerializer(QuerySerializer):
    q = checked.CharField(
        required=False,
        default="",
        max_length=PEOPLE_SEARCH_CAP,
        help_text="Words of the name, username or email",
    )


class PeopleView(AdministrationListView):
    serializer_class = PersonSerializer
    queryset = User.objects.none()  # for the schema

    def get_queryset(self) -> Any:
        query = PeopleQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return area_people(area=self.area(), search=query.validated_data["q"])

    @extend_schema(
        parameters=[PeopleQuerySerializer],
        responses={200: PersonSerializer(many=True), 403: NOT_ADMINISTRATOR, 404: NOT_HERE},
        summary="Everyone who holds or held a role in the area",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=PersonAddSerializer,
        responses={
            201: RoleSerializer,
            400: OpenApiResponse(description="A detail missing or refused"),
            403: OpenApiResponse(description="Not an administrator, or one's own roles"),
            404: NOT_HERE,
        },
        summary="Give someone a role in the area (creating their account if new)",
    )
    def post(self, request: Request, ons_code: str) -> Response:
        area = self.area()
        body = PersonAddSerializer(data=request.data, area=area)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        membership = person_add(
            actor=request.user, area=area, **{**data, "role": Role(data["role"])}
        )
        return Response(RoleSerializer(membership).data, status=status.HTTP_201_CREATED)


class MembershipEndView(AdministrationView):
    @extend_schema(
        request=None,
        responses={200: RoleSerializer, 403: NOT_ADMINISTRATOR, 404: NOT_HERE},
        summary="End someone's role in the area (the record of it stays)",
    )
    def post(self, request: Request, ons_code: str, pk: int) -> Response:
        roles = area_memberships(area=self.area())
        membership = get_object_or_404(roles, pk=pk, is_active=True)
        return Response(
            RoleSerializer(membership_end(actor=request.user, membership=membership)).data
        )


class PersonDeactivateView(AdministrationView):
    @extend_schema(
        request=None,
        responses={
            204: None,
            403: OpenApiResponse(description="Oneself, or someone with roles in other areas"),
            404: NOT_HERE,
        },
        summary="Deactivate a leaver: every session ends and every API token is revoked",
    )
    def post(self, request: Request, ons_code: str, pk: int) -> Response:
        area = self.area()
        person_deactivate(actor=request.user, area=area, user=area_person(area=area, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- agencies ---------------------------------------------------------------------------


class AgencySerializer(checked.ModelSerializer[Agency]):
    class Meta:
        model = Agency
        fields = ["id", "name", "agency_type", "is_active"]
        read_only_fields = ["is_active"]
        extra_kwargs = {"agency_type": {"choices": AgencyType.choices}}


class AgenciesView(AdministrationListView):
    serializer_class = AgencySerializer
    queryset = Agency.objects.none()  # for the schema

    def get_queryset(self) -> Any:
        return area_agencies(area=self.area())

    @extend_schema(
        responses={200: AgencySerializer(many=True), 403: NOT_ADMINISTRATOR, 404: NOT_HERE},
        summary="The agencies serving the area, active first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=AgencySerializer,
        responses={201: AgencySerializer, 400: OpenApiResponse(description="A detail refused")},
        summary="Add an agency serving the area",
    )
    def post(self, request: Request, ons_code: str) -> Response:
        area = self.area()
        body = AgencySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        agency = agency_add(
            actor=request.user,
            area=area,
            name=body.validated_data["name"],
            agency_type=AgencyType(body.validated_data["agency_type"]),
        )
        return Response(AgencySerializer(agency).data, status=status.HTTP_201_CREATED)


class AgencyDeactivateView(AdministrationView):
    @extend_schema(
        request=None,
        responses={
            200: AgencySerializer,
            403: OpenApiResponse(description="Not an administrator, or it serves other areas"),
            404: NOT_HERE,
        },
        summary="Deactivate an agency: its people's roles grant nothing from then on",
    )
    def post(self, request: Request, ons_code: str, pk: int) -> Response:
        area = self.area()
        agency = get_object_or_404(area_agencies(area=area), pk=pk, is_active=True)
        return Response(
            AgencySerializer(agency_deactivate(actor=request.user, area=area, agency=agency)).data
        )


# --- settings ---------------------------------------------------------------------------


class AreaSettingsSerializer(checked.ModelSerializer[Area]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, maximum in AREA_SETTING_MAXIMUMS.items():
            message = f"Enter a number of {maximum} or less"
            self.fields[name].validators.append(MaxValueValidator(maximum, message=message))
        manager = self.fields["escalation_manager"]
        if isinstance(manager, serializers.PrimaryKeyRelatedField) and self.instance is not None:
            manager.queryset = escalation_manager_choices(area=self.instance)

    class Meta:
        model = Area
        fields = list(AREA_SETTINGS)


class AreaSettingsView(AdministrationView):
    @extend_schema(
        responses={200: AreaSettingsSerializer, 403: NOT_ADMINISTRATOR, 404: NOT_HERE},
        summary="The area's settings",
    )
    def get(self, request: Request, ons_code: str) -> Response:
        return Response(AreaSettingsSerializer(Area.objects.get(pk=self.area().pk)).data)

    @extend_schema(
        request=AreaSettingsSerializer(partial=True),
        responses={
            200: AreaSettingsSerializer,
            400: OpenApiResponse(description="A value out of range or not offered"),
            403: NOT_ADMINISTRATOR,
            404: NOT_HERE,
        },
        summary="Change some of the area's settings (each change audited)",
    )
    def patch(self, request: Request, ons_code: str) -> Response:
        area = Area.objects.get(pk=self.area().pk)
        body = AreaSettingsSerializer(area, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changed = area_settings_update(actor=request.user, area=area, changes=body.validated_data)
        return Response(AreaSettingsSerializer(changed).data)


# --- lockouts and emails ----------------------------------------------------------------


class LockoutSerializer(serializers.Serializer[Any]):
    username = checked.CharField()
    name = checked.CharField()
    failures = checked.IntegerField()
    last_failure = checked.DateTimeField(read_only=True)
    locked_until = checked.DateTimeField(read_only=True)


class UnlockSerializer(serializers.Serializer[Any]):
    username = checked.CharField(max_length=150)


class LockoutsView(AdministrationView):
    @extend_schema(
        responses={200: LockoutSerializer(many=True), 403: NOT_ADMINISTRATOR, 404: NOT_HERE},
        summary=f"People of the area locked out after {settings.AXES_FAILURE_LIMIT} failed "
        "sign-ins, until the cool-off ends or someone unlocks them",
    )
    def get(self, request: Request, ons_code: str) -> Response:
        return Response(LockoutSerializer(lockouts_for_area(area=self.area()), many=True).data)

    @extend_schema(
        request=UnlockSerializer,
        responses={204: None, 403: NOT_ADMINISTRATOR, 404: NOT_HERE},
        summary="Let a locked-out person of the area try again now",
    )
    def post(self, request: Request, ons_code: str) -> Response:
        area = self.area()
        body = UnlockSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        person = area_person(area=area, username=body.validated_data["username"])
        person_unlock(actor=request.user, area=area, user=person)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UndeliveredEmailSerializer(checked.ModelSerializer[Notification]):
    """Who, what kind, when and the error: never the title (case content)."""

    username = checked.CharField(source="recipient.username")
    email = checked.CharField(source="recipient.email")
    error = checked.CharField(source="email_error")

    class Meta:
        model = Notification
        fields = ["id", "username", "email", "kind", "created_at", "email_status"]
        fields += ["email_attempts", "email_next_attempt_at", "error"]


class UndeliveredEmailsView(AdministrationListView):
    serializer_class = UndeliveredEmailSerializer
    queryset = Notification.objects.none()  # for the schema

    def get_queryset(self) -> Any:
        return emails_not_delivered(area=self.area())

    @extend_schema(
        responses={
            200: UndeliveredEmailSerializer(many=True),
            403: NOT_ADMINISTRATOR,
            404: NOT_HERE,
        },
        summary="Emails to people of the area that failed or are being retried",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


# --- the audit record -------------------------------------------------------------------


class AuditQuerySerializer(QuerySerializer):
    username = checked.CharField(required=False, default="", max_length=150)
    reference = checked.CharField(
        required=False, default="", max_length=20, help_text="A referral of the area"
    )
    action = serializers.ChoiceField(choices=AuditAction.choices, required=False)
    date_from = checked.DateField(required=False, default=None)
    date_to = checked.DateField(required=False, default=None)

    def __init__(self, *args: Any, area: Area | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.area = area

    def validate_reference(self, reference: str) -> int | None:
        reference = reference.strip()
        if not reference or self.area is None:
            return None
        found = referral_id_in_area(area=self.area, reference=reference)
        if found is None:
            raise serializers.ValidationError(f"No referral here has the reference {reference}")
        return found

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["date_from"] and data["date_to"] and data["date_from"] > data["date_to"]:
            raise serializers.ValidationError({"date_to": ["Same as or after date_from."]})
        return data


class AuditEventSerializer(checked.ModelSerializer[AuditEvent]):
    actor = checked.CharField(source="actor.username", default=None)
    record = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField(
        help_text="The reason given: its text only to a coordinator of the area, else whether "
        "one was given"
    )

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "action", "object_type", "object_id", "record"]
        fields += ["reason"]

    def get_record(self, event: AuditEvent) -> str:
        return str(self.context["words"][event.pk])

    def get_reason(self, event: AuditEvent) -> str:
        return shown_reason(event, entitled=self.context["entitled"])


def _searched(request: Request, area: Area) -> Any:
    query = AuditQuerySerializer(data=request.query_params, area=area)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    person = user_by_username(username=data["username"]) if data["username"] else None
    events = audit_search(
        area=area,
        user=person,
        object_type="referrals.referral" if data["reference"] else None,
        object_id=str(data["reference"]) if data["reference"] else None,
        action=data.get("action") or None,
        date_from=data["date_from"],
        date_to=data["date_to"],
    )
    return events.none() if data["username"] and person is None else events


class AuditPagination(PageNumberPagination):
    page_size = 50


class AuditSearchView(AdministrationView):
    @extend_schema(
        parameters=[AuditQuerySerializer],
        responses={
            200: AuditEventSerializer(many=True),
            400: OpenApiResponse(description="A reference not of the area, or dates reversed"),
            403: NOT_ADMINISTRATOR,
            404: NOT_HERE,
        },
        summary="Search the area's audit record, newest first (the search is itself recorded)",
    )
    def get(self, request: Request, ons_code: str) -> Response:
        area = self.area()
        paginator = AuditPagination()
        with transaction.atomic():
            page = paginator.paginate_queryset(_searched(request, area), request, view=self) or []
            audit_record(
                action=AuditAction.VIEW,
                actor=request.user,
                membership=administered_area_membership(user=request.user, area=area),
                target=area,
                request=request,
                details={"audit_search": request.query_params.dict()},
            )
        context = {"words": records_in_words(page), "entitled": content_areas(user=request.user)}
        body = AuditEventSerializer(page, many=True, context=context).data
        return paginator.get_paginated_response(body)


class _Echo:
    def write(self, value: str) -> str:
        return value


class AuditExportView(AdministrationView):
    @extend_schema(
        parameters=[AuditQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per event"),
            400: OpenApiResponse(description="A reference not of the area, or dates reversed"),
            403: NOT_ADMINISTRATOR,
            404: NOT_HERE,
        },
        summary="The same search as CSV, every event (the export is itself recorded)",
    )
    def get(self, request: Request, ons_code: str) -> StreamingHttpResponse:
        area = self.area()
        events = _searched(request, area)
        audit_record(
            action=AuditAction.EXPORT,
            actor=request.user,
            membership=administered_area_membership(user=request.user, area=area),
            target=area,
            request=request,
            details={"export": "audit_search", "query": request.query_params.dict()},
        )
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (
                writer.writerow(row)
                for row in audit_csv_rows(events, entitled=content_areas(user=request.user))
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="audit-{area.ons_code}.csv"'
        return response
