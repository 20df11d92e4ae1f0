"""Area administration pages: people, agencies, settings, lockouts and the audit record.

Every page is scoped to one area the signed-in user administers; any other area is a 404.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from agencies.models import Agency, AgencyType, Area, Role, User
from agencies.selectors import (
    PEOPLE_SEARCH_CAP,
    active_area_agencies,
    administered_area,
    administered_area_membership,
    administered_areas,
    agency_people_count,
    area_agencies,
    area_memberships,
    area_people,
    area_person,
    emergency_duty_agency_choices,
    escalation_manager_choices,
    lockouts_for_area,
    signed_in,
    user_by_username,
)
from agencies.services import (
    AREA_SETTING_MAXIMUMS,
    AREA_SETTINGS,
    EMERGENCY_DUTY_AGENCY_INVALID,
    EMERGENCY_DUTY_BOTH,
    EMERGENCY_DUTY_PERSON_INVALID,
    ESCALATION_MANAGER_INVALID,
    SCREENING_TOOL_INVALID,
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
from identity.selectors import area_providers
from notifications.selectors import emails_not_delivered
from provisioning.models import PROVISIONED_ROLES, ScimToken
from provisioning.selectors import scim_tenant_url, scim_tokens_for_area
from provisioning.services import scim_token_issue, scim_token_revoke
from referrals.selectors import referral_id_in_area, screening_tool_choices

from .autocomplete import FALLBACK_LIMIT, SEARCH_MAX, SUGGESTIONS, RecordPicker
from .form_fields import date_field
from .pagination import paginate

AUDIT_PAGE_SIZE = 50

administrator_only = permission_required("agencies.administer_area", raise_exception=True)


NEW, EXISTING = "new", "existing"


class PersonForm(forms.Form):
    """A role for someone: an account of theirs already, or a new one with its details (the
    follow-up questions revealed under "No"). An existing account keeps its details."""

    username = forms.CharField(
        max_length=150,
        help_text="The name they sign in with, for example sam.okafor",
        error_messages={"required": "Enter the person's username"},
    )
    account = forms.ChoiceField(
        label="Do they already have an account?",
        help_text="They may have one from another role or another area.",
        widget=forms.RadioSelect,
        choices=[(EXISTING, "Yes: give them a role here"), (NEW, "No: create their account")],
        error_messages={"required": "Choose whether they already have an account"},
    )
    email = forms.EmailField(
        required=False, error_messages={"invalid": "Enter an email address like name@example.org"}
    )
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(
        label="First password",
        required=False,
        widget=forms.PasswordInput,
        help_text="They set up two-factor sign-in the first time they sign in.",
    )
    role = forms.ChoiceField(
        choices=[
            ("", "Choose a role"),
            *[c for c in Role.choices if c[0] != Role.NATIONAL_ANALYST],
        ],
        error_messages={"required": "Choose the role they are given"},
    )
    agency: forms.ModelChoiceField[Agency] = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        help_text="Start typing its name, then choose it from the list.",
        widget=RecordPicker,
        error_messages={
            "required": "Choose the agency they work for",
            "invalid_choice": "Choose an active agency that serves this area",
        },
    )
    NEW_PERSON_FIELDS = ("email", "first_name", "last_name", "password")

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        if isinstance(field, forms.ModelChoiceField):  # always; narrows the type
            field.queryset = active_area_agencies(area=area)
        _offer_agencies(self["agency"], area)

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        username, account = data.get("username") or "", data.get("account")
        exists = bool(username) and user_by_username(username=username) is not None
        if account == EXISTING:
            if username and not exists:
                self.add_error("username", f"No account has the username {username}")
            for name in self.NEW_PERSON_FIELDS:  # hidden under "No": never used
                data[name] = ""
        elif account == NEW:
            if exists:
                self.add_error("username", f"An account already has the username {username}")
            if not data.get("email") and "email" not in self.errors:
                self.add_error("email", "Enter their email address")
            if not data.get("password"):
                self.add_error("password", "Enter a first password")
        return data


def _offer_agencies(field: forms.BoundField, area: Area) -> None:
    """The agency picker: without scripts, a select of the area's first agencies (and the one
    chosen); with them, the accessible autocomplete asking `agency_suggestions` as one types."""
    shown = [(str(a.pk), a.name) for a in active_area_agencies(area=area)[:FALLBACK_LIMIT]]
    chosen = str(field.value() or "")
    if chosen.isdigit() and chosen not in {value for value, _ in shown}:
        record = active_area_agencies(area=area).filter(pk=int(chosen)).first()
        if record is not None:  # kept among the options, even past the first ones
            shown.insert(0, (chosen, record.name))
    picker = field.field.widget
    if isinstance(picker, RecordPicker):  # always; narrows the type
        picker.groups = (("Agencies", shown),)
        picker.url = reverse("frontend:admin-agency-suggestions", args=[area.ons_code])


class PeopleSearchForm(forms.Form):
    q = forms.CharField(
        label="Search by name, username or email",
        required=False,
        max_length=PEOPLE_SEARCH_CAP,
        error_messages={"max_length": f"Enter {PEOPLE_SEARCH_CAP} characters or fewer"},
    )


class AgencyForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": "Enter the agency's name"})
    agency_type = forms.ChoiceField(
        label="Type",
        choices=[("", "Choose the type of agency"), *AgencyType.choices],
        error_messages={"required": "Choose the type of agency"},
    )


SCIM_LIFETIMES = [("90", "90 days"), ("180", "180 days"), ("365", "365 days (the longest allowed)")]


class ScimTokenForm(forms.Form):
    """A token for an agency's identity provider; the role is the only one it can give."""

    agency: forms.ModelChoiceField[Agency] = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        empty_label="Choose the agency",
        help_text="The agency whose identity provider will send its people",
        error_messages={
            "required": "Choose the agency",
            "invalid_choice": "Choose an active agency that serves this area",
        },
    )
    role = forms.ChoiceField(
        label="Which role do the people it creates get?",
        help_text="Every person it creates gets this role in the agency, whatever it sends.",
        choices=PROVISIONED_ROLES,
        initial=Role.PRACTITIONER,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the role", "invalid_choice": "Choose the role"},
    )
    lifetime_days = forms.TypedChoiceField(
        label="When should it expire?",
        choices=SCIM_LIFETIMES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose when the token expires",
            "invalid_choice": "Choose when the token expires",
        },
    )

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = active_area_agencies(area=area)  # type: ignore[attr-defined]


class ManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name() or obj.get_username()} ({obj.get_username()})"


# The settings in an area administrator's words: what each changes, and the usual value.
SETTING_LABELS = {
    "triage_working_days": "Working days to a triage decision",
    "rag_red_working_hours": "Red concerns: working hours to a triage decision",
    "rag_amber_working_hours": "Amber concerns: working hours to a triage decision",
    "rag_green_working_hours": "Green concerns: working hours to a triage decision",
    "review_interval_weeks": "Weeks between reviews of a plan",
    "risk_reassessment_months": "Months between risk assessments",
    "return_home_interview_hours": "Hours to hold a return home interview",
    "screening_tool_version": "Screening tool",
    "break_glass_hours": "Hours an emergency access lasts",
    "merge_undo_days": "Days a merge of two records can be undone",
    "due_soon_working_hours": "Working hours of warning before a triage deadline",
    "escalation_working_hours": "Working hours before something overdue is escalated",
    "escalation_manager": "Named manager for escalations",
    "escalation_max_repeats": "Escalations before a final notice",
    "emergency_duty_agency": "Agency told out of hours",
    "emergency_duty_person": "Person told out of hours, instead of an agency",
}
SETTING_HINTS = {
    "triage_working_days": "For every concern, whatever its rating. Nationally, 1 working day.",
    "rag_red_working_hours": "Often 4.",
    "rag_amber_working_hours": "Often 24.",
    "rag_green_working_hours": "Often 72.",
    "review_interval_weeks": "Nationally, at least every 12 weeks.",
    "risk_reassessment_months": "Usually every 3 months.",
    "return_home_interview_hours": "After a missing young person is found. Nationally, 72 hours.",
    "screening_tool_version": "The questions and scores a new concern is screened with.",
    "break_glass_hours": "How long someone from outside the area can see a referral they "
    "opened in an emergency. Usually 24.",
    "merge_undo_days": "After two records of one young person are merged, a coordinator can "
    "undo it for this long. Often 30.",
    "due_soon_working_hours": "The coordinator is told a triage decision is due this long "
    "before its deadline.",
    "escalation_working_hours": "Counted from the deadline. Often 4.",
    "escalation_manager": "Told when something stays overdue.",
    "escalation_max_repeats": "After this many escalations of one deadline, the manager gets a "
    "final notice and no more are sent. Often 3.",
    "emergency_duty_agency": "Usually the local authority's emergency duty team. Its "
    "coordinators and police leads in this area are told.",
    "emergency_duty_person": "Or one person instead of an agency.",
}


# The settings as the page groups them, each group a fieldset with what its numbers count.
SETTING_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Time to a triage decision",
        "Counted from when a concern is sent, in working hours: 9am to 5pm on weekdays, less "
        "bank holidays in England and Wales.",
        (
            "triage_working_days",
            "rag_red_working_hours",
            "rag_amber_working_hours",
            "rag_green_working_hours",
            "due_soon_working_hours",
        ),
    ),
    (
        "Plans and missing episodes",
        "",
        ("review_interval_weeks", "risk_reassessment_months", "return_home_interview_hours"),
    ),
    (
        "Escalation of what is overdue",
        "Something still overdue after this long is escalated to the named manager, or to the "
        "area's coordinators when nobody is named, and again after each further interval.",
        ("escalation_working_hours", "escalation_manager", "escalation_max_repeats"),
    ),
    (
        "Out of hours",
        "A concern about a young person in immediate danger raised outside working hours (9am "
        "to 5pm on weekdays, less bank holidays) is told at once, urgently, to this contact: an "
        "agency or a person, not both.",
        ("emergency_duty_agency", "emergency_duty_person"),
    ),
    (
        "Screening and emergency access",
        "",
        ("screening_tool_version", "break_glass_hours", "merge_undo_days"),
    ),
)
# What each number counts, shown after its box.
SETTING_UNITS = {
    "triage_working_days": "working days",
    "rag_red_working_hours": "working hours",
    "rag_amber_working_hours": "working hours",
    "rag_green_working_hours": "working hours",
    "due_soon_working_hours": "working hours",
    "review_interval_weeks": "weeks",
    "risk_reassessment_months": "months",
    "return_home_interview_hours": "hours",
    "escalation_working_hours": "working hours",
    "escalation_max_repeats": "escalations",
    "break_glass_hours": "hours",
    "merge_undo_days": "days",
}


def _minimum(setting: str) -> int:
    """The smallest value the area's setting takes (a form's own, or its model's, refusal
    of less is told in the same words)."""
    field = Area._meta.get_field(setting)
    limits = [
        validator.limit_value
        for validator in getattr(field, "validators", [])
        if isinstance(validator, MinValueValidator)
    ]
    return max([0, *limits])


@dataclass(frozen=True)
class SettingGroup:
    title: str
    hint: str
    fields: list[tuple[forms.BoundField, str]]  # each field, and the unit it counts in


class AreaSettingsForm(forms.ModelForm):
    class Meta:
        model = Area
        fields = list(AREA_SETTINGS)
        field_classes = {
            "escalation_manager": ManagerChoiceField,
            "emergency_duty_person": ManagerChoiceField,
        }
        labels = SETTING_LABELS
        help_texts = SETTING_HINTS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, maximum in AREA_SETTING_MAXIMUMS.items():
            number = self.fields[name]
            number.validators.append(
                MaxValueValidator(maximum, message=f"Enter a number of {maximum} or less")
            )
            number.error_messages.update(
                required="Enter a number",
                invalid="Enter a whole number, like 24",
                min_value=f"Enter a number of {_minimum(name)} or more",
            )
        field = self.fields["escalation_manager"]
        if isinstance(field, forms.ModelChoiceField):  # always; narrows the type
            field.queryset = escalation_manager_choices(area=self.instance)
            field.empty_label = "Nobody named: the area's coordinators"
            field.error_messages["invalid_choice"] = ESCALATION_MANAGER_INVALID
        person = self.fields["emergency_duty_person"]
        if isinstance(person, forms.ModelChoiceField):
            person.queryset = escalation_manager_choices(area=self.instance)
            person.empty_label = "Nobody named"
            person.error_messages["invalid_choice"] = EMERGENCY_DUTY_PERSON_INVALID
        agency = self.fields["emergency_duty_agency"]
        if isinstance(agency, forms.ModelChoiceField):
            agency.queryset = emergency_duty_agency_choices(area=self.instance)
            agency.empty_label = "No agency named"
            agency.error_messages["invalid_choice"] = EMERGENCY_DUTY_AGENCY_INVALID
        # One of the tools loaded, picked from a list rather than its version typed in.
        self.fields["screening_tool_version"] = forms.ChoiceField(
            label=SETTING_LABELS["screening_tool_version"],
            help_text=SETTING_HINTS["screening_tool_version"],
            choices=screening_tool_choices(area=self.instance),
            error_messages={
                "required": SCREENING_TOOL_INVALID,
                "invalid_choice": SCREENING_TOOL_INVALID,
            },
        )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if data.get("emergency_duty_agency") and data.get("emergency_duty_person"):
            self.add_error("emergency_duty_person", EMERGENCY_DUTY_BOTH)
        return data

    def groups(self) -> list[SettingGroup]:
        return [
            SettingGroup(title, hint, [(self[name], SETTING_UNITS.get(name, "")) for name in names])
            for title, hint, names in SETTING_GROUPS
        ]


class AuditSearchForm(forms.Form):
    username = forms.CharField(
        label="Who did it",
        required=False,
        max_length=150,
        help_text="Their username, for example sam.okafor",
    )
    reference = forms.CharField(
        label="Referral reference",
        required=False,
        max_length=20,
        help_text="Everything recorded about one referral, for example R26-000123",
    )
    action = forms.ChoiceField(
        label="What happened", required=False, choices=[("", "Anything"), *AuditAction.choices]
    )
    date_from = date_field("From", required=None)
    date_to = date_field("To", required=None)

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.area = area

    def clean_reference(self) -> int | None:
        """The referral's id: the audit names records by id."""
        reference = self.cleaned_data["reference"].strip()
        if not reference:
            return None
        found = referral_id_in_area(area=self.area, reference=reference)
        if found is None:
            raise ValidationError(f"No referral in {self.area.name} has the reference {reference}")
        return found

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return data


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
    search = PeopleSearchForm(request.GET)
    words = search.cleaned_data["q"] if search.is_valid() else ""
    context = {
        "area": area,
        "search": search,
        "words": words,
        "people": paginate(request, area_people(area=area, search=words)),
    }
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
            messages.success(
                request, f"{data['username']} now has the role of {Role(data['role']).label}"
            )
            return redirect("frontend:admin-people", ons_code=area.ons_code)
    return render(request, "frontend/admin/person_add.html", {"area": area, "form": form})


@dataclass(frozen=True)
class Confirmation:
    """A check-before-acting page: what is about to happen, to whom, and what follows."""

    heading: str
    facts: list[tuple[str, str]]
    consequences: list[str]
    done: str  # the success banner
    cancel_url: str


def _confirm(
    request: HttpRequest, area: Area, confirmation: Confirmation, act: Callable[[], Any]
) -> HttpResponse:
    """The confirmation page; on "Confirm", act, then back to the list with the banner. A
    refusal (someone with a role elsewhere, oneself, a rule of the service) is shown on the
    page instead."""
    refusal = forms.Form(data={})  # bound: a refusal goes on it as an error
    if request.method == "POST":
        try:
            act()
        except PermissionDenied as exc:
            refusal.add_error(None, str(exc))
        except ValidationError as exc:
            refusal.add_error(None, exc.messages)
        else:
            messages.success(request, confirmation.done)
            return redirect(confirmation.cancel_url)
    context = {"area": area, "confirmation": confirmation, "form": refusal}
    return render(request, "frontend/admin/confirm.html", context)


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


@login_required
@administrator_only
@require_http_methods(["GET", "POST"])
def membership_end_action(request: HttpRequest, ons_code: str, pk: int) -> HttpResponse:
    area = administered_area(user=request.user, ons_code=ons_code)
    membership = get_object_or_404(area_memberships(area=area), pk=pk, is_active=True)
    name, role = _name(membership.user), membership.get_role_display()
    confirmation = Confirmation(
        heading=f"Are you sure you want to end {name}'s role as {role}?",
        facts=[
            ("Name", f"{name} ({membership.user.get_username()})"),
            ("Role", role),
            ("Agency", membership.agency.name if membership.agency else "None"),
        ],
        consequences=[
            f"From their next page, they can no longer act as {role} in {area.name}.",
            "Their other roles, and their account, stay as they are.",
            "What they recorded in this role stays, with the record of who did it.",
        ],
        done=f"{name}'s role as {role} has ended",
        cancel_url=reverse("frontend:admin-people", args=[area.ons_code]),
    )
    return _confirm(
        request,
        area,
        confirmation,
        lambda: membership_end(actor=request.user, membership=membership),
    )


@login_required
@administrator_only
@require_http_methods(["GET", "POST"])
def person_deactivate_action(request: HttpRequest, ons_code: str, pk: int) -> HttpResponse:
    area = administered_area(user=request.user, ons_code=ons_code)
    person = area_person(area=area, pk=pk)
    name = _name(person)
    roles = area_memberships(area=area).filter(user=person, is_active=True)
    confirmation = Confirmation(
        heading=f"Are you sure you want to deactivate {name}?",
        facts=[
            ("Name", f"{name} ({person.get_username()})"),
            ("Email", person.email or "None"),
            ("Roles here", ", ".join(m.get_role_display() for m in roles) or "None"),
        ],
        consequences=[
            "They are signed out of every device at once, and their API tokens are cancelled.",
            "They can no longer sign in. Their roles are kept for the record.",
            "What they recorded stays, with the record of who did it.",
        ],
        done=f"{name} has been deactivated and signed out of every device",
        cancel_url=reverse("frontend:admin-people", args=[area.ons_code]),
    )
    return _confirm(
        request,
        area,
        confirmation,
        lambda: person_deactivate(actor=request.user, area=area, user=person),
    )


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
            messages.success(request, f"{data['name']} has been added")
            return redirect("frontend:admin-agencies", ons_code=area.ons_code)
    agencies = paginate(request, area_agencies(area=area))
    providers = area_providers(area=area)
    for agency in agencies.object_list:
        agency.own_sign_in = providers.get(agency.pk)
    context = {"area": area, "agencies": agencies, "form": form}
    return render(request, "frontend/admin/agencies.html", context)


@login_required
@administrator_only
@require_http_methods(["GET", "POST"])
def agency_deactivate_action(request: HttpRequest, ons_code: str, pk: int) -> HttpResponse:
    area = administered_area(user=request.user, ons_code=ons_code)
    agency = get_object_or_404(area_agencies(area=area), pk=pk, is_active=True)
    people = agency_people_count(agency=agency)
    confirmation = Confirmation(
        heading=f"Are you sure you want to deactivate {agency.name}?",
        facts=[
            ("Agency", agency.name),
            ("Type", agency.get_agency_type_display()),
            ("People with a role in it", str(people)),
        ],
        consequences=[
            f"From their next page, the {people} people with a role in it can no longer act "
            "in that role.",
            "It can no longer be chosen for a new role or a new referral.",
            "What its people recorded stays, with the record of who did it.",
        ],
        done=f"{agency.name} has been deactivated",
        cancel_url=reverse("frontend:admin-agencies", args=[area.ons_code]),
    )
    return _confirm(
        request,
        area,
        confirmation,
        lambda: agency_deactivate(actor=request.user, area=area, agency=agency),
    )


@login_required
@administrator_only
@require_http_methods(["GET", "POST"])
def scim_tokens_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    """Tokens for the agencies' identity providers (SCIM provisioning); the secret is shown on
    the answer that creates it, once."""
    area = administered_area(user=request.user, ons_code=ons_code)
    form = ScimTokenForm(request.POST or None, area=area)
    created = None
    if request.method == "POST" and form.is_valid():
        issued: list[tuple[ScimToken, str]] = []
        actor = signed_in(request.user)
        if _apply(
            form,
            lambda: issued.append(
                scim_token_issue(actor=actor, area=area, request=request, **form.cleaned_data)
            ),
        ):
            # Shown on this answer only, never stored: a reload does not show it again.
            created = {"token": issued[0][0], "secret": issued[0][1]}
            form = ScimTokenForm(area=area)
    context = {
        "area": area,
        "form": form,
        "created": created,
        "tokens": paginate(request, scim_tokens_for_area(area=area)),
        "now": timezone.now(),
        "tenant_url": scim_tenant_url(request=request),
    }
    return render(request, "frontend/admin/scim_tokens.html", context)


@login_required
@administrator_only
@require_http_methods(["GET", "POST"])
def scim_token_revoke_action(request: HttpRequest, ons_code: str, pk: int) -> HttpResponse:
    area = administered_area(user=request.user, ons_code=ons_code)
    token = get_object_or_404(scim_tokens_for_area(area=area), pk=pk, revoked_at__isnull=True)
    confirmation = Confirmation(
        heading=f"Are you sure you want to revoke the provisioning token of {token.agency.name}?",
        facts=[
            ("Agency", token.agency.name),
            ("Starts with", token.prefix),
            (
                "Last used",
                f"{token.last_used_at:%-d %B %Y, %H:%M}" if token.last_used_at else "Never",
            ),
        ],
        consequences=[
            f"{token.agency.name}'s identity provider can no longer create, change or "
            "deactivate its people here.",
            "People it created keep their accounts and roles.",
        ],
        done=f"The provisioning token of {token.agency.name} has been revoked",
        cancel_url=reverse("frontend:admin-scim-tokens", args=[area.ons_code]),
    )
    return _confirm(
        request,
        area,
        confirmation,
        lambda: scim_token_revoke(
            actor=signed_in(request.user), area=area, token=token, request=request
        ),
    )


@login_required
@administrator_only
@require_GET
def agency_suggestions(request: HttpRequest, ons_code: str) -> JsonResponse:
    """The agency picker's suggestions as one types: `?q=` words of the name."""
    area = administered_area(user=request.user, ons_code=ons_code)
    search = request.GET.get("q", "")[:SEARCH_MAX]
    found = active_area_agencies(area=area, search=search)[:SUGGESTIONS]
    return JsonResponse({"results": [{"value": str(a.pk), "label": a.name} for a in found]})


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
            messages.success(request, "The settings have been saved")
            return redirect("frontend:admin-settings", ons_code=area.ons_code)
    return render(request, "frontend/admin/settings.html", {"area": area, "form": form})


@login_required
@administrator_only
def lockouts_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    area = administered_area(user=request.user, ons_code=ons_code)
    if request.method == "POST":
        person = area_person(area=area, username=request.POST.get("username", ""))
        person_unlock(actor=request.user, area=area, user=person)
        messages.success(request, f"{person.get_username()} can sign in again")
        return redirect("frontend:admin-lockouts", ons_code=area.ons_code)
    context = {
        "area": area,
        "lockouts": paginate(request, lockouts_for_area(area=area)),
        "cool_off": f"{int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)} minutes",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "frontend/admin/lockouts.html", context)


@login_required
@administrator_only
def emails_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    """Emails to people in the area that failed or are being retried, so that someone fixes
    the cause (a missing or wrong address, the mail server) before anything else is missed."""
    area = administered_area(user=request.user, ons_code=ons_code)
    emails = paginate(request, emails_not_delivered(area=area))
    rows = [(email, email_error_in_words(email.email_error)) for email in emails.object_list]
    context = {"area": area, "emails": emails, "rows": rows}
    return render(request, "frontend/admin/emails.html", context)


# What went wrong, in words, by the kind of error the mail library raised: what an
# administrator can check. The error itself is shown too, for whoever runs the mail service.
EMAIL_ERRORS_IN_WORDS = {
    "SMTPRecipientsRefused": "The mail server refused the person's address: check it is right.",
    "SMTPSenderRefused": "The mail server refused the service's sending address.",
    "SMTPAuthenticationError": "The service could not sign in to the mail server.",
    "SMTPServerDisconnected": "The mail server could not be reached.",
    "SMTPConnectError": "The mail server could not be reached.",
    "ConnectionRefusedError": "The mail server could not be reached.",
    "TimeoutError": "The mail server could not be reached.",
    "gaierror": "The mail server could not be found: check its name in the settings.",
}


def email_error_in_words(error: str) -> str:
    kind = error.split(":", 1)[0]
    return EMAIL_ERRORS_IN_WORDS.get(kind, "The email could not be sent.")


@login_required
@administrator_only
def audit_page(request: HttpRequest, ons_code: str) -> HttpResponseBase:
    area = administered_area(user=request.user, ons_code=ons_code)
    form = AuditSearchForm(request.GET, area=area)  # nothing asked: the latest events
    events = None
    if form.is_valid():
        data = form.cleaned_data
        person = user_by_username(username=data["username"]) if data["username"] else None
        referral = data["reference"]
        events = audit_search(
            area=area,
            user=person,
            object_type="referrals.referral" if referral else None,
            object_id=str(referral) if referral else None,
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
    pages = paginate(request, events, per_page=AUDIT_PAGE_SIZE) if events is not None else None
    context = {
        "area": area,
        "form": form,
        "pages": pages,
        "rows": _in_words(pages.object_list, user=request.user) if pages else [],
        "csv_query": _without_page(request),
    }
    return render(request, "frontend/admin/audit.html", context)


def _in_words(events: list[AuditEvent], *, user: Any) -> list[tuple[AuditEvent, str, str, str]]:
    """Each event with the record it is about, what happened, in words, and the reason given:
    its text only to someone entitled to the area's cases (a coordinator of it), else that
    one was given (content_areas)."""
    words = records_in_words(events)
    entitled = content_areas(user=user)
    return [
        (event, words[event.pk], _what_happened(event), shown_reason(event, entitled=entitled))
        for event in events
    ]


def _what_happened(event: AuditEvent) -> str:
    """The action, told with what its details add: a search of this record, a role ended,
    an account unlocked, which settings changed (by their labels, never field names)."""
    details = event.details or {}
    if "audit_search" in details:
        return "Searched the audit record"
    if details.get("export") == "audit_search":
        return "Downloaded the audit record"
    if details.get("unlocked"):
        return "Unlocked the account"
    if details.get("is_active") is False:
        return "Ended" if event.object_type == "agencies.membership" else "Deactivated"
    changed = details.get("changed")
    if event.object_type == "agencies.area" and isinstance(changed, list):
        labels = [SETTING_LABELS.get(name, "a setting no longer offered") for name in changed]
        return f"Changed the settings: {'; '.join(labels)}"
    return event.get_action_display()


def _without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query["format"] = "csv"
    return query.urlencode()


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
        (
            writer.writerow(row)
            for row in audit_csv_rows(events, entitled=content_areas(user=request.user))
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{area.ons_code}.csv"'
    return response
