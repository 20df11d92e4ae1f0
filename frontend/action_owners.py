"""The page that gives a protective action to another owner (referrals.action_owners)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from agencies.models import User
from referrals.action_owners import action_owner_change
from referrals.models import ActionStatus
from referrals.selectors import action_owners, actions_for

from .casework import _back, _data, _for_casework, _page
from .forms import ActionOwnerForm, service_write


@login_required
def action_owner_page(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    referral = _for_casework(request, reference)
    action = get_object_or_404(actions_for(referral=referral), pk=pk, status=ActionStatus.OPEN)
    owners = [m for m in action_owners(referral=referral) if m.user_id != action.owner_id]
    form = ActionOwnerForm(_data(request), owners=owners)
    form.fields["owner"].label = "Who should own it now?"
    if request.method == "POST" and service_write(
        form,
        lambda: action_owner_change(
            # login_required: never anonymous here
            action=action,
            actor=cast(User, request.user),
            owner=form.cleaned_data["owner"],
        ),
    ):
        owner = form.cleaned_data["owner"]
        messages.success(
            request,
            f"{action.action_type} now owned by {owner.get_full_name()}: they have been told",
        )
        return _back(referral)
    current = f"{action.owner.get_full_name()} ({action.owner_agency})"
    intro = f"Owned by {current}, due by {action.due_on:%-d %B %Y}."
    return _page(
        request,
        referral,
        form,
        f"Change the owner: {action.action_type}",
        "Change the owner",
        intro=intro,
    )
