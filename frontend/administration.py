"""Area administration pages: people, agencies, settings, lockouts and the audit record.

Every page is scoped to one area the signed-in user administers; any other area is a 404.
"""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from agencies.models import Agency, AgencyType, Area, Membership, Role, User
from agencies.selectors import (
    administered_area,
    administered_area_membership,
    administered_areas,
    area_agencies,
    area_memberships,
    area_person,
    escalation_manager_choices,
    lockouts_for_area,
    user_by_username,
)
from agencies.services import (
    AREA_SETTINGS,
    ESCALATION_MANAGER_INVALID,
    agency_add,
    agency_deactivate,
    area_settings_update,
    membership_end,
    person_add,
    person_deactivate,
    person_unlock,
)
from audit.models import AuditAction
from audit.selectors import REDACTED_REASON, audit_csv_rows, audit_search
from audit.services import audit_record
from notifications.selectors import emails_not_delivered

AUDIT_PAGE_SIZE = 100

administrator_only = permission_required("agencies.administer_area", raise_exception=True)


class PersonForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False, help_text="Needed for a new person")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(
        label="First password",
        required=False,
        widget=forms.PasswordInput,
        help_text="Needed for a new person. They set up two-factor sign-in the first time.",
    )
    role = forms.ChoiceField(choices=[c for c in Role.choices if c[0] != Role.NATIONAL_ANALYST])
    agency: forms.ModelChoiceField[Agency] = forms.ModelChoiceField(queryset=Agency.objects.none())

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        if isinstance(field, forms.ModelChoiceField):  # always; narrows the type
            field.queryset = area_agencies(area=area).filter(is_active=True)


class AgencyForm(forms.Form):
    name = forms.CharField(max_length=200)
    agency_type = forms.ChoiceField(label="Type", choices=AgencyType.choices)


class ManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name() or obj.get_username()} ({obj.get_username()})"


class AreaSettingsForm(forms.ModelForm):
    class Meta:
        model = Area
        fields = list(AREA_SETTINGS)
        field_classes = {"escalation_manager": ManagerChoiceField}
        labels = {"escalation_manager": "Named manager for escalations"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["escalation_manager"]
        if isinstance(field, forms.ModelChoiceField):  # always; narrows the type
            field.queryset = escalation_manager_choices(area=self.instance)
            field.empty_label = "Nobody named: the area's coordinators"
            field.error_messages["invalid_choice"] = ESCALATION_MANAGER_INVALID


class AuditSearchForm(forms.Form):
    username = forms.CharField(required=False)
    object_type = forms.CharField(required=False, help_text="For example referrals.referral")
    object_id = forms.CharField(required=False)
    action = forms.ChoiceField(required=False, choices=[("", "Any"), *AuditAction.choices])
    date_from = forms.DateField(required=False, help_text="For example 2026-11-01")
    date_to = forms.DateField(required=False)


def _apply(form: forms.BaseForm, action: Any) -> bool:
    """Run a service; put its refusals on the form. True when it succeeded."""
    try:
        action()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return False
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return False
    return True


@login_required
@administrator_only
def administration_home(request: HttpRequest) -> HttpResponse:
    areas = administered_areas(user=request.user)
    if len(areas) == 1:
        return redirect("frontend:admin-people", ons_code=areas[0].ons_code)
    return render(request, "frontend/admin/areas.html", {"areas": areas})


@login_required
@administrator_only
def people_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    area = administered_area(user=request.user, ons_code=ons_code)
    context = {"area": area, "memberships": area_memberships(area=area)}
    return render(request, "frontend/admin/people.html", context)


@login_required
@administrator_only
def person_add_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    area = administered_area(user=request.user, ons_code=ons_code)
    form = PersonForm(request.POST or None, area=area)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _apply(
            form,
            lambda: person_add(
                actor=request.user,
                area=area,
                username=data["username"],
                role=Role(data["role"]),
                agency=data["agency"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password"],
            ),
        ):
            return redirect("frontend:admin-people", ons_code=area.ons_code)
    return render(request, "frontend/admin/person_add.html", {"area": area, "form": form})


@login_required
@administrator_only
@require_POST
def membership_end_action(request: HttpRequest, ons_code: str, pk: int) -> HttpResponse:
    area = administered_area(user=request.user, ons_code=ons_code)
    membership_end(actor=request.user, membership=get_object_or_404(Membership, pk=pk, area=area))
    return redirect("frontend:admin-people", ons_code=area.ons_code)


@login_required
@administrator_only
@require_POST
def person_deactivate_action(request: HttpRequest, ons_code: str, pk: int) -> HttpResponse:
    area = administered_area(user=request.user, ons_code=ons_code)
    person_deactivate(actor=request.user, area=area, user=area_person(area=area, pk=pk))
    return redirect("frontend:admin-people", ons_code=area.ons_code)


@login_required
@administrator_only
def agencies_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    area = administered_area(user=request.user, ons_code=ons_code)
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _apply(
            form,
            lambda: agency_add(
                actor=request.user,
                area=area,
                name=data["name"],
                agency_type=AgencyType(data["agency_type"]),
            ),
        ):
            return redirect("frontend:admin-agencies", ons_code=area.ons_code)
    context = {"area": area, "agencies": area_agencies(area=area), "form": form}
    return render(request, "frontend/admin/agencies.html", context)


@login_required
@administrator_only
@require_POST
def agency_deactivate_action(request: HttpRequest, ons_code: str, pk: int) -> HttpResponse:
    area = administered_area(user=request.user, ons_code=ons_code)
    agency = get_object_or_404(area_agencies(area=area), pk=pk)
    agency_deactivate(actor=request.user, area=area, agency=agency)
    return redirect("frontend:admin-agencies", ons_code=area.ons_code)


@login_required
@administrator_only
def settings_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    area = administered_area(user=request.user, ons_code=ons_code)
    form = AreaSettingsForm(request.POST or None, instance=Area.objects.get(pk=area.pk))
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in AREA_SETTINGS}
        if _apply(
            form, lambda: area_settings_update(actor=request.user, area=area, changes=changes)
        ):
            return redirect("frontend:admin-settings", ons_code=area.ons_code)
    return render(request, "frontend/admin/settings.html", {"area": area, "form": form})


@login_required
@administrator_only
def lockouts_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    area = administered_area(user=request.user, ons_code=ons_code)
    if request.method == "POST":
        person = area_person(area=area, username=request.POST.get("username", ""))
        person_unlock(actor=request.user, area=area, user=person)
        return redirect("frontend:admin-lockouts", ons_code=area.ons_code)
    context = {"area": area, "lockouts": lockouts_for_area(area=area)}
    return render(request, "frontend/admin/lockouts.html", context)


@login_required
@administrator_only
def emails_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    """Emails to people in the area that failed or are being retried, so that someone fixes
    the cause (a missing or wrong address, the mail server) before anything else is missed."""
    area = administered_area(user=request.user, ons_code=ons_code)
    context = {"area": area, "emails": emails_not_delivered(area=area)}
    return render(request, "frontend/admin/emails.html", context)


@login_required
@administrator_only
def audit_page(request: HttpRequest, ons_code: str) -> HttpResponseBase:
    area = administered_area(user=request.user, ons_code=ons_code)
    form = AuditSearchForm(request.GET or None)
    events = None
    if form.is_valid():
        data = form.cleaned_data
        person = user_by_username(username=data["username"]) if data["username"] else None
        events = audit_search(
            area=area,
            user=person if data["username"] else None,
            object_type=data["object_type"] or None,
            object_id=data["object_id"] or None,
            action=data["action"] or None,
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
        if data["username"] and person is None:
            events = events.none()
        if request.GET.get("format") == "csv":
            return _csv_export(request, area, events)
        # Searching the record is itself recorded: it shows who did what, and from where.
        audit_record(
            action=AuditAction.VIEW,
            actor=request.user,
            membership=administered_area_membership(user=request.user, area=area),
            target=area,
            request=request,
            details={"audit_search": request.GET.dict()},
        )
    context = {
        "area": area,
        "form": form,
        "events": events[:AUDIT_PAGE_SIZE] if events is not None else None,
        "redacted_reason": REDACTED_REASON,
    }
    return render(request, "frontend/admin/audit.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_export(request: HttpRequest, area: Area, events: Any) -> StreamingHttpResponse:
    audit_record(
        action=AuditAction.EXPORT,
        actor=request.user,
        membership=administered_area_membership(user=request.user, area=area),
        target=area,
        request=request,
        details={"export": "audit_search", "query": request.GET.dict()},
    )
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in audit_csv_rows(events, redact_case_reasons=True)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{area.ons_code}.csv"'
    return response
