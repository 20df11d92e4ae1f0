"""The pages of an area's catalogues: its screening tools (coordinators: publish a version,
retire one, choose which national tools it uses) and, under area administration, its protective
action types and disruption tactics (add, retire, choose which national ones it uses).

Every page is scoped to an area the user keeps that catalogue of; any other area, and another
area's own entries, answer 404 (referrals.catalogues)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.models import Area, User
from agencies.selectors import administered_area
from disruption.catalogues import DURATION_DAYS_MAX, LEGAL_POWER_CAP, tactic_add
from disruption.models import DisruptionTactic, TacticCategory
from referrals.catalogues import (
    LABEL_CAP,
    NAME_CAP,
    SCREENING_KEEPER,
    WEIGHT_MAX,
    IndicatorWording,
    action_type_add,
    area_entries,
    area_entry,
    area_screening_tool,
    area_screening_tools,
    entry_retire,
    entry_use,
    kept_area,
    kept_areas,
    screening_tool_check,
    screening_tool_publish,
    screening_tool_retire,
    screening_tool_use,
)
from referrals.models import (
    ExploitationType,
    ProtectiveActionType,
    ScreeningCategory,
    ScreeningTool,
)

from .administration import Confirmation, _confirm, administrator_only
from .forms import add_service_errors
from .pagination import paginate

screening_keeper = permission_required("referrals.keep_screening_tools", raise_exception=True)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # every page here requires a signed-in user


def _kinds(kinds: list[str]) -> str:
    labels = dict(ExploitationType.choices)
    return ", ".join(str(labels.get(kind, kind)) for kind in kinds) or "None"


# Screening tools.


def _screening_area(request: HttpRequest, ons_code: str) -> Area:
    return kept_area(user=_user(request), role=SCREENING_KEEPER, ons_code=ons_code)


@login_required
@screening_keeper
@require_GET
def screening_home(request: HttpRequest) -> HttpResponse:
    areas = kept_areas(user=_user(request), role=SCREENING_KEEPER)
    if len(areas) == 1:
        return redirect("frontend:screening-tools", ons_code=areas[0].ons_code)
    return render(request, "frontend/catalogues/areas.html", {"areas": areas})


@login_required
@screening_keeper
@require_GET
def screening_tools_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    area = _screening_area(request, ons_code)
    tools = list(area_screening_tools(area=area))
    context = {
        "area": area,
        "national": [t for t in tools if t.area_id is None],
        "own": [t for t in tools if t.area_id is not None],
        "kinds": {t.pk: _kinds(t.exploitation_types) for t in tools},
    }
    return render(request, "frontend/catalogues/screening_tools.html", context)


def _by_category(tool: ScreeningTool) -> list[tuple[str, list[Any]]]:
    return [
        (label, [i for i in tool.indicators.all() if i.category == category])
        for category, label in ScreeningCategory.choices
    ]


@login_required
@screening_keeper
@require_GET
def screening_tool_page(request: HttpRequest, ons_code: str, version: str) -> HttpResponse:
    area = _screening_area(request, ons_code)
    tool = area_screening_tool(area=area, version=version)
    context = {
        "area": area,
        "tool": tool,
        "kinds": _kinds(tool.exploitation_types),
        "categories": _by_category(tool),
        "named_in_settings": tool.version == area.screening_tool_version,
    }
    return render(request, "frontend/catalogues/screening_tool.html", context)


class NewVersionForm(forms.Form):
    """A new version of a tool: its name, the kinds of exploitation it screens, each indicator
    of the version it starts from (reworded, reweighted or left out) and one new indicator."""

    name = forms.CharField(
        label="Name of the tool",
        max_length=NAME_CAP,
        error_messages={"required": "Enter the tool's name"},
    )
    exploitation_types = forms.MultipleChoiceField(
        label="Kinds of exploitation it screens",
        help_text="A concern of one of these kinds is screened with this tool. Select all "
        "that apply.",
        choices=ExploitationType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the kinds of exploitation the tool screens"},
    )
    new_label = forms.CharField(
        label="Wording of a new indicator (optional)", max_length=LABEL_CAP, required=False
    )
    new_category = forms.ChoiceField(
        label="Its category",
        choices=ScreeningCategory.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    new_weight = forms.IntegerField(
        label="Its weight",
        min_value=1,
        max_value=WEIGHT_MAX,
        required=False,
        error_messages={"max_value": f"Enter a weight of {WEIGHT_MAX} or less"},
    )

    def __init__(self, *args: Any, based_on: ScreeningTool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.based_on = based_on
        self.indicators = list(based_on.indicators.all())
        for n, indicator in enumerate(self.indicators, start=1):
            self.fields[f"label_{indicator.code}"] = forms.CharField(
                label=f"Indicator {n}: wording",
                initial=indicator.label,
                max_length=LABEL_CAP,
                error_messages={"required": f"Enter the wording of indicator {n}"},
            )
            self.fields[f"weight_{indicator.code}"] = _weight(f"Indicator {n}: weight")
            self.fields[f"weight_{indicator.code}"].initial = indicator.weight
            self.fields[f"leave_out_{indicator.code}"] = forms.BooleanField(
                label=f"Leave indicator {n} out of the new version", required=False
            )

    def rows(self) -> list[tuple[str, Any, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (
                i.get_category_display(),
                i,
                self[f"label_{i.code}"],
                self[f"weight_{i.code}"],
                self[f"leave_out_{i.code}"],
            )
            for i in self.indicators
        ]

    def new_fields(self) -> list[forms.BoundField]:
        return [self["new_label"], self["new_category"], self["new_weight"]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("new_label") or "").strip():
            if not data.get("new_category"):
                self.add_error("new_category", "Choose the new indicator's category")
            if data.get("new_weight") is None and "new_weight" not in self.errors:
                self.add_error("new_weight", "Enter the new indicator's weight")
        return data

    def wordings(self) -> list[IndicatorWording]:
        data = self.cleaned_data
        kept = [
            IndicatorWording(i.category, data[f"label_{i.code}"], data[f"weight_{i.code}"], i.code)
            for i in self.indicators
            if not data.get(f"leave_out_{i.code}")
        ]
        if (data.get("new_label") or "").strip():
            kept.append(
                IndicatorWording(data["new_category"], data["new_label"], data["new_weight"])
            )
        return kept


def _weight(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=WEIGHT_MAX,
        error_messages={
            "required": "Enter a weight",
            "invalid": "Enter a whole number, like 2",
            "min_value": "Enter a weight of 1 or more",
            "max_value": f"Enter a weight of {WEIGHT_MAX} or less",
        },
    )


def _changes(form: NewVersionForm, wordings: list[IndicatorWording]) -> list[tuple[str, str]]:
    """What the new version changes from the one it starts from, in words."""
    before = {i.code: i for i in form.indicators}
    after = {w.code for w in wordings}
    said = []
    for wording in wordings:
        old = before.get(wording.code)
        if old is None:
            said.append(("New indicator", f"{wording.label} (weight {wording.weight})"))
        elif old.label != wording.label:
            said.append(("Reworded", f"{old.label} → {wording.label}"))
        if old is not None and old.weight != wording.weight:
            said.append(("Reweighted", f"{wording.label}: {old.weight} → {wording.weight}"))
    said += [("Left out", i.label) for i in form.indicators if i.code not in after]
    return said or [("Indicators", "The same as the version it starts from")]


def _carried(request: HttpRequest) -> list[tuple[str, str]]:
    """The answers as posted, for the check-answers page to post again on "Confirm"."""
    control = {"csrfmiddlewaretoken", "confirm", "change"}
    return [(k, v) for k in request.POST if k not in control for v in request.POST.getlist(k)]


@login_required
@screening_keeper
@require_http_methods(["GET", "POST"])
def screening_tool_new_version_page(
    request: HttpRequest, ons_code: str, version: str
) -> HttpResponse:
    """The new version's answers, then a check of them, then it is published."""
    area = _screening_area(request, ons_code)
    based_on = area_screening_tool(area=area, version=version)
    initial = {"name": based_on.name, "exploitation_types": based_on.exploitation_types}
    posted = request.POST if request.method == "POST" else None
    form = NewVersionForm(posted, based_on=based_on, initial=initial)
    context: dict[str, Any] = {
        "area": area,
        "based_on": based_on,
        "form": form,
        "weight_max": WEIGHT_MAX,
    }
    if posted is not None and "change" not in posted and form.is_valid():
        answers = {
            "actor": _user(request),
            "area": area,
            "based_on": based_on,
            "name": form.cleaned_data["name"],
            "exploitation_types": form.cleaned_data["exploitation_types"],
            "indicators": form.wordings(),
        }
        try:
            if "confirm" not in posted:
                name, kinds, wordings = screening_tool_check(**answers)
                context |= {
                    "answers": [
                        ("Name", name),
                        ("Kinds of exploitation it screens", _kinds(kinds)),
                        ("Starts from", f"{based_on.name}, version {based_on.number}"),
                        ("Number of indicators", str(len(wordings))),
                        *_changes(form, wordings),
                    ],
                    "carried": _carried(request),
                }
                return render(request, "frontend/catalogues/screening_tool_check.html", context)
            tool = screening_tool_publish(**answers)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{tool.name}, version {tool.number}, published")
            return redirect("frontend:screening-tool", ons_code=area.ons_code, version=tool.version)
    return render(request, "frontend/catalogues/screening_tool_new_version.html", context)


@login_required
@screening_keeper
@require_http_methods(["GET", "POST"])
def screening_tool_retire_page(request: HttpRequest, ons_code: str, version: str) -> HttpResponse:
    area = _screening_area(request, ons_code)
    tool = area_screening_tool(area=area, version=version)
    national = tool.area_id is None
    confirmation = Confirmation(
        heading=(
            f"Are you sure you want to stop using {tool.name}?"
            if national
            else f"Are you sure you want to retire version {tool.number} of {tool.name}?"
        ),
        facts=[
            ("Tool", f"{tool.name}, version {tool.number}"),
            ("Kinds of exploitation it screens", _kinds(tool.exploitation_types)),
        ],
        consequences=[
            "New concerns in the area are no longer screened with it: they are screened with "
            "another tool for their kind of exploitation, or the tool the area's settings name.",
            "Concerns already screened with it keep it, with its wording and their score.",
            "You can use it again later."
            if national
            else "It cannot be used again: publish a new version to screen with it again.",
        ],
        done=f"{tool.name} is no longer used" if national else f"{tool.name} retired",
        cancel_url=reverse("frontend:screening-tools", args=[area.ons_code]),
    )
    return _confirm(
        request,
        area,
        confirmation,
        lambda: screening_tool_retire(actor=_user(request), area=area, tool=tool),
    )


@login_required
@screening_keeper
@require_POST
def screening_tool_use_action(request: HttpRequest, ons_code: str, version: str) -> HttpResponse:
    area = _screening_area(request, ons_code)
    tool = area_screening_tool(area=area, version=version)
    screening_tool_use(actor=_user(request), area=area, tool=tool)
    messages.success(request, f"{tool.name} is used again")
    return redirect("frontend:screening-tools", ons_code=area.ons_code)


# Protective action types and disruption tactics, under area administration.


def _label_field() -> forms.CharField:
    return forms.CharField(
        label="Name", max_length=LABEL_CAP, error_messages={"required": "Enter a name"}
    )


class ActionTypeForm(forms.Form):
    label = _label_field()


class TacticForm(forms.Form):
    label = _label_field()
    category = forms.ChoiceField(
        label="Kind of tactic",
        choices=[("", "Choose one"), *TacticCategory.choices],
        error_messages={"required": "Choose the kind of tactic"},
    )
    legal_power = forms.CharField(
        label="Legal power (optional)",
        help_text="For example, s2 Child Abduction Act 1984",
        max_length=LEGAL_POWER_CAP,
        required=False,
    )
    expires = forms.TypedChoiceField(
        label="Does it lapse on an expiry date?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda answer: answer == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether it lapses"},
    )
    default_duration_days = forms.IntegerField(
        label="How many days it usually runs (optional)",
        help_text="Only for a tactic that lapses: its expiry is proposed from it.",
        min_value=1,
        max_value=DURATION_DAYS_MAX,
        required=False,
        error_messages={
            "invalid": "Enter a whole number of days, like 365",
            "min_value": "Enter 1 day or more",
            "max_value": f"Enter {DURATION_DAYS_MAX} days or fewer",
        },
    )


@dataclass(frozen=True)
class EntryCatalogue:
    """One catalogue an area administrator keeps, and how its pages word it."""

    name: str  # in URL names: admin-<name>, admin-<name>-retire, admin-<name>-use
    slug: str  # in addresses
    model: type[Any]  # ProtectiveActionType or DisruptionTactic
    form: type[forms.Form]
    add: Callable[..., Any]
    title: str
    one: str  # one entry, in a sentence
    intro: str
    empty: str


CATALOGUES = (
    EntryCatalogue(
        name="action-types",
        slug="protective-action-types",
        model=ProtectiveActionType,
        form=ActionTypeForm,
        add=action_type_add,
        title="Protective actions",
        one="protective action",
        intro="The actions a plan can give an agency to protect the young person. The "
        "national ones cannot be changed: choose whether your area uses each.",
        empty="There are no protective actions to offer. Add your area's own below.",
    ),
    EntryCatalogue(
        name="tactics",
        slug="disruption-tactics",
        model=DisruptionTactic,
        form=TacticForm,
        add=tactic_add,
        title="Disruption tactics",
        one="disruption tactic",
        intro="The orders, notices and other tactics the police and partners log against "
        "abusers. The national ones cannot be changed: choose whether your area uses each.",
        empty="There are no disruption tactics to offer. Add your area's own below.",
    ),
)


def _list_url(catalogue: EntryCatalogue, area: Area) -> str:
    return reverse(f"frontend:admin-{catalogue.name}", args=[area.ons_code])


def _entries_page(catalogue: EntryCatalogue) -> Callable[..., HttpResponse]:
    @login_required
    @administrator_only
    @require_http_methods(["GET", "POST"])
    def page(request: HttpRequest, ons_code: str) -> HttpResponse:
        area = administered_area(user=request.user, ons_code=ons_code)
        form = catalogue.form(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                entry = catalogue.add(actor=_user(request), area=area, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"{entry.label} added")
                return redirect(_list_url(catalogue, area))
        context = {
            "area": area,
            "catalogue": catalogue,
            "entries": paginate(request, area_entries(catalogue.model, area=area)),
            "form": form,
        }
        return render(request, "frontend/catalogues/entries.html", context)

    return page


def _retire_page(catalogue: EntryCatalogue) -> Callable[..., HttpResponse]:
    @login_required
    @administrator_only
    @require_http_methods(["GET", "POST"])
    def page(request: HttpRequest, ons_code: str, pk: int) -> HttpResponse:
        area = administered_area(user=request.user, ons_code=ons_code)
        entry = area_entry(catalogue.model, area=area, pk=pk)
        national = entry.area_id is None
        confirmation = Confirmation(
            heading=(
                f"Are you sure your area should stop using “{entry.label}”?"
                if national
                else f"Are you sure you want to retire “{entry.label}”?"
            ),
            facts=[
                (catalogue.one.capitalize(), entry.label),
                ("Catalogue", "National" if national else f"{area.name}'s own"),
            ],
            consequences=[
                f"It is no longer offered when someone in {area.name} records a {catalogue.one}.",
                "What was recorded with it keeps it.",
                "You can use it again later."
                if national
                else "It cannot be used again: add it again to offer it.",
            ],
            done=f"{entry.label} is no longer used" if national else f"{entry.label} retired",
            cancel_url=_list_url(catalogue, area),
        )
        return _confirm(
            request,
            area,
            confirmation,
            lambda: entry_retire(actor=_user(request), area=area, entry=entry),
        )

    return page


def _use_action(catalogue: EntryCatalogue) -> Callable[..., HttpResponse]:
    @login_required
    @administrator_only
    @require_POST
    def action(request: HttpRequest, ons_code: str, pk: int) -> HttpResponse:
        area = administered_area(user=request.user, ons_code=ons_code)
        entry = area_entry(catalogue.model, area=area, pk=pk)
        entry_use(actor=_user(request), area=area, entry=entry)
        messages.success(request, f"{entry.label} is used again")
        return redirect(_list_url(catalogue, area))

    return action


urlpatterns = [
    path("screening-tools/", screening_home, name="screening-home"),
    path("screening-tools/<str:ons_code>/", screening_tools_page, name="screening-tools"),
    path(
        "screening-tools/<str:ons_code>/<str:version>/",
        screening_tool_page,
        name="screening-tool",
    ),
    path(
        "screening-tools/<str:ons_code>/<str:version>/new-version/",
        screening_tool_new_version_page,
        name="screening-tool-new-version",
    ),
    path(
        "screening-tools/<str:ons_code>/<str:version>/retire/",
        screening_tool_retire_page,
        name="screening-tool-retire",
    ),
    path(
        "screening-tools/<str:ons_code>/<str:version>/use/",
        screening_tool_use_action,
        name="screening-tool-use",
    ),
]
for _catalogue in CATALOGUES:
    prefix = f"administration/<str:ons_code>/{_catalogue.slug}/"
    urlpatterns += [
        path(prefix, _entries_page(_catalogue), name=f"admin-{_catalogue.name}"),
        path(
            f"{prefix}<int:pk>/retire/",
            _retire_page(_catalogue),
            name=f"admin-{_catalogue.name}-retire",
        ),
        path(
            f"{prefix}<int:pk>/use/", _use_action(_catalogue), name=f"admin-{_catalogue.name}-use"
        ),
    ]
