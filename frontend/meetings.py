"""Pages for MACE meetings: the list, scheduling, a meeting with its agenda, recording each
item's decision, and the minutes. Out of scope is 404; a role that may see but not write gets
403 from the service. Forms check what is typed, services the rules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from agencies.models import Agency, Area, Role
from agencies.selectors import membership_in
from disruption.meeting_selectors import (
    MINUTES_HIDDEN,
    agenda_for,
    meeting_chairs,
    meeting_get,
    meeting_people,
    meetings_for,
    minutes_visible,
)
from disruption.meeting_services import (
    AGENDA_KINDS,
    agenda_item_add,
    agenda_item_record,
    meeting_minutes_record,
    meeting_open,
    meeting_propose_agenda,
    meeting_schedule,
    meetings_seen,
)
from disruption.models import AgendaItem, Meeting, MeetingStatus, Node
from disruption.selectors import referrals_named
from referrals.audited_reads import records_seen
from referrals.selectors import action_owners, coordinated_areas

from .forms import service_write
from .meeting_forms import DecisionForm, ItemAddForm, MeetingScheduleForm, MinutesForm

MEETINGS_LIMIT = 100


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@login_required
def meeting_list_page(request: HttpRequest) -> HttpResponse:
    """The meetings the user may see (their areas', or those they attended), latest first."""
    shown = list(meetings_for(user=request.user)[:MEETINGS_LIMIT])
    meetings_seen(actor=request.user, meetings=shown, request=request)
    areas = Area.objects.filter(pk__in=coordinated_areas(user=request.user)).order_by("name")
    return render(
        request, "frontend/meetings/list.html", {"meetings": shown, "schedule_areas": areas}
    )


@login_required
def meeting_schedule_page(request: HttpRequest, ons_code: str) -> HttpResponse:
    area = get_object_or_404(Area, ons_code=ons_code)
    if membership_in(user=request.user, area_id=area.pk, roles=[Role.COORDINATOR]) is None:
        raise PermissionDenied("Only the area's coordinators schedule MACE meetings.")
    form = MeetingScheduleForm(
        _data(request),
        chairs=meeting_chairs(area_id=area.pk),
        people=meeting_people(area_id=area.pk),
        agencies=Agency.objects.filter(areas=area, is_active=True).order_by("name"),
        initial={"chair": request.user.pk},
    )
    scheduled = request.method == "POST" and service_write(
        form,
        lambda: meeting_schedule(actor=request.user, area=area, request=request, **form.chosen()),
    )
    if scheduled:
        when = timezone.localtime(scheduled.held_at)
        messages.success(request, f"Meeting scheduled for {when:%-d %B %Y at %H:%M}")
        return redirect("frontend:meeting", pk=scheduled.pk)
    return render(request, "frontend/meetings/schedule.html", {"form": form, "area": area})


@login_required
def meeting_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting, items = meeting_open(actor=request.user, pk=pk, request=request)
    coordinates = (
        membership_in(user=request.user, area_id=meeting.area_id, roles=[Role.COORDINATOR])
        is not None
    )
    started = meeting.held_at <= timezone.now()
    may_read_minutes = minutes_visible(user=request.user, meeting=meeting)
    context = {
        "meeting": meeting,
        "items": items,
        "agencies": meeting.agencies.order_by("name"),
        "attendees": meeting.attendees.order_by("last_name", "first_name"),
        "can_propose": coordinates and meeting.status == MeetingStatus.PLANNED,
        "can_decide": coordinates and started,
        "minutes_visible": may_read_minutes,
        "minutes_hidden": MINUTES_HIDDEN,
        "can_minute": coordinates and may_read_minutes and started,
    }
    return render(request, "frontend/meetings/meeting.html", context)


@login_required
@require_POST
def meeting_propose_action(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_get(user=request.user, pk=pk)
    try:
        added = meeting_propose_agenda(meeting=meeting, actor=request.user, request=request)
    except ValidationError as exc:  # held meanwhile: the page says so
        return render(
            request,
            "frontend/error.html",
            {"title": "The agenda is closed", "message": " ".join(exc.messages)},
            status=409,
        )
    messages.success(
        request,
        f"{len(added)} subject{'' if len(added) == 1 else 's'} added to the agenda"
        if added
        else "Nothing new to add: the agenda already holds every subject due for review",
    )
    return redirect("frontend:meeting", pk=meeting.pk)


def _item(request: HttpRequest, pk: int, item_pk: int) -> tuple[Meeting, AgendaItem]:
    meeting = meeting_get(user=request.user, pk=pk)
    item = next(
        (i for i in agenda_for(user=request.user, meeting=meeting) if i.pk == item_pk), None
    )
    if item is None:
        raise Http404("No agenda item found")
    return meeting, item


@login_required
def item_decision_page(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting, item = _item(request, pk, item_pk)
    if membership_in(user=request.user, area_id=meeting.area_id, roles=[Role.COORDINATOR]) is None:
        raise PermissionDenied("Only the area's coordinators record a meeting's decisions.")
    owners = action_owners(referral=item.referral) if item.referral else None
    form = DecisionForm(_data(request), owners=owners, area_id=meeting.area_id)
    if request.method == "POST" and service_write(
        form,
        lambda: agenda_item_record(
            item=item,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            next_review_on=form.cleaned_data["next_review_on"],
            actions=form.actions(),
            request=request,
        ),
    ):
        messages.success(request, "Decision recorded")
        return redirect("frontend:meeting", pk=meeting.pk)
    return render(
        request, "frontend/meetings/decision.html", {"form": form, "meeting": meeting, "item": item}
    )


@login_required
def minutes_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_get(user=request.user, pk=pk)
    if not minutes_visible(user=request.user, meeting=meeting):
        raise PermissionDenied(MINUTES_HIDDEN)
    form = MinutesForm(_data(request), initial={"minutes": meeting.minutes})
    if request.method == "POST" and service_write(
        form,
        lambda: meeting_minutes_record(
            meeting=meeting,
            actor=request.user,
            minutes=form.cleaned_data["minutes"],
            request=request,
        ),
    ):
        messages.success(request, "Minutes saved")
        return redirect("frontend:meeting", pk=meeting.pk)
    meetings_seen(actor=request.user, meetings=[meeting], request=request)  # the minutes so far
    return render(request, "frontend/meetings/minutes.html", {"form": form, "meeting": meeting})


@login_required
def item_add_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair (or another coordinator) adds a referral, person or location by hand."""
    meeting = meeting_get(user=request.user, pk=pk)
    if membership_in(user=request.user, area_id=meeting.area_id, roles=[Role.COORDINATOR]) is None:
        raise PermissionDenied("Only the area's coordinators add to a meeting's agenda.")
    entities = list(
        Node.objects.filter(area_id=meeting.area_id, kind__in=AGENDA_KINDS)
        .exclude(
            pk__in=AgendaItem.objects.filter(meeting=meeting, node__isnull=False).values("node_id")
        )
        .select_related("person", "location")
        .order_by("kind", "label", "id")
    )
    form = ItemAddForm(_data(request), entities=entities)

    def add() -> AgendaItem:
        reference, node_pk = form.cleaned_data["referral"], form.cleaned_data["node"]
        if reference:
            [referral] = referrals_named(
                user=request.user,
                references=[reference],
                area_id=meeting.area_id,
                open_only=True,
                error_field="referral",
            )
            return agenda_item_add(
                meeting=meeting, actor=request.user, referral=referral, request=request
            )
        node = next(n for n in entities if n.pk == node_pk)
        return agenda_item_add(meeting=meeting, actor=request.user, node=node, request=request)

    if request.method == "POST" and service_write(form, add):
        messages.success(request, "Added to the agenda")
        return redirect("frontend:meeting", pk=meeting.pk)
    records_seen(actor=request.user, records=[n.record for n in entities], request=request)
    return render(request, "frontend/meetings/item_add.html", {"form": form, "meeting": meeting})
