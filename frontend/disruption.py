"""Pages for disruption activity: the log, expiring orders and notices, logging an activity
(from the log or from a referral) and recording what became of it.

For the area's police leads and coordinators only: anyone else, and any activity, referral or
area out of their scope, finds no page (404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from disruption.activity_selectors import (
    activities_expiring,
    disruption_log,
    disruption_owner_choices,
    disruption_owner_memberships,
    linked_entity_nodes,
)
from disruption.activity_services import (
    disruption_activity_add,
    disruption_activity_open,
    disruption_activity_update,
)
from disruption.meeting_selectors import agenda_for, meeting_get
from disruption.meeting_services import agenda_item_disruption_add
from disruption.models import AgendaItem
from disruption.selectors import (
    intelligence_area_ids,
    intelligence_memberships,
    referrals_named,
)
from referrals.audited_reads import records_seen
from referrals.models import OPEN_STATES, Referral

from .disruption_forms import (
    REFERENCE,
    DisruptionAddForm,
    DisruptionLogFilterForm,
    DisruptionUpdateForm,
)
from .forms import service_write

LOG_PER_PAGE = 25
EXPIRING_LIMIT = 200


def _areas(request: HttpRequest) -> set[int]:
    """The areas whose intelligence the user works; no page at all for anyone else."""
    areas = intelligence_area_ids(user=request.user)
    if not areas:
        raise Http404("No such page")
    return areas


@login_required
@require_GET
def disruption_log_page(request: HttpRequest) -> HttpResponse:
    _areas(request)
    form = DisruptionLogFilterForm(request.GET, owners=disruption_owner_choices(user=request.user))
    rows = disruption_log(user=request.user, **form.filters())
    with transaction.atomic():
        page = Paginator(rows, LOG_PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)  # one query, shown and recorded alike
        records_seen(actor=request.user, records=page.object_list, request=request)
    filtered = any(v for k, v in request.GET.items() if k != "page")
    return render(
        request,
        "frontend/disruption/log.html",
        {"form": form, "page": page, "filtered": filtered},
    )


@login_required
@require_GET
def disruption_expiring_page(request: HttpRequest) -> HttpResponse:
    areas = _areas(request)
    today = timezone.localdate()
    with transaction.atomic():
        shown = list(activities_expiring(area_ids=areas, today=today)[:EXPIRING_LIMIT])
        records_seen(actor=request.user, records=shown, request=request)
    rows = [(a, (a.expires_on - today).days) for a in shown if a.expires_on]
    return render(request, "frontend/disruption/expiring.html", {"rows": rows})


def _referrals(request: HttpRequest, area_id: int, form: Form) -> list[Referral]:
    return referrals_named(
        user=request.user, references=form.cleaned_data["referrals"], area_id=area_id
    )


def _from_referral(request: HttpRequest) -> Referral | None:
    reference = request.GET.get("referral", "").strip().upper()
    if not reference:
        return None
    if not REFERENCE.fullmatch(reference):
        raise Http404("No open referral found")
    try:
        [referral] = referrals_named(user=request.user, references=[reference], open_only=True)
    except ValidationError as exc:
        raise Http404("No open referral found") from exc
    return referral


def _from_agenda_item(request: HttpRequest, areas: set[int]) -> AgendaItem | None:
    """The agenda item named by ?agenda_item=, when the user may see it on its meeting."""
    pk = request.GET.get("agenda_item", "")
    if not pk:
        return None
    item = (
        AgendaItem.objects.filter(pk=int(pk))
        .select_related("meeting", "referral__young_person", "node")
        .first()
        if pk.isdigit()
        else None
    )
    if item is None or item.meeting.area_id not in areas:
        raise Http404("No agenda item found")
    meeting = meeting_get(user=request.user, pk=item.meeting_id)
    if item.pk not in {shown.pk for shown in agenda_for(user=request.user, meeting=meeting)}:
        raise Http404("No agenda item found")
    return item


def _open(referral: Referral | None) -> Referral | None:
    return referral if referral is not None and referral.state in OPEN_STATES else None


def _area_for(request: HttpRequest, areas: set[int], referral: Referral | None) -> int:
    if referral is not None:
        return referral.area_id
    chosen = request.GET.get("area", "")
    if chosen.isdigit() and int(chosen) in areas:
        return int(chosen)
    if chosen:
        raise Http404("No area found")
    # The acting membership comes first among the user's memberships.
    return next(m.area_id for m in intelligence_memberships(user=request.user) if m.area_id)


@login_required
def disruption_add_page(request: HttpRequest) -> HttpResponse:
    """Log an activity. From a referral (?referral=R26-000123) it is preselected, and the
    entities linked to its young person are listed first. From a MACE meeting's agenda item
    (?agenda_item=<id>) its subject is preselected and the activity is named on the item."""
    areas = _areas(request)
    item = _from_agenda_item(request, areas)
    referral = _from_referral(request) if item is None else _open(item.referral)
    area_id = item.meeting.area_id if item else _area_for(request, areas, referral)
    linked = linked_entity_nodes(referral=referral) if referral else set()
    target = f"{item.node.kind}:{item.node.record.pk}" if item and item.node else ""
    form = DisruptionAddForm(
        request.POST if request.method == "POST" else None,
        initial={
            "referrals": [referral.reference] if referral else [],
            "status": "planned",
            "target": target,
        },
        user=request.user,
        area_id=area_id,
        linked=linked,
        linked_label=f"Linked to {referral.young_person}" if referral else "",
        owners=disruption_owner_memberships(area_id=area_id),
    )
    if request.method == "POST":
        activity = service_write(
            form,
            lambda: (agenda_item_disruption_add if item else disruption_activity_add)(
                actor=request.user,
                **(
                    form.cleaned_data
                    | {"referrals": _referrals(request, area_id, form)}
                    | ({"item": item} if item else {})
                ),
                request=request,
            ),
        )
        if activity is not None:
            messages.success(request, f"Disruption activity logged: {activity.tactic.label}")
            if item is not None:
                return redirect("frontend:meeting", pk=item.meeting_id)
            if referral is not None:
                return redirect("frontend:referral-detail", reference=referral.reference)
            return redirect("frontend:disruption-log")
    context = {"form": form, "referral": referral, "linked": bool(linked), "item": item}
    return render(request, "frontend/disruption/add.html", context)


@login_required
def disruption_update_page(request: HttpRequest, pk: int) -> HttpResponse:
    _areas(request)
    activity = disruption_activity_open(actor=request.user, pk=pk, request=request)
    form = DisruptionUpdateForm(
        request.POST if request.method == "POST" else None,
        initial=DisruptionUpdateForm.initial_for(activity),
        owners=disruption_owner_memberships(area_id=activity.area_id),
    )
    if request.method == "POST":
        changed = service_write(
            form,
            lambda: disruption_activity_update(
                activity=activity,
                actor=request.user,
                **(form.cleaned_data | {"referrals": _referrals(request, activity.area_id, form)}),
                request=request,
            ),
        )
        if changed is not None:
            messages.success(request, f"Disruption activity updated: {activity.tactic.label}")
            return redirect("frontend:disruption-log")
    context = {"form": form, "activity": activity}
    return render(request, "frontend/disruption/update.html", context)
