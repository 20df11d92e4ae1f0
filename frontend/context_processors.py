from typing import Any

from django.conf import settings
from django.http import HttpRequest

from agencies.selectors import active_memberships
from notifications.selectors import notifications_summary

from .navigation import navigation_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    items = navigation_for(user=request.user, current_path=request.path)
    context: dict[str, Any] = {"service_name": settings.SERVICE_NAME, "navigation": items}
    if items:  # signed in with the second factor done: the page opens the live stream
        unread, latest = notifications_summary(user=request.user)
        context["live"] = {"unread": unread, "latest": latest}
        # Someone with several roles changes the one they act in from the account links.
        context["several_roles"] = len(active_memberships(user=request.user)) > 1
    return context
