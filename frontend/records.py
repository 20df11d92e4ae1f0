"""The pages of records management (records): an area's retention schedule, the reviews of
records that reached their trigger (keep longer, or approve erasure after checking the
answers), and legal holds (placed, listed, released).

Every page is scoped to an area where the user holds a role that may see it; any other area
answers 404 (records.selectors.area_with_role)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods

from agencies.dates import EXPIRY_DATE
from agencies.models import Area, User
from agencies.selectors import people_in_area_words
from records.models import (
    ASKABLE_KINDS,
    DAY_TRIGGERS,
    FIXED_KINDS,
    KIND_ERASURES,
    KIND_TRIGGERS,
    REASON_CAP,
    HoldScope,
    RecordKind,
    RetentionAction,
    RetentionReview,
    TriggerKind,
)
from records.selectors import (
    HOLD_READERS,
    SCHEDULE_READERS,
    ScheduleRow,
    area_hold,
    area_holds,
    area_rules,
    area_schedule,
    area_tombstones,
    area_with_role,
    areas_with_role,
    can_keep_schedule,
    hold_labels,
    review_for,
    reviewed_kinds,
    reviewed_records,
    reviews_for,
    seen_records,
)
from records.services import (
    DAYS_RANGE,
    YEARS_RANGE,
    approval_actions,
    hold_place,
    hold_release,
    review_approve,
    review_ask,
    review_check,
    review_extend,
    rule_set,
)
from referrals.audited_reads import records_seen
from referrals.models import Referral, YoungPerson

from .autocomplete import ALL_KINDS, RecordField
from .form_fields import date_field
from .forms import service_write
from .pagination import paginate

schedule_reader = permission_required("records.view_schedule", raise_exception=True)
reviewer = permission_required("records.review_retention", raise_exception=True)
hold_reader = permission_required("records.view_legal_holds", raise_exception=True)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # every page here requires a signed-in user


def _posted(request: HttpRequest) -> Any:
    """The answers sent, for a bound form (even when empty), or None on a GET."""
    return request.POST if request.method == "POST" else None


def _reason_field(label: str, hint: str, required: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        min_length=10,
        max_length=REASON_CAP,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": required,
            "min_length": "Give a reason of at least %(limit_value)d characters",
            "max_length": "Give a reason of %(limit_value)d characters or fewer",
        },
    )


def _radios(label: str, choices: list[tuple[str, str]], message: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": message, "invalid_choice": message},
    )


# The schedule.


@login_required
@schedule_reader
@require_GET
def records_home(request: HttpRequest) -> HttpResponse:
    areas = areas_with_role(user=_user(request), roles=SCHEDULE_READERS)
    if len(areas) == 1:
        return redirect("frontend:records-schedule", ons_code=areas[0].ons_code)
    return render(request, "frontend/records/areas.html", {"areas": areas})


def _sections(area: Area, user: User) -> list[dict[str, str]]:
    """The sub-navigation of an area's records management: the pages the user may open."""
    links = [
        ("Retention schedule", "frontend:records-schedule", "records.view_schedule"),
        ("Records to review", "frontend:records-reviews", "records.review_retention"),
        ("Legal holds", "frontend:records-holds", "records.view_legal_holds"),
        ("Erased records", "frontend:records-erased", "records.view_legal_holds"),
    ]
    return [
        {"text": text, "href": reverse(name, args=[area.ons_code])}
        for text, name, perm in links
        if user.has_perm(perm)
    ]


@login_required
@schedule_reader
@require_GET
def schedule_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    area, rows = area_schedule(user=_user(request), ons_code=ons_code)
    context = {
        "area": area,
        "rows": rows,
        "can_change": can_keep_schedule(user=request.user, area=area),
        "sections": _sections(area, _user(request)),
    }
    return render(request, "frontend/records/schedule.html", context)


# The number a rule holds, in words, by kind of record ("" for any other).
NUMBER_WORDS: dict[str, tuple[str, str]] = {
    RecordKind.YOUNG_PERSON: (
        "Age or number of years",
        "The age for the birthday, otherwise the years after the event. Nationally: the "
        "25th birthday.",
    ),
    RecordKind.NOTIFICATION: (
        "Number of days",
        "The days after the end of the month they were sent in. Nationally: 90 days.",
    ),
    "": ("Number of years", "The years after the event."),
}


class RuleForm(forms.Form):
    """The rule of one kind of record, its answers those of the rule in force (also said in
    each question's hint), so that changing one answer does not mean giving them all again."""

    def __init__(self, *args: Any, row: ScheduleRow, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = row.kind
        self.fields["trigger"] = _radios(
            "When is it reviewed?",
            [(t, TriggerKind(t).label) for t in TriggerKind.values if t in KIND_TRIGGERS[kind]],
            "Choose when this kind of record is reviewed",
        )
        self.fields["trigger"].help_text = f"Now: {row.trigger_words}"
        label, hint = NUMBER_WORDS.get(kind, NUMBER_WORDS[""])
        in_days = any(t in DAY_TRIGGERS for t in KIND_TRIGGERS[kind])
        self.fields["number"] = forms.IntegerField(
            label=label,
            help_text=hint,
            min_value=1,
            max_value=(DAYS_RANGE if in_days else YEARS_RANGE)[1],
            error_messages={
                "required": f"Enter the {label[0].lower()}{label[1:]}",
                "invalid": "Enter a whole number",
                "min_value": "Enter a number of %(limit_value)s or more",
                "max_value": "Enter a number of %(limit_value)s or less",
            },
        )
        actions = [RetentionAction.REVIEW, *sorted(KIND_ERASURES[kind])]
        self.fields["action"] = _radios(
            "What does approval do?",
            [(a, RetentionAction(a).label) for a in actions],
            "Choose what approval does",
        )
        self.fields["action"].help_text = f"Now: {row.rule.get_action_display()}"
        self.fields["justification"] = _reason_field(
            "Why this period?",
            "The schedule must justify each period: the law, guidance or need behind it.",
            "Enter why records are kept for this period",
        )


@login_required
@schedule_reader
@require_http_methods(["GET", "POST"])
def rule_page(request: HttpRequest, ons_code: str, kind: str) -> HttpResponse:
    area, _ = area_with_role(user=request.user, ons_code=ons_code, roles=SCHEDULE_READERS)
    if kind not in RecordKind.values or kind in FIXED_KINDS:
        raise Http404  # the fixed kinds are set nationally: there is no rule to change
    if not can_keep_schedule(user=request.user, area=area):
        raise PermissionDenied
    row = area_rules(area=area)[kind]
    initial = {
        "trigger": row.rule.trigger,
        "action": row.rule.action,
        "number": row.number,
        "justification": row.rule.justification,
    }
    form = RuleForm(_posted(request), initial=initial, row=row)
    if request.method == "POST" and service_write(
        form,
        lambda: rule_set(actor=request.user, area=area, kind=kind, **form.cleaned_data),
    ):
        messages.success(request, f"Retention schedule changed: {RecordKind(kind).label}")
        return redirect("frontend:records-schedule", ons_code=area.ons_code)
    context = {"area": area, "form": form, "kind_label": RecordKind(kind).label}
    return render(request, "frontend/records/rule_form.html", context)


# Reviews.


def _record_words(kind: str, record: Any) -> dict[str, str]:
    """What a reviewer needs to recognise the record, in words."""
    if record is None:
        return {"name": "Record no longer held", "details": ""}
    if kind == RecordKind.YOUNG_PERSON:
        born = f"born {record.date_of_birth:%-d %B %Y}" if record.date_of_birth else ""
        return {"name": str(record), "details": born}
    return {"name": str(record), "details": ""}  # its kind has its own column and row


def _shown(request: HttpRequest, reviews: list[RetentionReview]) -> list[dict[str, Any]]:
    """The reviews with their records in words, each record shown recorded as seen."""
    records = reviewed_records(reviews)
    records_seen(actor=request.user, records=seen_records(records), request=request)
    return [
        {"review": r, **_record_words(r.kind, records.get((r.kind, r.record_id)))} for r in reviews
    ]


@login_required
@reviewer
@require_GET
def reviews_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    area, reviews = reviews_for(user=_user(request), ons_code=ons_code)
    pages = paginate(request, reviews)
    context = {
        "area": area,
        "pages": pages,
        "rows": _shown(request, pages.rows),
        "sections": _sections(area, _user(request)),
    }
    return render(request, "frontend/records/reviews.html", context)


def _review(
    request: HttpRequest, ons_code: str, pk: int
) -> tuple[Area, RetentionReview, dict[str, Any]]:
    area, review = review_for(user=_user(request), ons_code=ons_code, pk=pk)
    row = _shown(request, [review])[0]
    rule = area_rules(area=area)[review.kind]
    return area, review, {**row, "rule": rule, "area": area}


@login_required
@reviewer
@require_GET
def review_page(request: HttpRequest, ons_code: str, pk: int) -> HttpResponse:
    area, _, context = _review(request, ons_code, pk)
    context["can_hold"] = can_keep_schedule(user=request.user, area=area)
    return render(request, "frontend/records/review.html", context)


class AskForm(forms.Form):
    record = RecordField(
        kinds=ALL_KINDS,
        required_message="Choose the record whose erasure was asked for",
        label="Which record?",
        help_text="Start typing a name, registration or number.",
    )
    reason = _reason_field(
        "Who asked for its erasure, and why?",
        "For example, she asked on 3 March 2027: she no longer wants the record kept.",
        "Enter who asked for its erasure, and why",
    )

    def __init__(self, *args: Any, user: Any, area: Area, kinds: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = cast(RecordField, self.fields["record"])
        field.kinds = tuple(kinds)
        field.offer(user=user, area_id=area.pk, chosen=self.data.get("record", ""))


@login_required
@reviewer
@require_http_methods(["GET", "POST"])
def review_ask_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    """List a record for erasure now, on a request (Article 17): of the kinds the user
    reviews."""
    area, _ = reviews_for(user=_user(request), ons_code=ons_code)
    kinds = [k for k in reviewed_kinds(user=request.user, area=area) if k in ASKABLE_KINDS]
    form = AskForm(_posted(request), user=request.user, area=area, kinds=kinds)
    if request.method == "POST" and (
        review := service_write(
            form,
            lambda: review_ask(
                actor=request.user,
                area=area,
                kind=_scope_of(form.cleaned_data["record"]),
                record_id=form.cleaned_data["record"].pk,
                reason=form.cleaned_data["reason"],
            ),
        )
    ):
        messages.success(request, "Listed for review: decide now whether to erase it")
        return redirect("frontend:records-review", ons_code=area.ons_code, pk=review.pk)
    return render(request, "frontend/records/review_ask.html", {"area": area, "form": form})


class KeepForm(forms.Form):
    reason = _reason_field(
        "Why keep it longer?",
        "For example, a claim, a complaint or a review is expected.",
        "Enter why the record is kept longer",
    )
    keep_until = date_field(
        "Keep it until",
        required="Enter the date to keep it until",
        hint="It is listed for review again on this day. For example, 27 3 2030",
        allowed=EXPIRY_DATE,
    )


@login_required
@reviewer
@require_http_methods(["GET", "POST"])
def review_keep_page(request: HttpRequest, ons_code: str, pk: int) -> HttpResponse:
    area, review, context = _review(request, ons_code, pk)
    form = KeepForm(_posted(request))
    if request.method == "POST" and service_write(
        form, lambda: review_extend(actor=request.user, review=review, **form.cleaned_data)
    ):
        until = form.cleaned_data["keep_until"]
        messages.success(request, f"Record kept until {until:%-d %B %Y}")
        return redirect("frontend:records-reviews", ons_code=area.ons_code)
    return render(request, "frontend/records/review_keep.html", {**context, "form": form})


class ApproveForm(forms.Form):
    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"] = _radios(
            "What should happen to the record?",
            [(a, RetentionAction(a).label) for a in actions],
            "Choose what happens to the record",
        )


# What approval did, in the past tense: the banner after it and the list of erased records.
DONE: dict[str, str] = {RetentionAction.ANONYMISE: "Anonymised", RetentionAction.DELETE: "Deleted"}

CONSEQUENCES: dict[Any, list[str]] = {
    (RecordKind.MINUTES, RetentionAction.ANONYMISE): [
        "The meeting's minutes and the decisions recorded on its agenda are cleared for good.",
        "The meeting's date, attendance and agenda stay, so the cases it discussed still show it.",
    ],
    (RecordKind.LIBRARY_DOCUMENT, RetentionAction.DELETE): [
        "The document is deleted from the strategy library and its file removed from "
        "storage for good.",
    ],
    (RecordKind.NOTIFICATION, RetentionAction.DELETE): [
        "Every notification and email of the area sent that month is deleted for good.",
        "The events they told people about stay on the cases.",
    ],
    (RecordKind.NATIONAL_RETURN, RetentionAction.DELETE): [
        "The return and its rows are deleted for good.",
        "Figures already published from it stay.",
    ],
    RetentionAction.ANONYMISE: [
        "Names, dates of birth, addresses, identifiers and the free text of the record are "
        "cleared for good.",
        "Uploaded documents are removed from storage.",
        "Dates, decisions and outcomes stay, so the partnership's figures stay whole.",
    ],
    RetentionAction.DELETE: [
        "The record, its place in the network and its links are deleted for good.",
    ],
}


@login_required
@reviewer
@require_http_methods(["GET", "POST"])
def review_approve_page(request: HttpRequest, ons_code: str, pk: int) -> HttpResponse:
    """Choose the action, check the answers, confirm: nothing is erased before "Confirm"."""
    area, review, context = _review(request, ons_code, pk)
    rule_action = context["rule"].rule.action
    form = ApproveForm(_posted(request), actions=approval_actions(review, rule_action))

    def check() -> str:
        review_check(
            actor=request.user,
            review=review,
            action=form.cleaned_data["action"],
            rule_action=rule_action,
        )
        return str(form.cleaned_data["action"])

    if request.method == "POST" and (action := service_write(form, check)):
        if "confirm" not in request.POST:
            return render(
                request,
                "frontend/records/review_check.html",
                {
                    **context,
                    "form": form,
                    "action": action,
                    "action_label": RetentionAction(action).label,
                    "consequences": CONSEQUENCES.get(
                        (review.kind, action), CONSEQUENCES[RetentionAction(action)]
                    ),
                },
            )
        if service_write(
            form,
            lambda: review_approve(
                actor=request.user, review=review, action=action, rule_action=rule_action
            ),
        ):
            messages.success(
                request,
                f"{RecordKind(review.kind).label}: record {DONE[RetentionAction(action)].lower()}",
            )
            return redirect("frontend:records-reviews", ons_code=area.ons_code)
    return render(request, "frontend/records/review_approve.html", {**context, "form": form})


# Legal holds.


@login_required
@hold_reader
@require_GET
def holds_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    area, holds = area_holds(user=_user(request), ons_code=ons_code)
    pages = paginate(request, holds)
    labels = _hold_words(request, pages.rows)
    people = people_in_area_words(
        area=area, users=[u for h in pages.rows for u in (h.placed_by, h.released_by)]
    )
    context = {
        "area": area,
        "pages": pages,
        "rows": [
            {
                "hold": h,
                "label": labels[h.pk],
                "placed_by": people[h.placed_by_id],
                "released_by": people.get(h.released_by_id or 0, ""),
            }
            for h in pages.rows
        ],
        "can_keep": can_keep_schedule(user=request.user, area=area),
        "sections": _sections(area, _user(request)),
    }
    return render(request, "frontend/records/holds.html", context)


def _removed_words(counts: dict[str, int]) -> str:
    """What erasure cleared or removed, in the words it counted them in ("case notes: 2")."""
    return ", ".join(f"{what}: {number}" for what, number in counts.items() if number)


def _hold_words(request: HttpRequest, holds: Any) -> dict[int, str]:
    """What each hold holds, in words; the records named in them are recorded as seen."""
    labels = hold_labels(holds, user=request.user)
    if labels.named:
        records_seen(actor=_user(request), records=labels.named, request=request)
    return labels.words


@login_required
@hold_reader
@require_GET
def erased_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    area, tombstones = area_tombstones(user=_user(request), ons_code=ons_code)
    pages = paginate(request, tombstones)
    people = people_in_area_words(area=area, users=[t.approved_by for t in pages.rows])
    context = {
        "area": area,
        "pages": pages,
        "rows": [
            {
                "tombstone": t,
                "done": DONE[t.action],
                "removed": _removed_words(t.counts),
                "approved_by": people[t.approved_by_id],
            }
            for t in pages.rows
        ],
        "sections": _sections(area, _user(request)),
    }
    return render(request, "frontend/records/erased.html", context)


WHAT_TO_HOLD = [
    ("area", "Every record of the area"),
    ("referral", "A referral"),
    ("record", "A young person or a record of intelligence"),
]


class HoldForm(forms.Form):
    what = _radios("What do you want to hold?", WHAT_TO_HOLD, "Choose what to hold")
    reference = forms.CharField(
        label="Referral reference",
        required=False,
        max_length=20,
        help_text="When holding a referral. For example, R26-000123",
    )
    record = RecordField(
        kinds=ALL_KINDS,
        required_message="Choose the record to hold",
        required=False,
        label="The record",
        help_text="When holding a young person or a record of intelligence. Start typing a "
        "name, registration or number.",
    )
    reason = _reason_field(
        "Why is it held?",
        "For example, the inquiry or the prosecution that needs the records.",
        "Enter why the records are held",
    )
    ends_on = date_field(
        "When does the hold end? (optional)",
        required=None,
        hint="Leave empty for a hold that lasts until it is released. For example, 27 3 2030",
        allowed=EXPIRY_DATE,
    )

    def __init__(self, *args: Any, user: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.area = area
        cast(RecordField, self.fields["record"]).offer(
            user=user, area_id=area.pk, chosen=self.data.get("record", "")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        what = data.get("what")
        if what == "referral":
            reference = (data.get("reference") or "").strip().upper()
            referral = Referral.objects.filter(area=self.area, reference=reference).first()
            if referral is None:
                self.add_error("reference", "Enter the reference of a referral of this area")
            else:
                data["scope"], data["record_id"] = HoldScope.REFERRAL, referral.pk
        elif what == "record":
            record = data.get("record")
            if record is None:
                self.add_error("record", "Choose the record to hold")
            else:
                data["scope"], data["record_id"] = _scope_of(record), record.pk
        elif what == "area":
            data["scope"], data["record_id"] = HoldScope.AREA, None
        return data


def _scope_of(record: Any) -> str:
    if isinstance(record, YoungPerson):
        return HoldScope.YOUNG_PERSON
    return {
        "personofconcern": HoldScope.PERSON,
        "location": HoldScope.LOCATION,
        "vehicle": HoldScope.VEHICLE,
        "onlineidentifier": HoldScope.IDENTIFIER,
    }[record._meta.model_name]


@login_required
@hold_reader
@require_http_methods(["GET", "POST"])
def hold_place_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    area, _ = area_with_role(user=request.user, ons_code=ons_code, roles=HOLD_READERS)
    form = HoldForm(_posted(request), user=request.user, area=area)
    if request.method == "POST" and (
        hold := service_write(
            form,
            lambda: hold_place(
                actor=request.user,
                area=area,
                scope=form.cleaned_data["scope"],
                record_id=form.cleaned_data["record_id"],
                reason=form.cleaned_data["reason"],
                ends_on=form.cleaned_data["ends_on"],
            ),
        )
    ):
        messages.success(request, f"Legal hold placed: {_hold_words(request, [hold])[hold.pk]}")
        return redirect("frontend:records-holds", ons_code=area.ons_code)
    return render(request, "frontend/records/hold_form.html", {"area": area, "form": form})


class ReleaseForm(forms.Form):
    reason = _reason_field(
        "Why is the hold released?",
        "For example, the trial has ended.",
        "Enter why the hold is released",
    )


@login_required
@hold_reader
@require_http_methods(["GET", "POST"])
def hold_release_page(request: HttpRequest, ons_code: str, pk: int) -> HttpResponse:
    area, hold = area_hold(user=request.user, ons_code=ons_code, pk=pk)
    label = _hold_words(request, [hold])[hold.pk]
    form = ReleaseForm(_posted(request))
    if request.method == "POST" and service_write(
        form, lambda: hold_release(actor=request.user, hold=hold, **form.cleaned_data)
    ):
        messages.success(request, f"Legal hold released: {label}")
        return redirect("frontend:records-holds", ons_code=area.ons_code)
    context = {"area": area, "form": form, "hold": hold, "label": label}
    return render(request, "frontend/records/hold_release.html", context)


def _area_path(route: str, view: Callable[..., HttpResponse], name: str) -> Any:
    return path(f"records/<str:ons_code>/{route}", view, name=name)


urlpatterns = [
    path("records/", records_home, name="records"),
    _area_path("", schedule_page, "records-schedule"),
    _area_path("schedule/<str:kind>/", rule_page, "records-rule"),
    _area_path("reviews/", reviews_page, "records-reviews"),
    _area_path("reviews/new/", review_ask_page, "records-review-ask"),
    _area_path("reviews/<int:pk>/", review_page, "records-review"),
    _area_path("reviews/<int:pk>/keep/", review_keep_page, "records-review-keep"),
    _area_path("reviews/<int:pk>/approve/", review_approve_page, "records-review-approve"),
    _area_path("holds/", holds_page, "records-holds"),
    _area_path("holds/new/", hold_place_page, "records-hold-place"),
    _area_path("holds/<int:pk>/release/", hold_release_page, "records-hold-release"),
    _area_path("erased/", erased_page, "records-erased"),
]
