"""Timers: what is due soon or overdue, told once to whoever must act, then escalated.

`timers_run(now=)` runs every minute (CELERY_BEAT_SCHEDULE: Celery beat, or the in-process
ticker when there is no Redis). Each deadline is read with one query across every area, and
each message has an event key naming the object, its deadline and the level, so a run that
repeats (or races another) tells nobody twice: `notify` skips anyone who already has the key.
Moving a deadline (a new RAG rating, a new due date) makes new keys, so the new deadline is
told again.

Working time is weekdays 09:00 to 17:00, less England and Wales bank holidays
(`referrals.working_time`). Something still overdue `escalation_working_hours` of working time
after its deadline escalates to the area's named manager (else its coordinators), and again
after each further interval: level 1, 2, 3... up to the area's `escalation_max_repeats`; the
interval after the last, the same people get one final notice and the chain stops.

Recipients follow the access rules: only people who see the referral (or, for disruption, the
area's intelligence) are told. Titles and bodies name references, never the young person.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.urls import reverse

from agencies.models import Role, User
from agencies.selectors import AREA_OVERSIGHT_ROLES
from disruption.activity_selectors import activities_due_reminder
from referrals.information_requests import information_request_answerers
from referrals.models import (
    InformationRequest,
    MissingEpisode,
    ProtectiveAction,
    Rag,
    Referral,
)
from referrals.working_time import (
    LONDON,
    add_working_hours,
    next_working_day,
    working_time_between,
)

from . import selectors
from .models import NotificationKind
from .services import notify

logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key for a run ("SHtime"): a second worker finds it taken and skips.
LOCK_KEY = 0x5348_7469_6D65


@dataclass(frozen=True)
class Sent:
    """One event told to `recipients` people who had not been told of it yet."""

    kind: str
    event_key: str
    recipients: int


@dataclass(frozen=True)
class PlanDate:
    """A plan's date deadline: its words, its overdue kind and its escalation subject."""

    what: str
    overdue: NotificationKind
    subject: str


PLAN_DATES = {
    NotificationKind.REVIEW_DUE: PlanDate("review", NotificationKind.REVIEW_OVERDUE, "review"),
    NotificationKind.RISK_REASSESSMENT_DUE: PlanDate(
        "risk reassessment", NotificationKind.RISK_REASSESSMENT_OVERDUE, "risk_reassessment"
    ),
}


def timers_run(*, now: datetime) -> list[Sent] | None:
    """Check every deadline once, in one transaction holding the timers' advisory lock.
    None when another worker holds it (that run does the same work)."""
    with transaction.atomic(durable=True):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
            (locked,) = cursor.fetchone()
        if not locked:
            logger.info("timers: another run is in progress; skipped")
            return None
        return timers_check(now=now)


def timers_check(*, now: datetime) -> list[Sent]:
    """Tell everyone what is due soon or overdue at `now`, and escalate. Idempotent without
    the lock too (event keys). Call inside a transaction: the notifications commit together."""
    return _Run(now).check()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _when(moment: datetime) -> str:
    local = moment.astimezone(LONDON)
    return f"{local:%H:%M} on {_day(local.date())}"


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _end_of(day: date) -> datetime:
    """The moment a date deadline has passed: midnight after it, in England."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=LONDON)


def _referral_url(reference: str) -> str:
    return reverse("frontend:referral-detail", args=[reference])


class _Reach:
    """Who may be told about what, from three reads across every area involved."""

    def __init__(self, *, area_ids: set[int], referral_ids: set[int]) -> None:
        self.by_role: dict[tuple[int, str], dict[int, User]] = defaultdict(dict)
        for m in selectors.area_overseers(area_ids=area_ids):
            self.by_role[(m.area_id or 0, m.role)][m.user_id] = m.user
        self.lead_places: set[tuple[int, int, int]] = set()  # (user, area, agency)
        self.lead_users: dict[tuple[int, int], User] = {}  # (user, area)
        for m in selectors.lead_professional_memberships(area_ids=area_ids):
            self.lead_places.add((m.user_id, m.area_id or 0, m.agency_id or 0))
            self.lead_users[(m.user_id, m.area_id or 0)] = m.user
        self.named: dict[int, set[int]] = defaultdict(set)  # referral: named lead professionals
        self.agencies: dict[int, set[int]] = defaultdict(set)  # referral: agencies named
        for a in selectors.current_assignments(referral_ids=referral_ids):
            self.agencies[a.referral_id].add(a.agency_id)
            if a.lead_professional_id is not None:
                self.named[a.referral_id].add(a.lead_professional_id)

    def role(self, area_id: int, role: Role) -> list[User]:
        return list(self.by_role[(area_id, role)].values())

    def coordinators(self, area_id: int) -> list[User]:
        return self.role(area_id, Role.COORDINATOR)

    def oversees(self, user_id: int, area_id: int) -> bool:
        """Sees every submitted referral and the intelligence of the area."""
        return any(user_id in self.by_role[(area_id, role)] for role in AREA_OVERSIGHT_ROLES)

    def lead_professionals(self, referral_id: int, area_id: int) -> list[User]:
        """The referral's named lead professionals who still work in its area as such."""
        return [
            self.lead_users[(pk, area_id)]
            for pk in sorted(self.named[referral_id])
            if (pk, area_id) in self.lead_users
        ]

    def sees_case(self, user_id: int, referral_id: int, area_id: int) -> bool:
        """Sees the referral in full: an overseer of its area, a named lead professional, or a
        lead professional of an agency named on it."""
        return (
            self.oversees(user_id, area_id)
            or (user_id in self.named[referral_id] and (user_id, area_id) in self.lead_users)
            or any(
                (user_id, area_id, agency) in self.lead_places
                for agency in self.agencies[referral_id]
            )
        )

    def user(self, user_id: int, area_id: int) -> User | None:
        for role in AREA_OVERSIGHT_ROLES:
            if user_id in self.by_role[(area_id, role)]:
                return self.by_role[(area_id, role)][user_id]
        return self.lead_users.get((user_id, area_id))


class _Run:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.today = now.astimezone(LONDON).date()
        self.sent: list[Sent] = []

    def check(self) -> list[Sent]:
        self.areas = selectors.timer_areas()
        # The latest deadline that is "due soon" now, for each due-soon setting in use.
        self.soon_until = {
            hours: add_working_hours(self.now, hours)
            for hours in {a.due_soon_working_hours for a in self.areas.values()}
        }
        # The date window for "due soon": today or the next working day.
        window_end = next_working_day(self.today)
        triage = list(
            selectors.triage_deadlines(until=max(self.soon_until.values(), default=self.now))
        )
        actions = list(selectors.actions_due(until=window_end))
        reviews = list(selectors.plan_dates_due(field="next_review_due_on", until=window_end))
        risks = list(selectors.plan_dates_due(field="risk_reassessment_due_on", until=window_end))
        interviews = list(selectors.return_interviews_overdue(now=self.now))
        activities = list(activities_due_reminder(today=self.today))
        asked = list(selectors.information_requests_due(until=window_end))
        self.answerers = information_request_answerers(requests=asked)
        self.reach = _Reach(
            area_ids=set(self.areas),
            referral_ids={a.referral_id for a in actions}
            | {r.pk for r in reviews}
            | {r.pk for r in risks}
            | {e.referral_id for e in interviews},
        )
        for referral in triage:
            self.triage(referral)
        for action in actions:
            self.action(action)
        for referral in reviews:
            self.plan_date(referral, referral.next_review_due_on, NotificationKind.REVIEW_DUE)
        for referral in risks:
            self.plan_date(
                referral, referral.risk_reassessment_due_on, NotificationKind.RISK_REASSESSMENT_DUE
            )
        for episode in interviews:
            self.return_interview(episode)
        for information_request in asked:
            self.information_request(information_request)
        for activity in activities:
            self.expiring(activity)
        return self.sent

    def tell(
        self, recipients: list[User], kind: NotificationKind, event_key: str, **fields: Any
    ) -> None:
        created = notify(recipients=recipients, kind=kind, event_key=event_key, **fields)
        if created:
            self.sent.append(Sent(kind=kind, event_key=event_key, recipients=len(created)))

    def escalate(
        self, *, subject: str, pk: int, due: datetime, key_due: str, what: str, referral: Referral
    ) -> None:
        """Escalation level n once n intervals of working time have passed since `due`, up to
        the area's cap; one interval later a final notice, and nothing more."""
        area = self.areas[referral.area_id]
        hours = area.escalation_working_hours
        level = working_time_between(due, self.now) // timedelta(hours=hours)
        if level < 1:
            return
        manager = self.reach.user(area.escalation_manager_id or 0, area.pk)
        if manager is not None and self.reach.oversees(manager.pk, area.pk):
            recipients, as_whom = [manager], "the area's named manager"
        else:
            recipients, as_whom = self.reach.coordinators(area.pk), "a coordinator of the area"
        common = {
            "url": _referral_url(referral.reference),
            "urgent": True,
            "area_id": area.pk,
            "referral_id": referral.pk,
        }
        cap = area.escalation_max_repeats
        if level > cap:
            self.tell(
                recipients,
                NotificationKind.ESCALATION_FINAL,
                f"escalation_final:{subject}:{pk}:{key_due}",
                title=f"Final notice: {what} on {referral.reference} still overdue",
                body=(
                    f"The {what} on {referral.reference} was due by {_when(due)} and is still "
                    f"overdue after {level * hours} working hours. It has been escalated {cap} "
                    f"times; no further escalations will be sent. You are told as {as_whom}."
                ),
                **common,
            )
            return
        self.tell(
            recipients,
            NotificationKind.ESCALATION,
            f"escalation:{subject}:{pk}:{key_due}:{level}",
            title=f"Escalation {level}: {what} on {referral.reference} still overdue",
            body=(
                f"The {what} on {referral.reference} was due by {_when(due)}. It is still "
                f"overdue after {level * hours} working hours, so it is escalated to you as "
                f"{as_whom}."
            ),
            **common,
        )

    def triage(self, referral: Any) -> None:
        """Due soon, then overdue: the coordinator who took it, else the area's coordinators."""
        area = self.areas[referral.area_id]
        due: datetime = referral.due
        taker = self.reach.by_role[(area.pk, Role.COORDINATOR)].get(referral.triaged_by_id or 0)
        recipients = [taker] if taker else self.reach.coordinators(area.pk)
        common = {
            "url": _referral_url(referral.reference),
            "area_id": area.pk,
            "referral_id": referral.pk,
        }
        if due >= self.now:
            if due <= self.soon_until[area.due_soon_working_hours]:
                self.tell(
                    recipients,
                    NotificationKind.TRIAGE_DUE_SOON,
                    f"triage_due_soon:{referral.pk}:{_iso(due)}",
                    title=f"Triage decision due soon: {referral.reference}",
                    body=f"The triage decision on {referral.reference} is due by {_when(due)}.",
                    **common,
                )
            return
        self.tell(
            recipients,
            NotificationKind.TRIAGE_OVERDUE,
            f"triage_overdue:{referral.pk}:{_iso(due)}",
            title=f"Triage decision overdue: {referral.reference}",
            body=f"The triage decision on {referral.reference} was due by {_when(due)}.",
            urgent=referral.rag == Rag.RED,
            **common,
        )
        self.escalate(
            subject="triage",
            pk=referral.pk,
            due=due,
            key_due=_iso(due),
            what="triage decision",
            referral=referral,
        )

    def action(self, action: ProtectiveAction) -> None:
        """Due soon (today or the next working day), then overdue: its owner, while they may
        see the referral; escalated once overdue."""
        referral = action.referral
        owner = self.reach.user(action.owner_id, referral.area_id)
        can_see = owner is not None and self.reach.sees_case(
            action.owner_id, referral.pk, referral.area_id
        )
        recipients = [owner] if owner is not None and can_see else []
        what = f"protective action ({action.action_type.label})"
        common = {
            "url": _referral_url(referral.reference),
            "area_id": referral.area_id,
            "referral_id": referral.pk,
        }
        if action.due_on >= self.today:
            self.tell(
                recipients,
                NotificationKind.ACTION_DUE_SOON,
                f"action_due_soon:{action.pk}:{action.due_on.isoformat()}",
                title=f"Protective action due {_day(action.due_on)}: {referral.reference}",
                body=f"The {what} on {referral.reference} is due on {_day(action.due_on)}.",
                **common,
            )
            return
        self.tell(
            recipients,
            NotificationKind.ACTION_OVERDUE,
            f"action_overdue:{action.pk}:{action.due_on.isoformat()}",
            title=f"Protective action overdue: {referral.reference}",
            body=f"The {what} on {referral.reference} was due on {_day(action.due_on)}.",
            **common,
        )
        self.escalate(
            subject="action",
            pk=action.pk,
            due=_end_of(action.due_on),
            key_due=action.due_on.isoformat(),
            what=what,
            referral=referral,
        )

    def information_request(self, asked: InformationRequest) -> None:
        """Due soon (today or the next working day), then overdue: those who answer for the
        agency asked; escalated once overdue. They may not see the case: the link is to the
        request."""
        referral = asked.referral
        what = f"information request to {asked.agency.name}"
        common = {
            "url": reverse("frontend:information-request", args=[asked.pk]),
            "area_id": referral.area_id,
            "referral_id": referral.pk,
        }
        recipients = self.answerers.get(asked.pk, [])
        if asked.due_on >= self.today:
            self.tell(
                recipients,
                NotificationKind.INFORMATION_DUE_SOON,
                f"information_due_soon:{asked.pk}:{asked.due_on.isoformat()}",
                title=f"Information request due {_day(asked.due_on)}: {referral.reference}",
                body=f"The {what} on {referral.reference} is due on {_day(asked.due_on)}.",
                **common,
            )
            return
        self.tell(
            recipients,
            NotificationKind.INFORMATION_OVERDUE,
            f"information_overdue:{asked.pk}:{asked.due_on.isoformat()}",
            title=f"Information request overdue: {referral.reference}",
            body=f"The {what} on {referral.reference} was due on {_day(asked.due_on)}.",
            **common,
        )
        self.escalate(
            subject="information_request",
            pk=asked.pk,
            due=_end_of(asked.due_on),
            key_due=asked.due_on.isoformat(),
            what=what,
            referral=referral,
        )

    def plan_date(self, referral: Referral, due_on: date | None, kind: NotificationKind) -> None:
        """A review or risk reassessment due (or past due): coordinators and lead professionals.
        From the day after its date it is overdue: chased, and escalated."""
        if due_on is None:  # the query keeps only referrals with a date
            return
        plan_date = PLAN_DATES[kind]
        recipients = self.reach.coordinators(referral.area_id) + self.reach.lead_professionals(
            referral.pk, referral.area_id
        )
        common = {
            "url": _referral_url(referral.reference),
            "area_id": referral.area_id,
            "referral_id": referral.pk,
        }
        self.tell(
            recipients,
            kind,
            f"{kind.value}:{referral.pk}:{due_on.isoformat()}",
            title=f"{plan_date.what.capitalize()} due: {referral.reference}",
            body=f"The {plan_date.what} of {referral.reference} is due on {_day(due_on)}.",
            **common,
        )
        if due_on >= self.today:
            return
        self.tell(
            recipients,
            plan_date.overdue,
            f"{plan_date.overdue.value}:{referral.pk}:{due_on.isoformat()}",
            title=f"{plan_date.what.capitalize()} overdue: {referral.reference}",
            body=f"The {plan_date.what} of {referral.reference} was due on {_day(due_on)}.",
            **common,
        )
        self.escalate(
            subject=plan_date.subject,
            pk=referral.pk,
            due=_end_of(due_on),
            key_due=due_on.isoformat(),
            what=plan_date.what,
            referral=referral,
        )

    def return_interview(self, episode: MissingEpisode) -> None:
        """Overdue: coordinators and lead professionals; escalated."""
        referral = episode.referral
        due = episode.interview_due_at
        if due is None:  # the query keeps only episodes with a due time
            return
        recipients = self.reach.coordinators(referral.area_id) + self.reach.lead_professionals(
            referral.pk, referral.area_id
        )
        self.tell(
            recipients,
            NotificationKind.RETURN_INTERVIEW_OVERDUE,
            f"return_interview_overdue:{episode.pk}:{_iso(due)}",
            title=f"Return home interview overdue: {referral.reference}",
            body=(
                f"A return home interview on {referral.reference} was due by {_when(due)} and "
                "is not recorded as held or as not held."
            ),
            url=_referral_url(referral.reference),
            area_id=referral.area_id,
            referral_id=referral.pk,
        )
        self.escalate(
            subject="return_interview",
            pk=episode.pk,
            due=due,
            key_due=_iso(due),
            what="return home interview",
            referral=referral,
        )

    def expiring(self, activity: Any) -> None:
        """An order or notice entering its reminder window, or lapsing today: its owner (when
        they work the area's intelligence) and the area's police leads."""
        area_id = activity.area_id
        recipients = self.reach.role(area_id, Role.POLICE_LEAD)
        if self.reach.oversees(activity.owner_id, area_id):
            owner = self.reach.user(activity.owner_id, area_id)
            recipients += [owner] if owner else []
        last_day = activity.expires_on == self.today
        self.tell(
            recipients,
            NotificationKind.DISRUPTION_EXPIRING,
            f"disruption_expiring:{activity.pk}:{activity.expires_on.isoformat()}:"
            + ("last_day" if last_day else "reminder"),
            title=f"{'Expires today' if last_day else 'Expiring'}: {activity.tactic.label}",
            body=(
                f"Disruption activity {activity.pk} ({activity.tactic.label}) expires on "
                f"{_day(activity.expires_on)}."
            ),
            url=reverse("frontend:disruption-update", args=[activity.pk]),
            area_id=area_id,
        )
