"""The home page: each role's own work, in blocks, with links to the full lists.

A person with several roles sees each role's blocks (a block two roles share, once). Every
record a block names goes through a selector that takes the user and is recorded as seen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from agencies.home_selectors import administered_area_figures
from agencies.models import Role
from agencies.selectors import active_memberships, active_roles
from disruption.home_selectors import expiring_orders, link_alerts_to_review, next_meetings
from records.selectors import reviews_waiting
from referrals.audited_reads import records_seen
from referrals.home_selectors import (
    Shown,
    actions_owned_by,
    cases_led_by,
    concerns_raised_by,
    emergency_access_to_review,
    first_rows,
    overdue_action_count,
    queue_counts,
)
from referrals.information_requests import (
    asked_values,
    information_requests_asked_of,
    information_requests_seen,
    to_asked,
)
from referrals.selectors import drafts_of
from reports.home_selectors import board_key_figures, national_returns_imported
from reports.services import report_viewed

from .navigation import other_pages_for
from .pagination import paginate

ROWS_PER_BLOCK = 5
RAISING_FIRST = {Role.PRACTITIONER, Role.AGENCY_SAFEGUARDING_LEAD}

Block = Callable[[HttpRequest], dict[str, Any]]


def _raised(request: HttpRequest) -> dict[str, Any]:
    return {"raised": concerns_raised_by(user=request.user, limit=ROWS_PER_BLOCK)}


def _queue(request: HttpRequest) -> dict[str, Any]:
    return {
        "queue": queue_counts(user=request.user),
        "overdue_actions": overdue_action_count(user=request.user),
        "emergency_access": emergency_access_to_review(user=request.user),
    }


def _cases(request: HttpRequest) -> dict[str, Any]:
    return {"cases": first_rows(cases_led_by(user=request.user), ROWS_PER_BLOCK)}


def _actions(request: HttpRequest) -> dict[str, Any]:
    return {"actions": first_rows(actions_owned_by(user=request.user), ROWS_PER_BLOCK)}


def _information(request: HttpRequest) -> dict[str, Any]:
    """Requests to the user's agency: they may see nothing else of those cases, so the rows
    are the requests' own projection, recorded as seen here."""
    asked_of = information_requests_asked_of(user=request.user)
    shown = first_rows(asked_values(asked_of), ROWS_PER_BLOCK)
    rows = [to_asked(row) for row in shown.rows]
    information_requests_seen(actor=request.user, shown=rows, request=request)
    return {"information": Shown(rows, shown.total)}


def _alerts(request: HttpRequest) -> dict[str, Any]:
    return {"alerts": link_alerts_to_review(user=request.user, limit=3)}


def _expiring(request: HttpRequest) -> dict[str, Any]:
    return {
        "expiring": expiring_orders(
            user=request.user, today=timezone.localdate(), limit=ROWS_PER_BLOCK
        )
    }


def _meetings(request: HttpRequest) -> dict[str, Any]:
    return {"meetings": next_meetings(user=request.user, now=timezone.now(), limit=3)}


def _retention(request: HttpRequest) -> dict[str, Any]:
    return {"retention": reviews_waiting(user=request.user)}


def _figures(request: HttpRequest) -> dict[str, Any]:
    figures = board_key_figures(user=request.user, today=timezone.localdate())
    for shown in figures:
        report_viewed(
            actor=request.user, area=shown.area, period=shown.period, request=request, report="home"
        )
    return {"figures": figures}


def _administration(request: HttpRequest) -> dict[str, Any]:
    return {"administered": administered_area_figures(user=request.user)}


def _national(request: HttpRequest) -> dict[str, Any]:
    return {"returns": national_returns_imported(user=request.user, limit=ROWS_PER_BLOCK)}


# Each role's blocks, in the order they appear; the template is frontend/home/<name>.html.
BLOCKS: dict[str, Block | None] = {
    "queue": _queue,
    "cases": _cases,
    "actions": _actions,
    "information": _information,
    "alerts": _alerts,
    "expiring": _expiring,
    "meetings": _meetings,
    "retention": _retention,
    "raised": _raised,
    "drafts": None,  # read for everyone: see home()
    "figures": _figures,
    "administration": _administration,
    "national": _national,
}
ROLE_BLOCKS: dict[Role, tuple[str, ...]] = {
    Role.PRACTITIONER: ("raised", "drafts"),
    Role.AGENCY_SAFEGUARDING_LEAD: ("information", "raised", "drafts"),
    Role.COORDINATOR: ("queue", "alerts", "expiring", "retention"),
    Role.LEAD_PROFESSIONAL: ("cases", "actions", "information"),
    Role.POLICE_LEAD: ("alerts", "expiring", "meetings", "retention"),
    Role.BOARD_MEMBER: ("figures",),
    Role.AREA_ADMINISTRATOR: ("administration",),
    Role.NATIONAL_ANALYST: ("national",),
}


def blocks_for(roles: set[Role]) -> list[str]:
    """The blocks of every role held, in the page's order, each once."""
    wanted = {name for role in roles for name in ROLE_BLOCKS[role]}
    return [name for name in BLOCKS if name in wanted]


def _records_in(context: dict[str, Any]) -> list[models.Model]:
    """The records the blocks name (not the figures): each is recorded as seen."""
    lists = [context.get(name) for name in ("raised", "cases", "actions", "alerts", "expiring")]
    records: list[models.Model] = [row for shown in lists if shown for row in shown.rows]
    meetings = context.get("meetings")
    return records + (meetings.rows if meetings else [])


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "frontend/home.html", {})
    roles = active_roles(user=request.user)
    blocks = blocks_for(roles)
    drafts = list(drafts_of(user=request.user))
    if drafts and "drafts" not in blocks:  # a concern started in any role is never hidden
        blocks.append("drafts")
    context: dict[str, Any] = {
        "blocks": [f"frontend/home/{name}.html" for name in blocks],
        "drafts": drafts,
        "memberships": active_memberships(user=request.user),
        "other_pages": other_pages_for(user=request.user),
        "today": timezone.localdate(),
        # Raising concerns is a practitioner's main task; other roles raise one now and then.
        "raise_first": request.user.has_perm("referrals.raise_concern")
        and bool(roles & RAISING_FIRST),
    }
    # Not one transaction: a board's figures are recorded as read in a durable one of their own.
    for name in blocks:
        load = BLOCKS[name]
        if load is not None:
            context |= load(request)
    records_seen(actor=request.user, records=_records_in(context), request=request)
    return render(request, "frontend/home.html", context)


def _own_list(request: HttpRequest, rows: QuerySet[Any], template: str) -> HttpResponse:
    """One page of a list of the user's own work (a home block's full list), recorded as seen."""
    pages = paginate(request, rows)  # one query, shown and recorded alike
    records_seen(actor=request.user, records=pages.rows, request=request)
    context = {"pages": pages, "today": timezone.localdate()}
    return render(request, f"frontend/home/{template}", context)


@login_required
def my_cases_page(request: HttpRequest) -> HttpResponse:
    return _own_list(request, cases_led_by(user=request.user), "my_cases.html")


@login_required
def my_actions_page(request: HttpRequest) -> HttpResponse:
    return _own_list(request, actions_owned_by(user=request.user), "my_actions.html")
