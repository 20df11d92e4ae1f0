"""The notification centre: the signed-in person's own notifications, and marking them read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from notifications.selectors import notifications_for
from notifications.services import notifications_mark_read

from .forms import MarkReadForm, NotificationFiltersForm

NOTIFICATIONS_PER_PAGE = 25


@login_required
@require_GET
def notification_centre_page(request: HttpRequest) -> HttpResponse:
    form = NotificationFiltersForm(request.GET)
    notifications = notifications_for(user=request.user, **form.filters())
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "unread_here": any(not n.read_at for n in page)}
    return render(request, "frontend/notifications.html", context)


@login_required
@require_POST
def notifications_mark_read_action(request: HttpRequest) -> HttpResponse:
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        raise BadRequest("; ".join(str(error) for error in form.non_field_errors()))
    # Only the actor's own notifications are marked: another person's id changes nothing.
    marked = notifications_mark_read(actor=request.user, ids=form.ids())
    if marked:
        noun = "notification" if marked == 1 else "notifications"
        messages.success(request, f"{marked} {noun} marked as read")
    return redirect(_centre_url(request.GET))


def _centre_url(shown: QueryDict) -> str:
    """Back to the notification centre with the filters and page the form was on (its
    address carries them), keeping only values the centre understands."""
    filters = NotificationFiltersForm(shown)
    filters.is_valid()
    query = QueryDict(mutable=True)
    if filters.cleaned_data.get("kind"):
        query["kind"] = filters.cleaned_data["kind"]
    if filters.cleaned_data.get("unread"):
        query["unread"] = "on"
    page = shown.get("page", "")
    if page.isdigit() and len(page) < 10:
        query["page"] = page
    url = reverse("frontend:notifications")
    return f"{url}?{query.urlencode()}" if query else url
