"""Notification settings: how the signed-in person is emailed about each kind of notification."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from notifications.models import ALWAYS_URGENT, Delivery, NotificationKind
from notifications.selectors import notification_preferences
from notifications.services import notification_preferences_update

from .forms import service_write

SAVED = "Your notification settings have been saved."


class NotificationSettingsForm(forms.Form):
    """One question per kind a person may choose for; always-urgent kinds are not a choice."""

    def __init__(self, *args: object, current: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for kind in NotificationKind:
            if kind in ALWAYS_URGENT:
                continue
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=current[kind.value],
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose how to be emailed: {kind.label.lower()}",
                    "invalid_choice": f"Choose how to be emailed: {kind.label.lower()}",
                },
            )


@login_required
def notification_settings_page(request: HttpRequest) -> HttpResponse:
    current = notification_preferences(user=request.user)
    form = NotificationSettingsForm(request.POST or None, current=current)
    if request.method == "POST" and (
        service_write(
            form,
            lambda: notification_preferences_update(actor=request.user, changes=form.cleaned_data),
        )
        is not None
    ):
        messages.success(request, SAVED)
        return redirect("frontend:notification-settings")
    always = [kind.label for kind in NotificationKind if kind in ALWAYS_URGENT]
    context = {"form": form, "always_urgent": always}
    return render(request, "frontend/notifications/settings.html", context)
