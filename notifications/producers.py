"""Who is told of each event as it happens, and in what words.

One function per event: it chooses the recipients, keeps only those the access rules let see
what it is about, leaves out whoever acted, and calls `notify` inside the change's own
transaction. Titles and bodies name references, agencies, areas and labels only: never a young
person's personal details, and never intelligence, another agency's notes or the free text of
a reason. The timed notifications (due soon, overdue, escalation) are not made here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from agencies.models import Area, Membership, Role, User
from agencies.selectors import lockout_episode, with_active_memberships
from disruption.models import LinkAlert, NodeKind
from disruption.selectors import link_alerts_for
from referrals.information_requests import information_request_answerers
from referrals.models import (
    BreakGlassAccess,
    ClosureOutcome,
    Decision,
    InformationRequest,
    InformationRequestStatus,
    MissingEpisode,
    NRMReferral,
    ProtectiveAction,
    Rag,
    Referral,
    ReferralAssignment,
    ReferralState,
    Section47Enquiry,
    StrategyDiscussion,
)
from referrals.selectors import ReferralAccess, referral_access
from referrals.steps import STEP_EFFECTS

from .models import NotificationKind
from .out_of_hours import concern_out_of_hours  # noqa: F401 - a step's declaration names it
from .services import notify

# --- recipients ------------------------------------------------------------------------------


def _holders(*roles: Role, area_id: int | None = None, agency_id: int | None = None) -> list[User]:
    """Active people holding an active membership in one of `roles` (of that area, agency)."""
    memberships = Membership.objects.filter(role__in=roles, is_active=True).exclude(
        agency__is_active=False  # a deactivated agency grants nothing
    )
    if area_id is not None:
        memberships = memberships.filter(area_id=area_id)
    if agency_id is not None:
        memberships = memberships.filter(agency_id=agency_id)
    return list(
        User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by("pk")
    )


def _coordinators(area_id: int) -> list[User]:
    return _holders(Role.COORDINATOR, area_id=area_id)


def _current_leads(referral: Referral) -> list[User]:
    """The lead professionals named on the referral now."""
    named = ReferralAssignment.objects.filter(
        referral=referral, ended_at__isnull=True, lead_professional__isnull=False
    )
    return list(User.objects.filter(pk__in=named.values("lead_professional_id")).order_by("pk"))


def _who_may_see(users: Iterable[Any], referral: Referral, *, actor: Any = None) -> list[Any]:
    """Those of `users` the access rules let see `referral`, less the one who acted."""
    people = list({u.pk: u for u in users if actor is None or u.pk != actor.pk}.values())
    with_active_memberships(users=people)
    return [
        u for u in people if referral_access(user=u, referral=referral) is not ReferralAccess.NONE
    ]


# --- words -----------------------------------------------------------------------------------


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M on %A %-d %B %Y}"


def _referral_url(referral: Referral) -> str:
    return reverse("frontend:referral-detail", args=[referral.reference])


def _occurrence(referral: Referral) -> int:
    """The timeline entry of the step just taken: a step taken again (a second decision
    after a reopening) is another event to tell of."""
    latest = referral.events.order_by("-pk").values_list("pk", flat=True).first()
    return latest or 0


def _tell(
    referral: Referral,
    recipients: list[Any],
    kind: NotificationKind,
    key: str,
    title: str,
    body: str = "",
    *,
    urgent: bool = False,
    url: str = "",
    area_id: int | None = None,
) -> None:
    notify(
        recipients=recipients,
        kind=kind,
        event_key=key,
        title=title,
        body=body,
        url=url or _referral_url(referral),
        urgent=urgent,
        area_id=area_id or referral.area_id,
        referral_id=referral.pk,
    )


# --- the referral's steps --------------------------------------------------------------------


def concern_submitted(*, referral: Referral, actor: Any) -> None:
    """The area's coordinators: a new concern to triage, urgent when in immediate danger."""
    urgent = bool(referral.immediate_danger)
    title = f"Concern {referral.reference} submitted"
    if urgent:
        title += ": immediate danger, rated Red"
    due = referral.due_at
    body = f"Raised by {referral.raised_by_agency.name}."
    if due is not None:
        body += f" A triage decision is due by {_when(due)}."
    _tell(
        referral,
        _who_may_see(_coordinators(referral.area_id), referral, actor=actor),
        NotificationKind.CONCERN_SUBMITTED,
        f"concern_submitted:{referral.pk}",
        title,
        body,
        urgent=urgent,
    )


def concern_acknowledged(*, referral: Referral, actor: Any) -> None:
    """The referrer: their concern reached the area's coordinators (a statutory expectation,
    so the referrer is told even though they acted)."""
    count = len(_coordinators(referral.area_id))
    who = "coordinator" if count == 1 else "coordinators"
    _tell(
        referral,
        _who_may_see([referral.raised_by], referral),
        NotificationKind.REFERRAL_ACKNOWLEDGED,
        f"concern_acknowledged:{referral.pk}",
        f"Your concern {referral.reference} was received by the area's {who}",
        "A coordinator will decide what happens next. You will be told of the decision.",
    )


def concern_rated_red(*, referral: Referral, actor: Any) -> None:
    """The area's coordinators, urgently: a concern rated Red, with its deadline."""
    if referral.rag != Rag.RED or referral.rag_due_at is None:
        return
    hours = referral.area.rag_red_working_hours
    _tell(
        referral,
        _who_may_see(_coordinators(referral.area_id), referral, actor=actor),
        NotificationKind.CONCERN_SUBMITTED,
        f"concern_rated_red:{referral.pk}:{_occurrence(referral)}",
        f"Concern {referral.reference} rated Red",
        f"A decision is due within {hours} working hours: by {_when(referral.rag_due_at)}.",
        urgent=True,
    )


def _tell_referrer(
    referral: Referral, actor: Any, kind: NotificationKind, title: str, body: str = ""
) -> None:
    """The practitioner who raised the concern, told in their own terms."""
    _tell(
        referral,
        _who_may_see([referral.raised_by], referral, actor=actor),
        kind,
        f"{kind.value}:{referral.pk}:{_occurrence(referral)}",
        title,
        body,
    )


def referral_decided(*, referral: Referral, actor: Any) -> None:
    closed = referral.state == ReferralState.CLOSED
    _tell_referrer(
        referral,
        actor,
        NotificationKind.REFERRAL_DECIDED,
        f"Decision on your concern {referral.reference}: {Decision(referral.decision).label}",
        "The referral is now closed."
        if closed
        else "The referral stays open while the agencies work on it.",
    )


def referral_closed(*, referral: Referral, actor: Any) -> None:
    """Closed with an outcome, or moved to another area (accepting a transfer closes it)."""
    outcome = ClosureOutcome(referral.outcome).label
    _tell_referrer(
        referral,
        actor,
        NotificationKind.REFERRAL_CLOSED,
        f"Referral {referral.reference} you raised is closed: {outcome.lower()}",
    )


def referral_merged(*, referral: Referral, actor: Any) -> None:
    _tell_referrer(
        referral,
        actor,
        NotificationKind.REFERRAL_CLOSED,
        f"Referral {referral.reference} you raised is closed as a duplicate",
        "Another referral already carries this work on.",
    )


def lead_assigned(*, referral: Referral, actor: Any) -> None:
    """The lead professional named by the step (nobody when the agency alone was named)."""
    assignment = referral.current_assignments.order_by("-pk").first()
    if assignment is None or assignment.lead_professional is None:
        return
    _tell(
        referral,
        _who_may_see([assignment.lead_professional], referral, actor=actor),
        NotificationKind.LEAD_ASSIGNED,
        f"lead_assigned:{assignment.pk}",
        f"You are the lead professional for {assignment.agency.name} on referral "
        f"{referral.reference}",
    )


def _information_request_url(pk: int) -> str:
    return reverse("frontend:information-request", args=[pk])


def information_requested(*, referral: Referral, actor: Any) -> None:
    """Those who answer for the agency asked: its safeguarding leads in the area and the lead
    professional named for it on the referral. They read the request, not the case."""
    request = (
        referral.information_requests.select_related("agency", "referral").order_by("-pk").first()
    )
    if request is None:
        return
    told = information_request_answerers(requests=[request])[request.pk]
    _tell(
        referral,
        [u for u in told if u.pk != actor.pk],
        NotificationKind.INFORMATION_REQUESTED,
        f"information_requested:{request.pk}",
        f"Information requested from {request.agency.name} on referral {referral.reference}",
        f"Reply by {request.due_on:%-d %B %Y}.",
        url=_information_request_url(request.pk),
    )


def information_request_answered(*, information_request: InformationRequest, actor: Any) -> None:
    """Whoever asked, and the area's coordinators, while they see the case."""
    referral = information_request.referral
    answered = information_request.status == InformationRequestStatus.ANSWERED
    kind = (
        NotificationKind.INFORMATION_PROVIDED if answered else NotificationKind.INFORMATION_DECLINED
    )
    agency = information_request.agency.name
    _tell(
        referral,
        _who_may_see(
            [information_request.requested_by, *_coordinators(referral.area_id)],
            referral,
            actor=actor,
        ),
        kind,
        f"{kind.value}:{information_request.pk}",
        f"Information provided by {agency} on referral {referral.reference}"
        if answered
        else f"{agency} declined a request for information on referral {referral.reference}",
        "Read it under the plan on the referral." if answered else "Read why on the referral.",
        url=f"{_referral_url(referral)}#plan",
    )


def transfer_offered(*, referral: Referral, actor: Any) -> None:
    """The receiving area's coordinators."""
    receiving = referral.transfer_to_area
    if receiving is None:
        return
    _tell(
        referral,
        _who_may_see(_coordinators(receiving.pk), referral, actor=actor),
        NotificationKind.TRANSFER_OFFERED,
        f"transfer_offered:{referral.pk}:{_occurrence(referral)}",
        f"Transfer offered to your area: referral {referral.reference}",
        f"{referral.area.name} asks your area to take the case. Accept or decline it.",
        area_id=receiving.pk,
    )


def _tell_sending_area(
    referral: Referral, actor: Any, kind: NotificationKind, title: str, body: str = ""
) -> None:
    _tell(
        referral,
        _who_may_see(_coordinators(referral.area_id), referral, actor=actor),
        kind,
        f"{kind.value}:{referral.pk}:{_occurrence(referral)}",
        title,
        body,
    )


def transfer_accepted(*, referral: Referral, actor: Any) -> None:
    receiving = referral.transfer_to_area
    by = f" by {receiving.name}" if receiving is not None else ""
    _tell_sending_area(
        referral,
        actor,
        NotificationKind.TRANSFER_ACCEPTED,
        f"Transfer of referral {referral.reference} accepted{by}",
        "The receiving area now holds the case; this referral is closed.",
    )


def transfer_declined(*, referral: Referral, actor: Any) -> None:
    state = ReferralState(referral.state).label.lower()
    _tell_sending_area(
        referral,
        actor,
        NotificationKind.TRANSFER_DECLINED,
        f"Transfer of referral {referral.reference} declined",
        f"The case stays with your area ({state}).",
    )


def step_taken(*, referral: Referral, actor: Any, transition: str) -> None:
    """Whoever the step's declaration names (`referrals.steps`; see docs/notifications.md)."""
    for name in STEP_EFFECTS[transition].notify:
        produce: Callable[..., None] = globals()[name]
        produce(referral=referral, actor=actor)


# --- casework --------------------------------------------------------------------------------


def action_assigned(*, action: ProtectiveAction, actor: Any) -> None:
    """The action's owner."""
    referral = action.referral
    _tell(
        referral,
        _who_may_see([action.owner], referral, actor=actor),
        NotificationKind.ACTION_ASSIGNED,
        f"action_assigned:{action.pk}:{action.owner_id}",
        f"Protective action on referral {referral.reference}: {action.action_type.label}",
        f"Assigned to you, due by {action.due_on:%-d %B %Y}.",
    )


def action_owner_changed(*, action: ProtectiveAction, actor: Any, event: Any) -> None:
    """The new owner, told once for each time the action is given to them."""
    referral = action.referral
    _tell(
        referral,
        _who_may_see([action.owner], referral, actor=actor),
        NotificationKind.ACTION_ASSIGNED,
        f"action_owner_changed:{action.pk}:{event.pk}",
        f"Protective action on referral {referral.reference} passed to you: "
        f"{action.action_type.label}",
        f"You now own it, due by {action.due_on:%-d %B %Y}.",
    )


def _missing_people(episode: MissingEpisode, actor: Any) -> list[Any]:
    """The area's coordinators and the lead professionals named on the referral."""
    referral = episode.referral
    people = [*_coordinators(referral.area_id), *_current_leads(referral)]
    return _who_may_see(people, referral, actor=actor)


def missing_reported(*, episode: MissingEpisode, actor: Any) -> None:
    referral = episode.referral
    _tell(
        referral,
        _missing_people(episode, actor),
        NotificationKind.MISSING_REPORTED,
        f"missing_reported:{episode.pk}",
        f"Young person on referral {referral.reference} reported missing",
        f"Missing since {_when(episode.started_at)}.",
        urgent=True,
    )


def return_interview_due(*, episode: MissingEpisode, actor: Any) -> None:
    referral = episode.referral
    if episode.interview_due_at is None:
        return
    _tell(
        referral,
        _missing_people(episode, actor),
        NotificationKind.RETURN_INTERVIEW_DUE,
        f"return_interview_due:{episode.pk}",
        f"Return home interview due by {_when(episode.interview_due_at)}",
        f"The young person on referral {referral.reference} is back. "
        "Record the interview, or why none was held.",
    )


def _statutory_news(record: Any, previous: dict[str, Any] | None) -> tuple[str, str] | None:
    """(what happened, its key) when the record says something the case's people must act on:
    a section 47 enquiry to follow, an enquiry's finding, an NRM decision. None otherwise."""
    before = previous or {}
    if isinstance(record, StrategyDiscussion):
        if record.section_47 and not before.get("section_47"):
            return "A strategy discussion decided on a section 47 enquiry", "s47_decided"
    elif isinstance(record, Section47Enquiry):
        if record.outcome and record.outcome != before.get("section_47_outcome"):
            return f"Section 47 enquiry: {record.get_outcome_display()}", record.outcome
    elif isinstance(record, NRMReferral):
        for field, words in (
            ("conclusive_grounds", "conclusive grounds"),
            ("reasonable_grounds", "reasonable grounds"),
        ):
            decision = getattr(record, field)
            if decision and decision != before.get(field):
                return f"NRM {words} decision: {decision}", f"{field}:{decision}"
    return None


def statutory_step_recorded(*, record: Any, actor: Any, previous: dict[str, Any] | None) -> None:
    """The area's coordinators and the lead professionals named on the referral, when a
    statutory step moves the case on (nothing about what was said or who took part)."""
    news = _statutory_news(record, previous)
    if news is None:
        return
    what, key = news
    referral = record.referral
    _tell(
        referral,
        _who_may_see(
            [*_coordinators(referral.area_id), *_current_leads(referral)], referral, actor=actor
        ),
        NotificationKind.STATUTORY_STEP,
        f"statutory_step:{type(record).__name__}:{record.pk}:{key}",
        f"Referral {referral.reference}: {what}",
    )


def break_glass_opened(*, access: BreakGlassAccess) -> None:
    """The area's coordinators, urgently, to review it (the person who opened it is not told).
    A coordinator of another area opening it is said so in the title."""
    referral = access.referral
    opener = access.user
    agency = access.membership.agency
    who = opener.get_full_name() or opener.get_username()
    elsewhere = access.membership.area_id != referral.area_id
    _tell(
        referral,
        _who_may_see(_coordinators(referral.area_id), referral, actor=opener),
        NotificationKind.BREAK_GLASS,
        f"break_glass:{access.pk}",
        f"Emergency access {'from another area ' if elsewhere else ''}to referral "
        f"{referral.reference}",
        f"{who}{f' ({agency.name})' if agency else ''}"
        f"{f', a coordinator of {access.membership.area}' if elsewhere else ''}, opened it "
        f"until {_when(access.expires_at)}. Review the access and its reason.",
        urgent=True,
        url=reverse("frontend:break-glass-review"),
    )


# --- intelligence and accounts ---------------------------------------------------------------


def link_alert_raised(*, alert: LinkAlert) -> None:
    """Whoever link_alerts_for shows the alert to: the area's coordinators and police leads,
    or, for an alert naming another area's records, that police force's leads alone."""
    if alert.police_agency_id is not None:
        candidates = _holders(Role.POLICE_LEAD, agency_id=alert.police_agency_id)
    else:
        candidates = _holders(Role.COORDINATOR, Role.POLICE_LEAD, area_id=alert.area_id)
    with_active_memberships(users=candidates)
    told = [u for u in candidates if link_alerts_for(user=u).filter(pk=alert.pk).exists()]
    kind = NodeKind(alert.node.kind).label
    people = f"{alert.young_people} young {'person' if alert.young_people == 1 else 'people'}"
    notify(
        recipients=told,
        kind=NotificationKind.LINK_ALERT,
        event_key=f"link_alert:{alert.pk}",
        title=f"Link alert in {alert.area.name}: {kind.lower()} linked to {people}",
        body="Open the link alerts to see the records and why they were matched.",
        url=reverse("frontend:link-alerts"),
        area_id=alert.area_id,
    )


def account_locked_out(*, username: str) -> None:
    """The area administrators of each area where the account has an active role; nobody when
    no account has that username."""
    account = User.objects.filter(username=username).first()
    if account is None:
        return
    episode = lockout_episode(username=username)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    areas = Area.objects.filter(memberships__user=account, memberships__is_active=True).distinct()
    for area in areas.order_by("pk"):
        administrators = [
            u for u in _holders(Role.AREA_ADMINISTRATOR, area_id=area.pk) if u.pk != account.pk
        ]
        notify(
            recipients=administrators,
            kind=NotificationKind.LOCKOUT,
            event_key=f"lockout:{account.pk}:{episode or 0}",
            title=f"Account locked out: {account.get_username()}",
            body=f"{account.get_full_name() or account.get_username()} is locked out for "
            f"{minutes} minutes after repeated failed sign-in attempts. Unlock the account "
            "if they need to sign in sooner.",
            url=reverse("frontend:admin-lockouts", args=[area.ons_code]),
            area_id=area.pk,
        )
